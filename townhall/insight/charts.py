"""Vega-Lite chart specifications for Insight's figures.

Every chart is drawn on the server from its spec (`townhall.core.charts`), so it shows
without JavaScript; the same spec goes into the page for the browser to redraw
interactively when scripts run. The data table beside each chart, not the picture, is
what screen readers are pointed to.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import shapely.geometry
import shapely.geometry.polygon

from townhall.core.charts import BASE_CONFIG, SCHEMA
from townhall.insight.metrics import Metric, Unit
from townhall.insight.selectors import Point

# The shared council look, with axes that thin their labels on long time series, and a legend.
_CONFIG: dict[str, Any] = {
    **BASE_CONFIG,
    "axis": {**BASE_CONFIG["axis"], "labelOverlap": True, "tickCount": 6},
    "legend": {"labelFontSize": 13, "titleFontSize": 14},
}


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _axis_title(metric: Metric) -> str:
    return {Unit.PERCENT: "Per cent", Unit.POUNDS: "Pounds", Unit.DAYS: "Days", Unit.COUNT: "Number"}[metric.unit]


def series_spec(metric: Metric, points: Sequence[Point], *, grain: str, title: str) -> dict[str, Any]:
    """A column chart for counts, a line for rates, over time."""
    values = [{"period": str(p.key), "label": p.label, "value": _number(p.value)} for p in points]
    time_unit = {"day": "yearmonthdate", "week": "yearmonthdate", "month": "yearmonth"}[grain]
    mark: dict[str, Any] = {"type": "bar"} if metric.unit == Unit.COUNT else {"type": "line", "point": True}
    return {
        "$schema": SCHEMA,
        "description": title,
        "width": 560,
        "height": 220,
        "data": {"values": values},
        "mark": {**mark, "tooltip": True},
        "encoding": {
            "x": {"field": "period", "type": "temporal", "timeUnit": time_unit, "title": None},
            "y": {"field": "value", "type": "quantitative", "title": _axis_title(metric)},
            "tooltip": [
                {"field": "label", "type": "nominal", "title": "Period"},
                {"field": "value", "type": "quantitative", "title": metric.name, "format": ",.2~f"},
            ],
        },
        "config": _CONFIG,
    }


def breakdown_spec(metric: Metric, points: Sequence[Point], *, title: str) -> dict[str, Any]:
    """Horizontal bars, one per ward, category, team or channel, largest first."""
    values = [{"label": p.label, "value": _number(p.value)} for p in points]
    return {
        "$schema": SCHEMA,
        "description": title,
        "width": 460,
        "data": {"values": values},
        "mark": {"type": "bar", "tooltip": True},
        "encoding": {
            "y": {"field": "label", "type": "nominal", "sort": None, "title": None},
            "x": {"field": "value", "type": "quantitative", "title": _axis_title(metric)},
        },
        "config": _CONFIG,
    }


def forecast_spec(points: Sequence[dict[str, Any]], *, title: str) -> dict[str, Any]:
    """Expected requests per week as a line, inside its 80% range as a shaded band."""
    values = [
        {"week": p["week"].isoformat(), "mean": p["mean"], "lower": p["lower"], "upper": p["upper"]} for p in points
    ]
    week = {"field": "week", "type": "temporal", "timeUnit": "yearmonthdate", "title": "Week starting"}
    return {
        "$schema": SCHEMA,
        "description": title,
        "width": 560,
        "height": 200,
        "data": {"values": values},
        "encoding": {"x": week},
        "layer": [
            {
                "mark": {"type": "area", "color": "#d2e2f1"},
                "encoding": {
                    "y": {"field": "lower", "type": "quantitative", "title": "Requests a week"},
                    "y2": {"field": "upper"},
                },
            },
            {
                "mark": {"type": "line", "point": True, "tooltip": True},
                "encoding": {
                    "y": {"field": "mean", "type": "quantitative"},
                    "tooltip": [
                        {"field": "week", "type": "temporal", "title": "Week starting", "format": "%-d %b %Y"},
                        {"field": "mean", "type": "quantitative", "title": "Expected", "format": ",.0f"},
                        {"field": "lower", "type": "quantitative", "title": "80% range from", "format": ",.0f"},
                        {"field": "upper", "type": "quantitative", "title": "80% range to", "format": ",.0f"},
                    ],
                },
            },
        ],
        "config": _CONFIG,
    }


def choropleth_spec(
    metric: Metric, ward_outlines: dict[str, Any], values_by_code: dict[str, float | None], *, title: str
) -> dict[str, Any]:
    """Wards shaded by the metric's value; wards without a value are drawn in light grey."""
    features = [
        {
            **feature,
            "geometry": _clockwise(feature["geometry"]),
            "properties": {**feature.get("properties", {}), "value": values_by_code.get(_code(feature))},
        }
        for feature in ward_outlines.get("features", [])
    ]
    return {
        "$schema": SCHEMA,
        "description": title,
        "width": 460,
        "height": 380,
        "data": {"values": {"type": "FeatureCollection", "features": features}, "format": {"property": "features"}},
        "projection": {"type": "mercator"},
        "mark": {"type": "geoshape", "stroke": "#ffffff", "strokeWidth": 1, "tooltip": True},
        "encoding": {
            "color": {
                "field": "properties.value",
                "type": "quantitative",
                "title": _axis_title(metric),
                "scale": {"scheme": "blues"},
            },
            "tooltip": [
                {"field": "properties.name", "type": "nominal", "title": "Ward"},
                {"field": "properties.value", "type": "quantitative", "title": metric.name, "format": ",.2~f"},
            ],
        },
        "config": _CONFIG,
    }


def _clockwise(geometry: dict[str, Any]) -> dict[str, Any]:
    """Outer rings clockwise, as d3-geo (inside Vega) reads them.

    GeoJSON (RFC 7946) winds outer rings anticlockwise; d3 would take such a ward to be
    the whole globe except the ward and fill the entire map.
    """
    shape = shapely.geometry.shape(geometry)
    polygons = list(shape.geoms) if isinstance(shape, shapely.geometry.MultiPolygon) else [shape]
    turned = [shapely.geometry.polygon.orient(polygon, sign=-1.0) for polygon in polygons]
    result = shapely.geometry.MultiPolygon(turned) if len(turned) > 1 else turned[0]
    return dict(shapely.geometry.mapping(result))


def _code(feature: dict[str, Any]) -> str:
    return str(feature.get("properties", {}).get("code", ""))
