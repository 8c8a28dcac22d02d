"""/performance/: the strategy's measures of success, as residents and councillors read them.

Borough-wide monthly figures for the last 24 complete months, each with a chart and its
table, and the same numbers as open data (CSV and JSON). Only metrics marked public are
shown, and a figure resting on fewer than 5 requests is withheld, as is every ward cell
under 5.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from townhall.insight import charts, presentation, selectors
from townhall.insight import metrics as metric_registry
from townhall.insight.measures import FORECAST_MEASURE, MEASURES
from townhall.insight.selectors import Filters, Point

MONTHS = 24


def _window(today: dt.date) -> Filters:
    """The last MONTHS complete months before this one."""
    end = today.replace(day=1) - dt.timedelta(days=1)
    start = end.replace(day=1)
    for _ in range(MONTHS - 1):
        start = (start - dt.timedelta(days=1)).replace(day=1)
    return Filters(start=start, end=end)


def _public_series(filters: Filters) -> dict[str, list[Point]]:
    wanted = metric_registry.metrics(public_only=True)
    series = selectors.metric_series_many(wanted, filters, grain="month")
    by_key = {m.key: m for m in wanted}
    return {
        key: selectors.withhold_small(points) if by_key[key].about_people else points for key, points in series.items()
    }


def _measure_rows(filters: Filters) -> list[dict[str, Any]]:
    series = _public_series(filters)
    rows = []
    for measure in MEASURES:
        figures = []
        for key in measure.metrics:
            metric = metric_registry.metric(key)
            if metric is None or key not in series:
                continue
            points = series[key]
            title = f"{metric.name}, by month"
            figures.append(
                {
                    "figure": presentation.figure(
                        id=f"measure-{key}",
                        title=title,
                        metric=metric,
                        spec=charts.series_spec(metric, points, grain="month", title=title),
                        points=points,
                        csv_href=reverse("performance_csv"),
                        key_heading="Month",
                        withheld=metric.about_people,
                    ),
                    "latest": presentation.format_value(metric, points[-1].value, withheld=points[-1].base > 0),
                    "latest_label": points[-1].label,
                }
            )
        rows.append({"measure": measure, "figures": figures})
    return rows


def _forecast_accuracy() -> dict[str, Any] | None:
    run = selectors.forecast_latest()
    if run is None:
        return None
    return selectors.forecast_accuracy_summary(run=run)


@require_http_methods(["GET"])
def performance(request: HttpRequest) -> HttpResponse:
    filters = _window(timezone.localdate())
    received = metric_registry.metric("requests_received")
    ward_points: list[Point] = []
    last_month = Filters(start=filters.end.replace(day=1), end=filters.end)
    if received is not None:
        ward_points = selectors.withhold_small(selectors.metric_breakdown(received, last_month, dimension="ward"))
        ward_points.sort(key=lambda p: p.label)
    return render(
        request,
        "insight/performance.html",
        {
            "filters": filters,
            "last_month": last_month,
            "measures": _measure_rows(filters),
            "forecast_measure": FORECAST_MEASURE,
            "forecast": _forecast_accuracy(),
            "ward_rows": [
                (p.label, presentation.format_value(received, p.value, withheld=p.base > 0)) for p in ward_points
            ]
            if received
            else [],
        },
    )


def _open_data_rows(filters: Filters) -> list[dict[str, Any]]:
    """Every public metric, month by month, with the strategy measure it reports against (if any)."""
    series = _public_series(filters)
    measure_of = {key: measure.title for measure in MEASURES for key in measure.metrics}
    rows = []
    for metric in metric_registry.metrics(public_only=True):
        for point in series[metric.key]:
            rows.append(
                {
                    "measure": measure_of.get(metric.key, ""),
                    "metric": metric.key,
                    "name": metric.name,
                    "unit": str(metric.unit),
                    "month": str(point.key)[:7],
                    "value": presentation.csv_value(point.value),
                    "withheld": point.value is None and point.base > 0,
                }
            )
    return rows


@require_http_methods(["GET"])
def performance_csv(request: HttpRequest) -> HttpResponse:
    rows = _open_data_rows(_window(timezone.localdate()))
    header = ["measure", "metric", "name", "unit", "month", "value", "withheld"]
    body = presentation.csv_text(header, ([row[h] for h in header] for row in rows))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="performance-measures.csv"'
    return response


@require_http_methods(["GET"])
def performance_json(request: HttpRequest) -> HttpResponse:
    filters = _window(timezone.localdate())
    payload = {
        "from": filters.start.isoformat(),
        "to": filters.end.isoformat(),
        "note": "Monthly figures for the whole borough. A value resting on fewer than 5 requests is withheld (null).",
        "measures_not_measured": [m.title for m in MEASURES if m.not_measured_because],
        "figures": [
            {**row, "value": json.loads(row["value"]) if row["value"] else None} for row in _open_data_rows(filters)
        ],
    }
    return JsonResponse(payload, json_dumps_params={"indent": 1})
