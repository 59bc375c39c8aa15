"""Charts drawn on the server as SVG shapes, for pages without script or inline style.

A `Chart` is what is shown (labels, series, the numbers a table repeats); `draw` turns it into
`Shape`s with SVG presentation attributes and classes only: colours come from the console's
stylesheet (classes s0-s3, Okabe and Ito's colour-blind-safe palette; heat-0 to heat-5, one
hue getting darker), and series differ by dash pattern and position too, never colour alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

WIDTH = 640
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 26, 26  # room for axis labels and the legend
DASHES = ("", "6 4", "2 3", "10 3 2 3")  # lines differ by pattern as well as colour
HEAT_LEVELS = 5


@dataclass(frozen=True)
class Series:
    """One named row of values; None where there is nothing to show."""

    name: str
    values: list[float | None]


@dataclass(frozen=True)
class Chart:
    """What one chart shows: `kind` is columns, lines, bars (horizontal) or heat."""

    key: str
    title: str
    kind: str
    labels: list[str]
    series: list[Series]
    unit: str = ""  # after each number: "%", " s"
    axis: list[str] | None = None  # shorter labels under the axis (default: labels)
    rows: list[str] = field(default_factory=list)  # heat: the row labels; labels are columns


@dataclass(frozen=True)
class Shape:
    """One SVG element: its tag, attributes, and its text (a <title> for rects and circles)."""

    tag: str
    attrs: tuple[tuple[str, str], ...]
    text: str = ""


@dataclass(frozen=True)
class Drawing:
    """A chart's shapes in a width x height box."""

    width: int
    height: int
    shapes: list[Shape]


def shape(tag: str, text: str = "", **attrs: float | str) -> Shape:
    """A shape; numbers rounded to a tenth, attribute names with dashes for underscores."""
    pairs = tuple(
        (
            name.rstrip("_").replace("_", "-"),
            f"{value:.1f}" if isinstance(value, float) else str(value),
        )
        for name, value in attrs.items()
    )
    return Shape(tag, pairs, text)


def number(value: float | None, unit: str = "") -> str:
    """A value as the chart and its table show it."""
    if value is None:
        return "–"
    shown = f"{value:.0f}" if float(value).is_integer() or abs(value) >= 10 else f"{value:.1f}"
    return shown + unit


def nice_top(largest: float) -> tuple[float, float]:
    """An axis top at or above `largest`, and a round step giving about four ticks."""
    if largest <= 0:
        return 1.0, 1.0
    raw = largest / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    step = max(step, 1.0)
    return math.ceil(largest / step) * step, step


def draw(chart: Chart) -> Drawing:
    """The chart's shapes."""
    drawers = {"columns": _columns, "lines": _lines, "bars": _bars, "heat": _heat}
    return drawers[chart.kind](chart)


def _largest(chart: Chart) -> float:
    return max((v for s in chart.series for v in s.values if v is not None), default=0.0)


def _legend(chart: Chart) -> list[Shape]:
    if len(chart.series) < 2:
        return []
    shapes, x = [], float(LEFT)
    for index, series in enumerate(chart.series):
        css = f"s{index % 4}"
        if chart.kind == "lines":
            shapes.append(
                shape(
                    "line",
                    x1=x,
                    y1=9.0,
                    x2=x + 18,
                    y2=9.0,
                    class_=f"line {css}",
                    stroke_dasharray=DASHES[index % 4] or "none",
                )
            )
        else:
            shapes.append(shape("rect", x=x, y=3.0, width=12.0, height=12.0, class_=css))
        shapes.append(shape("text", series.name, x=x + 22, y=13.0, class_="legend"))
        x += 34 + 7 * len(series.name)
    return shapes


def _frame(chart: Chart, height: int, top: float, step: float, unit: str) -> list[Shape]:
    """Horizontal grid lines with their values, and the labels under the axis."""
    shapes = []
    plot = height - TOP - BOTTOM
    ticks = int(round(top / step))
    for n in range(ticks + 1):
        y = TOP + plot - plot * n / ticks
        shapes.append(
            shape("line", x1=float(LEFT), y1=y, x2=float(WIDTH - RIGHT), y2=y, class_="grid")
        )
        shapes.append(
            shape(
                "text",
                number(step * n, unit),
                x=LEFT - 4.0,
                y=y + 4,
                text_anchor="end",
                class_="axis",
            )
        )
    labels = chart.axis or chart.labels
    every = max(1, math.ceil(len(labels) / 8))
    band = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    for index in range(0, len(labels), every):
        x = LEFT + band * (index + 0.5)
        shapes.append(
            shape(
                "text", labels[index], x=x, y=float(height - 8), text_anchor="middle", class_="axis"
            )
        )
    return shapes


def _columns(chart: Chart, height: int = 220) -> Drawing:
    top, step = nice_top(_largest(chart))
    shapes = _frame(chart, height, top, step, chart.unit) + _legend(chart)
    plot = height - TOP - BOTTOM
    band = (WIDTH - LEFT - RIGHT) / max(len(chart.labels), 1)
    width = band * 0.8 / max(len(chart.series), 1)
    for s_index, series in enumerate(chart.series):
        for index, value in enumerate(series.values):
            if not value:
                continue
            tall = plot * value / top
            x = LEFT + band * index + band * 0.1 + width * s_index
            tip = f"{chart.labels[index]} · {series.name}: {number(value, chart.unit)}"
            shapes.append(
                shape(
                    "rect",
                    tip,
                    x=x,
                    y=TOP + plot - tall,
                    width=width,
                    height=tall,
                    class_=f"s{s_index % 4}",
                )
            )
    return Drawing(WIDTH, height, shapes)


def _lines(chart: Chart, height: int = 220) -> Drawing:
    top, step = (100.0, 25.0) if chart.unit == "%" else nice_top(_largest(chart))
    shapes = _frame(chart, height, top, step, chart.unit) + _legend(chart)
    plot = height - TOP - BOTTOM
    band = (WIDTH - LEFT - RIGHT) / max(len(chart.labels), 1)
    for s_index, series in enumerate(chart.series):
        css = f"s{s_index % 4}"
        run: list[str] = []
        for index, value in enumerate([*series.values, None]):
            if value is None:  # a gap in the data breaks the line
                shapes.extend(_polyline(run, s_index))
                run = []
                continue
            x, y = LEFT + band * (index + 0.5), TOP + plot - plot * value / top
            run.append(f"{x:.1f},{y:.1f}")
            tip = f"{chart.labels[index]} · {series.name}: {number(value, chart.unit)}"
            shapes.append(shape("circle", tip, cx=x, cy=y, r=2.5, class_=css))
    return Drawing(WIDTH, height, shapes)


def _polyline(points: list[str], index: int) -> list[Shape]:
    if len(points) < 2:
        return []
    dash = DASHES[index % 4] or "none"
    css = f"line s{index % 4}"
    return [shape("polyline", points=" ".join(points), class_=css, stroke_dasharray=dash)]


def _bars(chart: Chart) -> Drawing:
    label_width, bar, gap = 170, 12.0, 10.0
    group = bar * len(chart.series) + gap
    height = int(TOP + group * max(len(chart.labels), 1) + 8)
    top, _ = nice_top(_largest(chart))
    span = WIDTH - label_width - RIGHT - 40  # room for the value after the bar
    shapes = _legend(chart)
    for index, label in enumerate(chart.labels):
        y = TOP + group * index
        shapes.append(
            shape(
                "text",
                label,
                x=float(label_width - 6),
                y=y + bar * 0.9,
                text_anchor="end",
                class_="axis",
            )
        )
        for s_index, series in enumerate(chart.series):
            value = series.values[index] or 0
            length = span * value / top
            tip = f"{label} · {series.name}: {number(value, chart.unit)}"
            row = y + bar * s_index
            shapes.append(
                shape(
                    "rect",
                    tip,
                    x=float(label_width),
                    y=row,
                    width=length,
                    height=bar - 2,
                    class_=f"s{s_index % 4}",
                )
            )
            shapes.append(
                shape(
                    "text",
                    number(value, chart.unit),
                    x=label_width + length + 4,
                    y=row + bar * 0.75,
                    class_="value",
                )
            )
    return Drawing(WIDTH, height, shapes)


def _heat(chart: Chart) -> Drawing:
    columns, rows = len(chart.labels), len(chart.rows)
    cell_w = (WIDTH - LEFT - RIGHT) / max(columns, 1)
    cell_h = 22.0
    height = int(TOP + cell_h * rows + BOTTOM)
    largest = _largest(chart)
    shapes = []
    for row, (name, series) in enumerate(zip(chart.rows, chart.series, strict=True)):
        y = TOP + cell_h * row
        shapes.append(
            shape("text", name, x=LEFT - 4.0, y=y + cell_h * 0.7, text_anchor="end", class_="axis")
        )
        for column, value in enumerate(series.values):
            level = math.ceil(HEAT_LEVELS * (value or 0) / largest) if largest else 0
            tip = f"{name} {chart.labels[column]}: {number(value, chart.unit)}"
            shapes.append(
                shape(
                    "rect",
                    tip,
                    x=LEFT + cell_w * column,
                    y=y,
                    width=cell_w - 1,
                    height=cell_h - 1,
                    class_=f"heat-{level}",
                )
            )
    for column in range(0, columns, 3):
        shapes.append(
            shape(
                "text",
                chart.labels[column],
                x=LEFT + cell_w * (column + 0.5),
                y=float(height - 8),
                text_anchor="middle",
                class_="axis",
            )
        )
    return Drawing(WIDTH, height, shapes)
