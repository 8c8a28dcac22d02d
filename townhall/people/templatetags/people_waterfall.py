"""{% waterfall_chart pair %}: the review pair's match-weight waterfall as an inline SVG (see people/waterfall.py)."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from townhall.core.charts import svg as chart_svg
from townhall.people import waterfall
from townhall.people.models import ReviewPair

register = template.Library()


@register.simple_tag
def waterfall_chart(pair: ReviewPair) -> SafeString:
    """The SVG, or "" for a pair with no explanation (a decided pair added by a manual merge or split)."""
    steps = pair.explanation if isinstance(pair.explanation, list) else []
    if not waterfall.finite(steps):
        return mark_safe("")
    spec = waterfall.waterfall_spec(steps, match_probability=pair.match_probability)
    # vl_convert renders our own spec; Vega's SVG renderer escapes the labels it draws.
    return mark_safe(chart_svg(spec, fluid=True))  # noqa: S308
