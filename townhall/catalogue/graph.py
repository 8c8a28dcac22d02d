"""The relationship graph drawn on the server as SVG: a simple layered layout, no graphviz, no JavaScript.

Data flows left to right: an asset that feeds another sits in a column to its left ("is
derived from" is read backwards, since data flows from the origin). Columns come from the
longest path through the flow edges (edges that close a cycle are drawn but not used for
layout); within a column, assets are ordered by the mean position of their neighbours,
a few sweeps each way (the barycentre heuristic). The page hides the drawing from screen
readers: the list of relationships beside it says the same thing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.utils.html import escape

from townhall.catalogue.constants import RelationshipKind
from townhall.catalogue.selectors import GraphData

NODE_WIDTH = 190
NODE_HEIGHT = 44
COLUMN_GAP = 90
ROW_GAP = 22
MARGIN = 20
LEGEND_HEIGHT = 96
LEGEND_WIDTH = 760
MAX_LABEL = 27
SWEEPS = 4
EDGE_STYLES = {  # colour, dash pattern
    RelationshipKind.FEEDS: ("#1d70b8", ""),
    RelationshipKind.DERIVED_FROM: ("#00703c", "8 4"),
    RelationshipKind.SHARES_WITH: ("#6f3c97", "2 4"),
}
FILLS = {"none": "#ffffff", "personal": "#fff7bf", "special": "#f4c7b8"}


@dataclass(frozen=True)
class Placed:
    x: int
    y: int


def _flow(kind: str, source: int, target: int) -> tuple[int, int]:
    """Which way data moves along a relationship: (from, to)."""
    return (target, source) if kind == RelationshipKind.DERIVED_FROM else (source, target)


def _layers(nodes: list[int], edges: list[tuple[int, int]]) -> dict[int, int]:
    """Column of each node: the longest path to it along edges, ignoring edges that close a cycle."""
    outgoing: dict[int, list[int]] = defaultdict(list)
    for a, b in edges:
        outgoing[a].append(b)
    state: dict[int, int] = {}  # 1 visiting, 2 done
    order: list[int] = []
    acyclic: dict[int, list[int]] = defaultdict(list)
    for start in nodes:
        if start in state:
            continue
        stack = [(start, iter(outgoing[start]))]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                order.append(node)
                stack.pop()
            elif state.get(child) != 1:  # not a back edge
                acyclic[node].append(child)
                if child not in state:
                    state[child] = 1
                    stack.append((child, iter(outgoing[child])))
    layer = dict.fromkeys(nodes, 0)
    for node in reversed(order):  # reverse post-order is a topological order of the acyclic edges
        for child in acyclic[node]:
            layer[child] = max(layer[child], layer[node] + 1)
    return layer


def _order_columns(columns: dict[int, list[int]], neighbours: dict[int, set[int]]) -> None:
    """Reorder each column by its nodes' mean neighbour position (in place), sweeping both ways."""
    position = {node: index for column in columns.values() for index, node in enumerate(column)}
    keys = sorted(columns)
    for sweep in range(SWEEPS):
        for key in keys if sweep % 2 == 0 else reversed(keys):
            column = columns[key]

            def weight(node: int) -> float:
                near = [position[n] for n in neighbours[node]]
                return sum(near) / len(near) if near else float(position[node])

            column.sort(key=weight)
            for index, node in enumerate(column):
                position[node] = index


def _label_lines(text: str) -> list[str]:
    """The name on at most two lines of MAX_LABEL characters, broken between words, cut short with "…"."""
    lines = [""]
    for word in text.split():
        candidate = f"{lines[-1]} {word}".strip()
        if len(candidate) <= MAX_LABEL or not lines[-1]:
            lines[-1] = candidate
        elif len(lines) < 2:
            lines.append(word)
        else:
            lines[-1] = candidate
    return [line if len(line) <= MAX_LABEL else line[: MAX_LABEL - 1] + "…" for line in lines]


def relationship_svg(data: GraphData) -> str:
    """The whole register as one SVG document (aria-hidden: the page's list is the accessible version)."""
    if not data.assets:
        return ""
    names = {asset.pk: asset for asset in data.assets}
    flows = [_flow(link.kind, link.source_id, link.target_id) for link in data.relationships]
    layer = _layers(list(names), flows)
    columns: dict[int, list[int]] = defaultdict(list)
    for pk in names:  # assets arrive sorted by name, so the first sweep starts from a stable order
        columns[layer[pk]].append(pk)
    neighbours: dict[int, set[int]] = defaultdict(set)
    for a, b in flows:
        neighbours[a].add(b)
        neighbours[b].add(a)
    _order_columns(columns, neighbours)

    tallest = max(len(column) for column in columns.values())
    width = max(LEGEND_WIDTH, MARGIN * 2 + len(columns) * NODE_WIDTH + (len(columns) - 1) * COLUMN_GAP)
    graph_height = MARGIN * 2 + tallest * NODE_HEIGHT + (tallest - 1) * ROW_GAP
    height = graph_height + LEGEND_HEIGHT
    placed: dict[int, Placed] = {}
    for key, column in columns.items():
        offset = (tallest - len(column)) * (NODE_HEIGHT + ROW_GAP) // 2
        for index, pk in enumerate(column):
            placed[pk] = Placed(
                x=MARGIN + key * (NODE_WIDTH + COLUMN_GAP), y=MARGIN + offset + index * (NODE_HEIGHT + ROW_GAP)
            )

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        'aria-hidden="true" focusable="false" font-family="arial, sans-serif" font-size="13">',
        "<defs>",
    ]
    for kind, (colour, _dash) in EDGE_STYLES.items():
        parts.append(
            f'<marker id="arrow-{kind}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
            f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>'
        )
    parts.append("</defs>")
    for link in data.relationships:
        start, end = placed[link.source_id], placed[link.target_id]
        colour, dash = EDGE_STYLES[RelationshipKind(link.kind)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        if start.x < end.x:
            x1, x2 = start.x + NODE_WIDTH, end.x
        elif start.x > end.x:
            x1, x2 = start.x, end.x + NODE_WIDTH
        else:  # same column: loop out to the right
            x1 = x2 = start.x + NODE_WIDTH
        y1, y2 = start.y + NODE_HEIGHT // 2, end.y + NODE_HEIGHT // 2
        bend = max(40, abs(x2 - x1) // 2) * (1 if x2 >= x1 else -1)
        c1, c2 = (x1 + bend, x2 - bend) if x1 != x2 else (x1 + 60, x2 + 60)
        parts.append(
            f'<path d="M{x1},{y1} C{c1},{y1} {c2},{y2} {x2},{y2}" fill="none" stroke="{colour}" stroke-width="2"'
            f'{dash_attr} marker-end="url(#arrow-{link.kind})"/>'
        )
    for pk, at in placed.items():
        asset = names[pk]
        fill = FILLS[
            "special" if asset.holds_special_category_data else "personal" if asset.holds_personal_data else "none"
        ]
        stroke_width = 3 if asset.kind == "system" else 1
        lines = _label_lines(asset.name)
        first_y = at.y + NODE_HEIGHT // 2 + 5 - (len(lines) - 1) * 8
        text = "".join(
            f'<tspan x="{at.x + NODE_WIDTH // 2}" y="{first_y + index * 16}">{escape(line)}</tspan>'
            for index, line in enumerate(lines)
        )
        parts.append(
            f'<g data-asset="{pk}"><rect x="{at.x}" y="{at.y}" width="{NODE_WIDTH}" height="{NODE_HEIGHT}" rx="4" '
            f'fill="{fill}" stroke="#0b0c0c" stroke-width="{stroke_width}"/>'
            f'<text text-anchor="middle" fill="#0b0c0c">{text}</text></g>'
        )
    parts.append(_legend(graph_height))
    parts.append("</svg>")
    return "".join(parts)


def _legend(top: int) -> str:
    rows = []
    x = MARGIN
    for index, (kind, (colour, dash)) in enumerate(EDGE_STYLES.items()):
        y = top + 14 + index * 22
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        rows.append(
            f'<line x1="{x}" y1="{y}" x2="{x + 50}" y2="{y}" stroke="{colour}" stroke-width="2"{dash_attr} '
            f'marker-end="url(#arrow-{kind})"/><text x="{x + 60}" y="{y + 4}" fill="#0b0c0c">'
            f"{escape(RelationshipKind(kind).label)}</text>"
        )
    x2 = MARGIN + 230
    for index, (key, text) in enumerate(
        (("none", "no personal data"), ("personal", "personal data"), ("special", "special category data"))
    ):
        y = top + 4 + index * 22
        rows.append(
            f'<rect x="{x2}" y="{y}" width="30" height="16" fill="{FILLS[key]}" stroke="#0b0c0c"/>'
            f'<text x="{x2 + 40}" y="{y + 13}" fill="#0b0c0c">{text}</text>'
        )
    rows.append(
        f'<rect x="{x2 + 220}" y="{top + 4}" width="30" height="16" fill="#ffffff" stroke="#0b0c0c" stroke-width="3"/>'
        f'<text x="{x2 + 260}" y="{top + 17}" fill="#0b0c0c">system (thin border: dataset)</text>'
    )
    return "".join(rows)
