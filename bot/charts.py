"""Charts as PNG bytes, drawn without a display (matplotlib's Agg canvas, no pyplot state).

A chart names no feature: categories along the x axis, one or more labelled series of values. A value of None
is a gap (a withheld or missing figure), drawn as nothing rather than as zero.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

DPI = 100


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | None]


@dataclass(frozen=True)
class Chart:
    title: str
    categories: Sequence[str]
    series: Sequence[Series]
    kind: Literal["bar", "line"] = "bar"
    y_label: str = ""
    # Horizontal reference lines (a target, a flag threshold), each with its label.
    marks: Sequence[tuple[float, str]] = field(default_factory=tuple)
    # A fixed value axis (0..100 for shares), so two charts of the same figures compare by eye.
    y_limit: tuple[float, float] | None = None
    # Long category names are tilted so they do not overlap.
    label_rotation: int = 0

    def __post_init__(self) -> None:
        for series in self.series:
            if len(series.values) != len(self.categories):
                raise ValueError(
                    f"series {series.label!r} has {len(series.values)} values for {len(self.categories)} categories"
                )


def render_png(chart: Chart, *, width: int = 960, height: int = 540, colours: int | None = None) -> bytes:
    """The chart as a PNG of `width` × `height` pixels. With `colours`, the PNG is reduced to a palette of that
    many colours: a few kilobytes, small enough to travel inline (a Teams card as a data: URI)."""
    figure = Figure(figsize=(width / DPI, height / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = range(len(chart.categories))
    count = max(len(chart.series), 1)
    bar_width = 0.8 / count
    for index, series in enumerate(chart.series):
        if chart.kind == "bar":
            offset = (index - (count - 1) / 2) * bar_width
            xs = [x + offset for x, value in zip(positions, series.values, strict=True) if value is not None]
            ys = [value for value in series.values if value is not None]
            axes.bar(xs, ys, width=bar_width, label=series.label)
        else:
            ys_or_gaps = [float("nan") if value is None else value for value in series.values]
            axes.plot(list(positions), ys_or_gaps, marker="o", label=series.label)
    for value, label in chart.marks:
        axes.axhline(value, linestyle="--", linewidth=1, color="grey")
        axes.annotate(
            label,
            (0, value),
            xycoords=("axes fraction", "data"),
            fontsize=8,
            color="grey",
            xytext=(2, 2),
            textcoords="offset points",
        )
    axes.set_xticks(
        list(positions),
        [str(category) for category in chart.categories],
        rotation=chart.label_rotation,
        ha="right" if chart.label_rotation else "center",
    )
    if chart.y_limit is not None:
        axes.set_ylim(*chart.y_limit)
    axes.set_title(chart.title)
    if chart.y_label:
        axes.set_ylabel(chart.y_label)
    if len(chart.series) > 1:
        axes.legend()
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    if colours is None:
        return buffer.getvalue()
    buffer.seek(0)
    with Image.open(buffer) as image:
        reduced = image.convert("RGB").quantize(colors=colours)
        small = io.BytesIO()
        reduced.save(small, format="PNG", optimize=True)
    return small.getvalue()
