"""Server-side drawing of Vega-Lite charts, shared by every app that shows one.

Each chart is turned into SVG on the server with vl-convert, so it shows without
JavaScript and without loading anything from another site. The SVG is decoration:
every page puts a table of the same figures beside it, and that table is what screen
readers are given, so the drawing carries no ARIA of its own. Drawings are cached by
the spec's content, since the same figures are drawn again and again.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import vl_convert
from django.core.cache import cache

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
# The Vega-Lite version vl-convert draws with; the vendored browser build is the same (frontend/build.sh).
VEGALITE_VERSION = "5.21"
CACHE_SECONDS = 6 * 3600
# Council blue on GOV.UK text colours, sizes that stay readable when the SVG is scaled down.
BASE_CONFIG: dict[str, Any] = {
    "aria": False,
    "font": "Arial, sans-serif",
    "axis": {"labelFontSize": 13, "titleFontSize": 14, "labelColor": "#0b0c0c", "titleColor": "#0b0c0c"},
    "view": {"stroke": None},
    "mark": {"color": "#1d70b8"},
}


def spec_json(spec: dict[str, Any]) -> str:
    """The spec as canonical JSON: the cache key's source and what the page embeds for the browser."""
    return json.dumps(spec, sort_keys=True, separators=(",", ":"))


def svg(spec: dict[str, Any], *, fluid: bool) -> str:
    """The chart as an SVG document; `fluid` drops its fixed size so it shrinks to a phone's width."""
    text = spec_json(spec)
    key = f"chart-svg-{int(fluid)}-" + hashlib.sha256(text.encode()).hexdigest()
    cached = cache.get(key)
    if cached is None:
        cached = vl_convert.vegalite_to_svg(json.loads(text), vl_version=VEGALITE_VERSION)
        if fluid:
            cached = _without_fixed_size(cached)
        cache.set(key, cached, CACHE_SECONDS)
    return str(cached)


def _without_fixed_size(document: str) -> str:
    """Drop the root element's width and height, keeping its viewBox (WCAG reflow at 320 px)."""
    root = re.match(r"<svg\b[^>]*>", document)
    if root is None or "viewBox=" not in root.group(0):
        return document
    return re.sub(r'\s(?:width|height)="[^"]*"', "", root.group(0)) + document[root.end() :]
