"""Turning metric values into what pages show: formatted figures, figures with their tables, CSV rows.

Shared by the staff dashboards and the public performance page so a value is written
the same way everywhere.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from townhall.core.charts import svg as chart_svg
from townhall.insight import charts
from townhall.insight.metrics import Metric, Unit
from townhall.insight.selectors import SMALL_COUNT, Card, Point

NOT_AVAILABLE = "No data"
WITHHELD = "Fewer than 5"


def format_value(metric: Metric, value: Decimal | None, *, withheld: bool = False) -> str:
    if value is None:
        return WITHHELD if withheld else NOT_AVAILABLE
    if metric.unit == Unit.PERCENT:
        return f"{value.quantize(Decimal('0.1'), ROUND_HALF_UP)}%"
    if metric.unit == Unit.POUNDS:
        rounded = value.quantize(Decimal("0.01"), ROUND_HALF_UP)
        return f"-£{-rounded:,}" if rounded < 0 else f"£{rounded:,}"
    if metric.unit == Unit.DAYS:
        return f"{value.quantize(Decimal('0.1'), ROUND_HALF_UP)} days"
    return f"{int(value):,}"


def csv_value(value: Decimal | None) -> str:
    """Values in CSVs: plain numbers to 4 decimal places, empty when there is none."""
    if value is None:
        return ""
    return str(value.quantize(Decimal("0.0001"), ROUND_HALF_UP).normalize()) if value % 1 else str(int(value))


@dataclass(frozen=True)
class TableRow:
    label: str
    value: str
    base: str


@dataclass(frozen=True)
class Figure:
    """A chart with its data table and CSV link: the unit dashboards are built from."""

    id: str
    title: str
    metric: Metric
    spec: dict[str, Any]
    svg: str
    rows: list[TableRow]
    csv_href: str
    key_heading: str
    base_heading: str = "Based on"

    @property
    def spec_id(self) -> str:
        """The id of the script element holding the spec, for the browser's interactive redraw."""
        return f"{self.id}-spec"

    @property
    def show_base(self) -> bool:
        """A count is its own base; a rate or cost shows how many requests it rests on."""
        return self.metric.unit != Unit.COUNT


def figure(
    *,
    id: str,
    title: str,
    metric: Metric,
    spec: dict[str, Any],
    points: Sequence[Point],
    csv_href: str,
    key_heading: str,
    withheld: bool = False,
) -> Figure:
    rows = [
        TableRow(
            p.label,
            format_value(metric, p.value, withheld=withheld and p.base > 0),
            WITHHELD if withheld and 0 < p.base < SMALL_COUNT else f"{p.base:,}",
        )
        for p in points
    ]
    return Figure(
        id=id,
        title=title,
        metric=metric,
        spec=spec,
        svg=chart_svg(spec, fluid=False),
        rows=rows,
        csv_href=csv_href,
        key_heading=key_heading,
    )


@dataclass(frozen=True)
class ForecastChart:
    """A forecast's drawing; the forecast table beside it is its accessible version."""

    spec_id: str
    spec: dict[str, Any]
    svg: str


def forecast_rows_charted(rows: Sequence[dict[str, Any]], *, charted: Callable[[str], bool]) -> list[dict[str, Any]]:
    """The forecast rows, with a `chart` for the series `charted` picks (None for the rest).

    Charts go to the borough and its areas only: one per category would be a wall of them.
    """
    out = []
    for index, row in enumerate(rows):
        chart = None
        if charted(row["series"]) and row["points"]:
            spec = charts.forecast_spec(row["points"], title=f"{row['name']}: requests expected per week")
            chart = ForecastChart(spec_id=f"forecast-{index}-spec", spec=spec, svg=chart_svg(spec, fluid=False))
        out.append({**row, "chart": chart})
    return out


@dataclass(frozen=True)
class CardView:
    metric: Metric
    value: str
    previous: str
    last_year: str
    change: str


def _change(metric: Metric, now: Decimal | None, before: Decimal | None) -> str:
    """ "Up 3.2 points" for rates, "up 12%" for other values, "no change" or "" when it cannot be said."""
    if now is None or before is None:
        return ""
    if metric.unit == Unit.PERCENT:
        diff = (now - before).quantize(Decimal("0.1"), ROUND_HALF_UP)
        unit = " percentage points"
    else:
        if before == 0:
            return ""
        diff = ((now - before) * 100 / abs(before)).quantize(Decimal("0.1"), ROUND_HALF_UP)
        unit = "%"
    if diff == 0:
        return "no change"
    verdict = ""
    if metric.higher_is_better is not None:
        verdict = ", better" if (diff > 0) == metric.higher_is_better else ", worse"
    return f"{'up' if diff > 0 else 'down'} {abs(diff)}{unit}{verdict}"


def card_views(cards: Iterable[Card]) -> list[CardView]:
    return [
        CardView(
            metric=card.metric,
            value=format_value(card.metric, card.value),
            previous=format_value(card.metric, card.previous),
            last_year=format_value(card.metric, card.last_year),
            change=_change(card.metric, card.value, card.previous),
        )
        for card in cards
    ]


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def points_csv(metric: Metric, points: Sequence[Point], *, key_heading: str) -> str:
    """One row per period or dimension value: its label, key, the value and the count it rests on."""
    return csv_text(
        [key_heading, "key", metric.key, "based_on"],
        (
            [
                p.label,
                "" if p.key is None else str(p.key),
                csv_value(p.value),
                p.base,
            ]
            for p in points
        ),
    )
