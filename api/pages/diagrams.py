"""Layouts for the pages' pictures, drawn as inline SVG by the templates (no script, so they show
without JavaScript and their text is escaped like any other): a chart of each source's value on one
comparison dimension, a resource's neighbourhood, and the class hierarchy."""

import math
from collections import Counter
from dataclasses import dataclass, field

LABEL_WIDTH = 260   # the text column left of a chart's bars
PLOT_WIDTH = 360
ROW = 26


@dataclass
class Bar:
    y: int
    who: str              # technology and document
    value: str            # the value as the source words it
    x: float | None = None
    width: float | None = None
    disputed: bool = False


@dataclass
class Chart:
    title: str
    unit: str | None
    bars: list[Bar]
    ticks: list[tuple[float, str]] = field(default_factory=list)

    @property
    def height(self) -> int:
        return ROW * len(self.bars) + 34

    @property
    def width(self) -> int:
        return LABEL_WIDTH + PLOT_WIDTH + 20


def _number(value) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def claim_chart(title: str, claims: list[dict]) -> Chart:
    """One row per claim; where claims give numbers in the dimension's main unit, a bar from min to max
    (a log scale when they span two orders of magnitude), else the value as words."""
    numeric = [c for c in claims if _number(c.get("min")) is not None or _number(c.get("max")) is not None]
    counts = Counter(c.get("unit") for c in numeric)  # the commonest unit; on a tie, an absolute one before percent
    unit = min(counts, key=lambda u: (-counts[u], u == "percent", str(u))) if numeric else None
    spans = [(_number(c.get("min")), _number(c.get("max"))) for c in numeric if c.get("unit") == unit]
    values = [v for pair in spans for v in pair if v is not None]
    low, high = (min(values), max(values)) if values else (0, 1)
    logarithmic = low > 0 and high / low >= 100
    if logarithmic:
        lo, hi = math.floor(math.log10(low)), math.ceil(math.log10(high))
        scale = lambda v: (math.log10(v) - lo) / max(hi - lo, 1) * PLOT_WIDTH  # noqa: E731
        ticks = [(scale(10 ** e), f"{10 ** e:g}") for e in range(lo, hi + 1)]
    else:
        top = high or 1
        scale = lambda v: v / top * PLOT_WIDTH  # noqa: E731
        ticks = [(scale(top * i / 4), f"{top * i / 4:g}") for i in range(5)]
    bars = []
    for i, c in enumerate(claims):
        bar = Bar(ROW * i + 4, f"{c['technology']} · {c['document']}", c["value"], disputed=bool(c.get("disputed")))
        lo_v, hi_v = _number(c.get("min")), _number(c.get("max"))
        if c.get("unit") == unit and (lo_v is not None or hi_v is not None):
            start, end = scale(lo_v if lo_v is not None else hi_v), scale(hi_v if hi_v is not None else lo_v)
            bar.x, bar.width = LABEL_WIDTH + start, max(end - start, 3)
        bars.append(bar)
    return Chart(title, unit, bars, [(LABEL_WIDTH + x, t) for x, t in ticks] if numeric else [])


@dataclass
class Node:
    x: float
    y: float
    label: str
    href: str | None
    edge: str = ""


def neighbourhood(center: str, neighbours: list[tuple[str, str, str | None]], size: int = 560) -> list[Node]:
    """The resource in the middle and up to twelve neighbours (label, property label, link) around it."""
    shown = neighbours[:12]
    r = size / 2 - 130
    nodes = [Node(size / 2, size / 2, center, None)]
    for i, (label, edge, href) in enumerate(shown):
        angle = 2 * math.pi * i / max(len(shown), 1) - math.pi / 2
        nodes.append(Node(size / 2 + r * math.cos(angle), size / 2 + r * math.sin(angle),
                          _short(label), href, _short(edge, 22)))
    return nodes


def _short(text: str, n: int = 26) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


@dataclass
class TreeRow:
    x: int
    y: int
    depth: int
    label: str
    iri: str
    parent_y: int | None


def tree(roots: list[str], children: dict[str, list[str]], labels: dict[str, str]) -> list[TreeRow]:
    """An indented tree, one row per class (a class under two parents appears under each)."""
    rows: list[TreeRow] = []

    def walk(node: str, depth: int, parent_y: int | None, path: tuple) -> None:
        y = len(rows) * 22 + 14
        rows.append(TreeRow(depth * 22 + 8, y, depth, labels[node], node, parent_y))
        for child in children.get(node, []):
            if child not in path:
                walk(child, depth + 1, y, path + (child,))

    for root in roots:
        walk(root, 0, None, (root,))
    return rows
