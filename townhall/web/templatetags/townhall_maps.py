"""Template tags for maps: the vendored Leaflet assets and the configured tile server.

A page with a map loads `{% map_assets %}` in its head and puts `{% map_tile_attributes %}`
on each `data-map` element; assets/js/map.js does the rest (see the comment at its top).
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.inclusion_tag("web/includes/map_assets.html")
def map_assets() -> dict[str, object]:
    return {}


@register.simple_tag
def map_tile_attributes() -> SafeString:
    """`data-map-tiles` and `data-map-attribution` when TOWNHALL_MAP_TILE_URL is set; nothing otherwise."""
    url = str(settings.TOWNHALL_MAP_TILE_URL)
    if not url:
        return mark_safe("")
    return format_html(
        'data-map-tiles="{}" data-map-attribution="{}"', url, str(settings.TOWNHALL_MAP_TILE_ATTRIBUTION)
    )
