"""A small chart for the dataset page's preview: one numeric column of the rows shown.

Drawn on the server (`townhall.core.charts`), so it needs no JavaScript. The SVG is
decoration: the preview table beside it holds the same figures and is what screen
readers are given.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from townhall.core.charts import BASE_CONFIG, SCHEMA


def bar_spec(*, title: str, labels: Sequence[str], values: Sequence[float | None], value_title: str) -> dict[str, Any]:
    """Horizontal bars, one per row, in the table's order."""
    return {
        "$schema": SCHEMA,
        "description": title,
        "width": 440,
        "data": {"values": [{"row": label, "value": value} for label, value in zip(labels, values, strict=True)]},
        "mark": {"type": "bar"},
        "encoding": {
            "y": {"field": "row", "type": "nominal", "sort": None, "title": None},
            "x": {"field": "value", "type": "quantitative", "title": value_title},
        },
        "config": BASE_CONFIG,
    }
