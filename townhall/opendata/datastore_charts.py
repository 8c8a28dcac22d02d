"""A small chart for the dataset page's preview: one numeric column of the rows shown, drawn on the server.

The Vega-Lite spec is turned into SVG with vl-convert (no JavaScript, nothing fetched from
elsewhere) and cached by its content. The SVG is decoration: the preview table beside it
holds the same figures and is what screen readers are given.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from typing import Any

import vl_convert
from django.core.cache import cache

VEGALITE_VERSION = "5.21"
CACHE_SECONDS = 6 * 3600
_CONFIG: dict[str, Any] = {
    "aria": False,
    "font": "Arial, sans-serif",
    "axis": {"labelFontSize": 13, "titleFontSize": 14, "labelColor": "#0b0c0c", "titleColor": "#0b0c0c"},
    "view": {"stroke": None},
    "mark": {"color": "#1d70b8"},
}


def bar_spec(*, title: str, labels: Sequence[str], values: Sequence[float | None], value_title: str) -> dict[str, Any]:
    """Horizontal bars, one per row, in the table's order."""
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "description": title,
        "width": 440,
        "data": {"values": [{"row": label, "value": value} for label, value in zip(labels, values, strict=True)]},
        "mark": {"type": "bar"},
        "encoding": {
            "y": {"field": "row", "type": "nominal", "sort": None, "title": None},
            "x": {"field": "value", "type": "quantitative", "title": value_title},
        },
        "config": _CONFIG,
    }


def svg(spec: dict[str, Any]) -> str:
    """The chart as an SVG document (cached by the spec's content)."""
    text = json.dumps(spec, sort_keys=True, separators=(",", ":"))
    key = "opendata-svg-" + hashlib.sha256(text.encode()).hexdigest()
    cached = cache.get(key)
    if cached is None:
        cached = _fluid(vl_convert.vegalite_to_svg(json.loads(text), vl_version=VEGALITE_VERSION))
        cache.set(key, cached, CACHE_SECONDS)
    return str(cached)


def _fluid(document: str) -> str:
    """Drop the root's fixed width and height, keeping its viewBox, so the chart shrinks to fit a phone (reflow)."""
    root = re.match(r"<svg\b[^>]*>", document)
    if root is None or "viewBox=" not in root.group(0):
        return document
    tag = re.sub(r'\s(?:width|height)="[^"]*"', "", root.group(0))
    return tag + document[root.end() :]
