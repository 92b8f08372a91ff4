"""Charts render headless to a real, non-blank PNG of the asked size; gaps are not drawn as zero."""

from __future__ import annotations

import io
import struct

import pytest
from matplotlib.image import imread

from bot.charts import Chart, Series, render_png

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(content: bytes) -> tuple[int, int]:
    assert content.startswith(PNG_SIGNATURE)
    width, height = struct.unpack(">II", content[16:24])
    return width, height


@pytest.mark.parametrize("kind", ["bar", "line"])
def test_a_chart_is_a_png_of_the_asked_size_and_not_blank(kind: str) -> None:
    chart = Chart(
        "Participation",
        ["Sep", "Oct", "Nov"],
        [Series("answered", [0.4, None, 0.7]), Series("applied", [0.2, 0.3, 0.5])],
        kind=kind,  # type: ignore[arg-type]
        marks=((0.6, "60%"),),
    )
    content = render_png(chart, width=640, height=360)
    assert png_size(content) == (640, 360)
    pixels = imread(io.BytesIO(content))
    # Not one flat colour: something was drawn.
    assert pixels.reshape(-1, pixels.shape[-1]).std(axis=0).max() > 0.05


def test_a_series_must_match_the_categories() -> None:
    with pytest.raises(ValueError):
        Chart("x", ["a", "b"], [Series("s", [1.0])])
