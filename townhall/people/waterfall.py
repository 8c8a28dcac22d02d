"""The clerical review waterfall: how a pair's match weight builds up, comparison by comparison, as an SVG.

A Vega-Lite spec drawn on the server (`townhall.core.charts`), so the chart needs no
JavaScript. It starts at the prior (the weight of two random records being one
person), adds one bar per comparison from the running total (green when it counts
for a match, red against), and ends with the pair's final match weight and its
probability. The SVG is decoration for sighted reviewers: the page's table of the
same numbers is the accessible version, so the chart is hidden from assistive tech.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from townhall.core.charts import SCHEMA

FINAL_LABEL = "Final match weight"
# GOV.UK Design System colours: grey for the prior, green for, red against, blue for the total.
_COLOURS = {"prior": "#505a5f", "for": "#00703c", "against": "#d4351c", "total": "#1d70b8"}
_KIND_LABELS = {"prior": "Prior", "for": "For a match", "against": "Against a match", "total": "Final weight"}


def _step_name(step: dict[str, Any]) -> str:
    name = str(step.get("comparison", ""))
    return "Prior" if name == "prior" else name.replace("_", " ").capitalize()


def waterfall_bars(steps: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One bar per step from the running total, then the final weight from zero (what the chart draws)."""
    bars: list[dict[str, Any]] = []
    total = 0.0
    for order, step in enumerate(steps):
        weight = float(step.get("match_weight") or 0.0)
        kind = "prior" if step.get("comparison") == "prior" else "for" if weight >= 0 else "against"
        bars.append(
            {
                "order": order,
                "step": _step_name(step),
                "detail": str(step.get("label", "")),
                "start": total,
                "end": total + weight,
                "weight": weight,
                "kind": _KIND_LABELS[kind],
            }
        )
        total += weight
    bars.append(
        {
            "order": len(bars),
            "step": FINAL_LABEL,
            "detail": "",
            "start": 0.0,
            "end": total,
            "weight": total,
            "kind": _KIND_LABELS["total"],
        }
    )
    return bars


def probability_from_weight(weight: float) -> float:
    """Splink's conversion: a match weight is log2 of the odds of a match."""
    return 1.0 / (1.0 + 2.0 ** (-weight)) if weight > -1000 else 0.0


def waterfall_spec(steps: Sequence[dict[str, Any]], *, match_probability: float | None) -> dict[str, Any]:
    """A horizontal waterfall, steps top to bottom, the x axis in match weight (log2 Bayes factor)."""
    bars = waterfall_bars(steps)
    total = bars[-1]["end"]
    probability = match_probability if match_probability is not None else probability_from_weight(total)
    for bar in bars:
        bar["weight_text"] = f"{bar['weight']:+.1f}"
        bar["text_at"] = max(bar["start"], bar["end"])
    kinds = list(_KIND_LABELS.values())
    encoding_y = {
        "field": "step",
        "type": "nominal",
        "sort": {"field": "order", "order": "ascending"},
        "title": None,
        "axis": {"labelLimit": 220},
    }
    return {
        "$schema": SCHEMA,
        "title": {
            "text": f"Match weight {total:.1f}, match probability {probability:.3f}",
            "anchor": "start",
            "fontSize": 16,
            "color": "#0b0c0c",
        },
        "width": 560,
        "height": {"step": 26},
        "data": {"values": bars},
        "config": {
            "aria": False,
            "font": "Arial, sans-serif",
            "axis": {"labelFontSize": 13, "titleFontSize": 14, "labelColor": "#0b0c0c", "titleColor": "#0b0c0c"},
            "legend": {"labelFontSize": 13, "titleFontSize": 14, "orient": "bottom"},
            "view": {"stroke": None},
        },
        "layer": [
            {
                "mark": {"type": "bar", "height": {"band": 0.7}},
                "encoding": {
                    "y": encoding_y,
                    "x": {"field": "start", "type": "quantitative", "title": "Match weight (log2 Bayes factor)"},
                    "x2": {"field": "end"},
                    "color": {
                        "field": "kind",
                        "type": "nominal",
                        "title": None,
                        "scale": {"domain": kinds, "range": [_COLOURS[k] for k in _KIND_LABELS]},
                    },
                },
            },
            {
                "mark": {"type": "rule", "color": "#0b0c0c"},
                "encoding": {"x": {"datum": 0}},
            },
            {
                "mark": {"type": "text", "align": "left", "dx": 4, "fontSize": 12, "color": "#0b0c0c"},
                "encoding": {
                    "y": encoding_y,
                    "x": {"field": "text_at", "type": "quantitative"},
                    "text": {"field": "weight_text"},
                },
            },
        ],
    }


def spec_total(spec: dict[str, Any]) -> float:
    """The final bar's weight: what the steps add up to."""
    return float(spec["data"]["values"][-1]["end"])


def finite(steps: Sequence[dict[str, Any]]) -> bool:
    """Whether every step has a finite weight (a chart of infinities would be meaningless)."""
    return bool(steps) and all(math.isfinite(float(step.get("match_weight") or 0.0)) for step in steps)
