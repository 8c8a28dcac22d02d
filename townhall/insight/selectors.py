"""Reads behind every card, chart, table and CSV: sums over the rollups, turned into metric values.

All figures go through `totals_by()`: one GROUP BY over the rollup table (or the account
and dashboard-usage tables) for a slice and an optional split (a time grain or a
dimension), then each metric's arithmetic. Dashboards, the public page and the CSVs all
call these, so they cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncDate, TruncDay, TruncMonth, TruncWeek
from django.db.models.functions.datetime import TruncBase

from townhall.accounts import selectors as account_selectors
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.insight.metrics import GRAINS, Metric, Source, Totals
from townhall.insight.models import (
    AlertRule,
    DashboardView,
    ForecastPoint,
    ForecastRun,
    PinnedMetric,
    RequestDay,
    RequestWardDay,
    RollupState,
    SignInDay,
)
from townhall.opendata import selectors as opendata_selectors
from townhall.people import selectors as people_selectors
from townhall.service_requests import selectors as request_selectors

LONDON = ZoneInfo("Europe/London")
MEASURES = (
    "received",
    "closed",
    "closed_resolved",
    "fixed",
    "fixed_first_time",
    "reopened",
    "sla_met",
    "close_seconds",
)
# Public figures for a ward or category cell resting on fewer requests than this are withheld.
SMALL_COUNT = 5
DIMENSION_FIELDS = {"ward": "ward_id", "category": "category_id", "team": "team_id", "channel": "channel"}


@dataclass(frozen=True)
class Filters:
    """One slice of the data: an inclusive range of London days and optional dimension values."""

    start: dt.date
    end: dt.date
    ward_id: int | None = None
    category_id: int | None = None
    group_id: int | None = None  # a service area: every category in one category group
    team_id: int | None = None
    channel: str = ""

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous_period(self) -> Filters:
        """The same number of days immediately before."""
        return replace(self, start=self.start - dt.timedelta(days=self.days), end=self.start - dt.timedelta(days=1))

    def same_period_last_year(self) -> Filters:
        return replace(self, start=_year_earlier(self.start), end=_year_earlier(self.end))


def _year_earlier(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def london_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=LONDON)


def _request_rows(filters: Filters, *, split: str) -> QuerySet[RequestDay] | QuerySet[RequestWardDay]:
    """The smaller rollup whenever the slice and split need no category or team."""
    needs_category = filters.category_id or filters.group_id or filters.team_id or split in ("category", "team")
    rows: QuerySet[Any] = (RequestDay if needs_category else RequestWardDay).objects.filter(
        day__gte=filters.start, day__lte=filters.end
    )
    if filters.ward_id:
        rows = rows.filter(ward_id=filters.ward_id)
    if filters.category_id:
        rows = rows.filter(category_id=filters.category_id)
    if filters.group_id:
        rows = rows.filter(category__group_id=filters.group_id)
    if filters.team_id:
        rows = rows.filter(team_id=filters.team_id)
    if filters.channel:
        rows = rows.filter(channel=filters.channel)
    return rows


def _trunc(grain: str, field: Any) -> TruncBase:
    if grain not in GRAINS:
        raise ValueError(f"Unknown grain {grain!r}")
    kinds: dict[str, type[TruncBase]] = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}
    return kinds[grain](field)


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _request_totals(filters: Filters, *, split: str) -> dict[object, Totals]:
    rows = _request_rows(filters, split=split)
    keys: list[str] = ["channel"]
    if split in GRAINS:
        rows = rows.annotate(split=_trunc(split, "day"))
        keys.insert(0, "split")
    elif split:
        keys.insert(0, DIMENSION_FIELDS[split])
    grouped = rows.values(*keys).annotate(**{m: Sum(m) for m in MEASURES}).order_by()
    result: dict[object, Totals] = defaultdict(Totals)
    for row in grouped:
        key = (_as_date(row["split"]) if split in GRAINS else row[keys[0]]) if split else None
        totals = result[key]
        for measure in MEASURES:
            totals.measures[measure] = totals.measures.get(measure, 0) + (row[measure] or 0)
        totals.received_by_channel[row["channel"]] = totals.received_by_channel.get(row["channel"], 0) + (
            row["received"] or 0
        )
    return dict(result)


def _account_totals(filters: Filters, *, split: str) -> dict[object, Totals]:
    result: dict[object, Totals] = defaultdict(Totals)
    signups = account_selectors.resident_signups(
        joined_from=london_midnight(filters.start), joined_before=london_midnight(filters.end + dt.timedelta(days=1))
    )
    active = SignInDay.objects.filter(day__gte=filters.start, day__lte=filters.end)
    if split in GRAINS:
        signup_rows = (
            signups.annotate(split=_trunc(split, TruncDate("date_joined", tzinfo=LONDON)))
            .values("split")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in signup_rows:
            result[_as_date(row["split"])].measures["signups"] = row["n"]
        active_rows = (
            active.annotate(split=_trunc(split, "day")).values("split").annotate(n=Count("user", distinct=True))
        ).order_by()
        for row in active_rows:
            result[_as_date(row["split"])].measures["active"] = row["n"]
    else:
        totals = result[None]
        totals.measures["signups"] = signups.count()
        totals.measures["active"] = active.values("user").distinct().count()
    return dict(result)


def _dashboard_totals(filters: Filters, *, split: str) -> dict[object, Totals]:
    managers = account_selectors.staff_with_role(role=StaffRole.TEAM_MANAGER).count()
    views = DashboardView.objects.filter(
        as_manager=True,
        viewed_at__gte=london_midnight(filters.start),
        viewed_at__lt=london_midnight(filters.end + dt.timedelta(days=1)),
    )
    result: dict[object, Totals] = defaultdict(Totals)
    if split in GRAINS:
        day = TruncDate("viewed_at", tzinfo=LONDON)
        rows = views.annotate(split=_trunc(split, day)).values("split").annotate(n=Count("user", distinct=True))
        for row in rows.order_by():
            result[_as_date(row["split"])].measures["managers_viewing"] = row["n"]
    else:
        result[None].measures["managers_viewing"] = views.values("user").distinct().count()
    for totals in result.values():
        totals.measures["managers"] = managers
    if split in GRAINS:
        for period in periods(filters, split):
            result[period].measures["managers"] = managers
    return dict(result)


def _open_data_totals(filters: Filters, *, split: str) -> dict[object, Totals]:
    published = opendata_selectors.datasets_first_published(
        published_from=london_midnight(filters.start),
        published_before=london_midnight(filters.end + dt.timedelta(days=1)),
    )
    result: dict[object, Totals] = defaultdict(Totals)
    if split in GRAINS:
        day = TruncDate("published_at", tzinfo=LONDON)
        for row in published.annotate(split=_trunc(split, day)).values("split").annotate(n=Count("pk")).order_by():
            result[_as_date(row["split"])].measures["published"] = row["n"]
    else:
        result[None].measures["published"] = published.count()
    return dict(result)


def _data_quality_totals(filters: Filters, *, split: str) -> dict[object, Totals]:
    """Issues open at the end of each period (a stock, not a sum) and corrections made within it.

    The Citizen Index keeps one row per issue, a few thousand at most, so this reads them
    directly rather than through a rollup.
    """
    starts = periods(filters, split) if split in GRAINS else [filters.start]
    ends = [*starts[1:], filters.end + dt.timedelta(days=1)]
    result: dict[object, Totals] = {}
    for start, end in zip(starts, ends, strict=True):
        begin, finish = london_midnight(max(start, filters.start)), london_midnight(end)
        totals = Totals()
        totals.measures["open"] = people_selectors.data_quality_issues_open_at(finish)
        corrected, days = people_selectors.data_quality_corrections(start=begin, end=finish)
        totals.measures["corrected"] = corrected
        totals.measures["correction_seconds"] = round(days * 86400)
        result[start if split in GRAINS else None] = totals
    return result


def totals_by(source: Source, filters: Filters, *, split: str = "") -> dict[object, Totals]:
    """Sums for the slice, keyed by period start (a grain), dimension id (a dimension) or None (no split)."""
    if source is Source.REQUESTS:
        return _request_totals(filters, split=split)
    if source is Source.ACCOUNTS:
        return _account_totals(filters, split=split)
    if source is Source.OPEN_DATA:
        return _open_data_totals(filters, split=split)
    if source is Source.DATA_QUALITY:
        return _data_quality_totals(filters, split=split)
    return _dashboard_totals(filters, split=split)


def periods(filters: Filters, grain: str) -> list[dt.date]:
    """Start of every day, Monday-starting week or month that overlaps the range."""
    if grain == "day":
        first, step = filters.start, None
    elif grain == "week":
        first, step = filters.start - dt.timedelta(days=filters.start.weekday()), None
    else:
        first, step = filters.start.replace(day=1), "month"
    out = []
    current = first
    while current <= filters.end:
        out.append(current)
        if step == "month":
            current = (current.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        else:
            current += dt.timedelta(days=7 if grain == "week" else 1)
    return out


@dataclass(frozen=True)
class Point:
    """One value of a metric: for a period or a dimension value, with the count it rests on."""

    key: object
    label: str
    value: Decimal | None
    base: int


def metric_value(metric: Metric, filters: Filters) -> Decimal | None:
    totals = totals_by(metric.source, filters).get(None, Totals())
    return metric.compute(totals)


def metric_series(metric: Metric, filters: Filters, *, grain: str) -> list[Point]:
    """The metric for every period in the range (empty periods included, as zero counts or no rate)."""
    grouped = totals_by(metric.source, filters, split=grain)
    points = []
    for period in periods(filters, grain):
        totals = grouped.get(period, Totals())
        points.append(Point(period, period_label(period, grain), metric.compute(totals), metric.base(totals)))
    return points


def period_label(period: dt.date, grain: str) -> str:
    if grain == "month":
        return period.strftime("%B %Y")
    if grain == "week":
        return f"Week of {period.day} {period.strftime('%b %Y')}"
    return f"{period.day} {period.strftime('%b %Y')}"


def dimension_labels(dimension: str) -> dict[object, str]:
    if dimension == "ward":
        return {w.pk: w.name for w in request_selectors.wards()}
    if dimension == "category":
        return {c.pk: c.name for c in request_selectors.categories()}
    if dimension == "team":
        return {t.pk: t.name for t in request_selectors.teams()}
    from townhall.service_requests.constants import Channel

    return dict(Channel.choices)


def metric_breakdown(metric: Metric, filters: Filters, *, dimension: str) -> list[Point]:
    """The metric for every value of one dimension, largest base first; 'Not assigned' for no team."""
    if dimension not in metric.dimensions:
        raise ValueError(f"{metric.key} cannot be split by {dimension}")
    grouped = totals_by(metric.source, filters, split=dimension)
    labels = dimension_labels(dimension)
    if dimension == "ward":  # every ward is listed, so a map and its table cover the whole borough
        for ward_id in labels:
            grouped.setdefault(ward_id, Totals())
    points = [
        Point(
            key,
            labels.get(key, "Not assigned") if key is not None else "Not assigned",
            metric.compute(t),
            metric.base(t),
        )
        for key, t in grouped.items()
    ]
    return sorted(points, key=lambda p: (-p.base, p.label))


@dataclass(frozen=True)
class Card:
    metric: Metric
    value: Decimal | None
    previous: Decimal | None
    last_year: Decimal | None


def metric_cards(metrics: Iterable[Metric], filters: Filters) -> list[Card]:
    """Value, previous period and same period last year for each metric, one query per source and period."""
    wanted = list(metrics)
    slices = (filters, filters.previous_period(), filters.same_period_last_year())
    cache: dict[tuple[Source, int], Totals] = {}
    for index, slice_ in enumerate(slices):
        for source in {m.source for m in wanted}:
            cache[(source, index)] = totals_by(source, slice_).get(None, Totals())
    return [
        Card(m, m.compute(cache[(m.source, 0)]), m.compute(cache[(m.source, 1)]), m.compute(cache[(m.source, 2)]))
        for m in wanted
    ]


def withhold_small(points: list[Point]) -> list[Point]:
    """Public cells: a value resting on fewer than SMALL_COUNT requests is replaced by None."""
    return [p if p.base == 0 or p.base >= SMALL_COUNT else replace(p, value=None) for p in points]


def pinned_metric_keys(*, user: User) -> list[str]:
    return list(PinnedMetric.objects.filter(user=user).values_list("metric", flat=True))


def forecast_latest() -> ForecastRun | None:
    return ForecastRun.objects.first()


def forecast_points(*, run: ForecastRun, series: str = "") -> QuerySet[ForecastPoint]:
    points = ForecastPoint.objects.filter(run=run).order_by("series", "week_start")
    return points.filter(series=series) if series else points


def forecast_point_for_week(*, series: str, week_start: dt.date) -> ForecastPoint | None:
    """The most recent forecast made for that week before it began (what an alert compares against)."""
    return (
        ForecastPoint.objects.filter(
            series=series, week_start=week_start, run__created_at__lt=london_midnight(week_start)
        )
        .order_by("-run__created_at")
        .first()
    )


def rollup_refreshed_at() -> dt.datetime | None:
    state = RollupState.objects.filter(name="requests").first()
    return state.refreshed_at if state else None


def alert_rules_for(*, owner: User) -> QuerySet[AlertRule]:
    return AlertRule.objects.filter(owner=owner).order_by("created_at", "pk")


def metric_series_many(metrics: Iterable[Metric], filters: Filters, *, grain: str) -> dict[str, list[Point]]:
    """Series for several metrics with one grouped query per source instead of one per metric."""
    wanted = list(metrics)
    grouped = {source: totals_by(source, filters, split=grain) for source in {m.source for m in wanted}}
    out = {}
    for metric in wanted:
        totals_for = grouped[metric.source]
        out[metric.key] = [
            Point(p, period_label(p, grain), metric.compute(t := totals_for.get(p, Totals())), metric.base(t))
            for p in periods(filters, grain)
        ]
    return out


ALL_SERIES = "all"


def forecast_accuracy_summary(*, run: ForecastRun) -> dict[str, Any]:
    """The run's backtest in brief: mean MASE of the method and of seasonal naive, and where it did better."""
    per_series: dict[str, dict[str, Any]] = run.backtest.get("series", {})
    scored = [s for s in per_series.values() if s.get("mase") is not None and s.get("baseline_mase") is not None]
    return {
        "method": run.method,
        "created_at": run.created_at,
        "series": len(scored),
        "beats": sum(1 for s in scored if s.get("beats_baseline", s["mase"] < s["baseline_mase"])),
        "mean_mase": sum(s["mase"] for s in scored) / len(scored) if scored else None,
        "mean_baseline_mase": sum(s["baseline_mase"] for s in scored) / len(scored) if scored else None,
    }


def _series_name(series: str, names: dict[str, str], area_wards: dict[str, list[str]]) -> str:
    if series == ALL_SERIES:
        return "All requests"
    if series.startswith(AREA_PREFIX):
        area = series.removeprefix(AREA_PREFIX)
        return f"{area} area ({', '.join(sorted(area_wards.get(area, [])))})"
    return names.get(series, series)


def forecast_overview(*, run: ForecastRun) -> dict[str, Any]:
    """Per series: the next weeks with intervals, the backtest scores, and officer hours from handling times."""
    handling = {c.service_code: c.handling_minutes for c in request_selectors.categories()}
    names = {c.service_code: c.name for c in request_selectors.categories()}
    per_series: dict[str, dict[str, Any]] = run.backtest.get("series", {})
    area_wards: dict[str, list[str]] = defaultdict(list)
    ward_names = {w.pk: w.name for w in request_selectors.wards()}
    for ward_id, area in ward_areas().items():
        area_wards[area].append(ward_names[ward_id])
    rows: dict[str, dict[str, Any]] = {}
    for point in forecast_points(run=run):
        row = rows.setdefault(
            point.series,
            {
                "series": point.series,
                "name": _series_name(point.series, names, area_wards),
                "minutes": handling.get(point.series),
                "points": [],
                "score": per_series.get(point.series, {}),
            },
        )
        hours = None if row["minutes"] is None else point.mean * row["minutes"] / 60
        row["points"].append(
            {"week": point.week_start, "mean": point.mean, "lower": point.lower, "upper": point.upper, "hours": hours}
        )
    ordered = sorted(
        rows.values(), key=lambda r: (r["series"] != ALL_SERIES, not r["series"].startswith(AREA_PREFIX), r["name"])
    )
    for row in ordered:
        row["total_hours"] = (
            sum(p["hours"] for p in row["points"]) if row["minutes"] is not None and row["points"] else None
        )
    return {"summary": forecast_accuracy_summary(run=run), "rows": ordered}


AREA_PREFIX = "area:"
AREA_NAMES = ("West", "Centre west", "Centre east", "East")


def ward_areas() -> dict[int, str]:
    """Each ward's area for forecasts: wards sorted west to east by the middle of their bounding box
    and dealt into four bands of (nearly) equal size, so area teams can plan staff. With fewer than
    four wards, each ward is its own area."""
    wards = sorted(request_selectors.wards(), key=lambda w: ((w.min_lng + w.max_lng) / 2, w.name))
    if len(wards) < len(AREA_NAMES):
        return {w.pk: w.name for w in wards}
    return {w.pk: AREA_NAMES[index * len(AREA_NAMES) // len(wards)] for index, w in enumerate(wards)}


def daily_received_series() -> list[tuple[str, dt.date, int]]:
    """(series, day, requests received) from the rollups: forecasting's input.

    Series are each category (its service code), each area of wards (`area:<name>`) and
    `all`, the whole borough.
    """
    out: list[tuple[str, dt.date, int]] = []
    per_day: dict[dt.date, int] = defaultdict(int)
    by_category = (
        RequestDay.objects.values("day", "category__service_code")
        .annotate(n=Sum("received"))
        .order_by("day", "category__service_code")
    )
    for row in by_category:
        out.append((row["category__service_code"], row["day"], row["n"]))
        per_day[row["day"]] += row["n"]
    out.extend((ALL_SERIES, day, n) for day, n in sorted(per_day.items()))
    areas = ward_areas()
    per_area: dict[tuple[str, dt.date], int] = defaultdict(int)
    for ward_row in RequestWardDay.objects.values("day", "ward_id").annotate(n=Sum("received")).order_by():
        per_area[(areas.get(ward_row["ward_id"], "Other"), ward_row["day"])] += ward_row["n"]
    out.extend((f"{AREA_PREFIX}{area}", day, n) for (area, day), n in sorted(per_area.items()))
    return out


@dataclass(frozen=True)
class PublishedCell:
    """One month, ward and category of the open statistics; counts of 1 to 4 are withheld (None)."""

    month: dt.date
    ward_code: str
    ward_name: str
    service_code: str
    category_name: str
    received: int | None
    closed: int | None


def _published(count: int) -> int | None:
    return None if 0 < count < SMALL_COUNT else count


def requests_by_month_ward_category(*, first_month: dt.date, last_day: dt.date) -> list[PublishedCell]:
    """Service requests received and closed per month, ward and category, for open data.

    Rows with nothing received or closed are left out; any count under SMALL_COUNT is withheld,
    so no cell can point at a handful of residents.
    """
    rows = (
        RequestDay.objects.filter(day__gte=first_month, day__lte=last_day)
        .annotate(month=TruncMonth("day"))
        .values("month", "ward__code", "ward__name", "category__service_code", "category__name")
        .annotate(received_n=Sum("received"), closed_n=Sum("closed"))
        .order_by("month", "ward__code", "category__service_code")
    )
    return [
        PublishedCell(
            month=_as_date(row["month"]),
            ward_code=row["ward__code"],
            ward_name=row["ward__name"],
            service_code=row["category__service_code"],
            category_name=row["category__name"],
            received=_published(row["received_n"] or 0),
            closed=_published(row["closed_n"] or 0),
        )
        for row in rows
        if (row["received_n"] or 0) or (row["closed_n"] or 0)
    ]
