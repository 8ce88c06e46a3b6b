"""Figures as PNG bytes: one draw of the Agg canvas, encoded by Pillow. (``savefig`` draws the
figure twice, and a live redraw cannot afford the second.)"""
from __future__ import annotations

import io

from matplotlib.figure import Figure
from PIL import Image

from ..plots import lecture_style


def png_bytes(fig: Figure, dpi: float | None = None, compress_level: int = 6) -> bytes:
    """Draw ``fig`` (at ``dpi``, if given) and return it as PNG."""
    if dpi is not None and dpi != fig.dpi:
        fig.set_dpi(dpi)
    with lecture_style():  # some of the style is read while drawing (e.g. how ticks are chosen)
        fig.canvas.draw()
    return canvas_png(fig, compress_level)


def canvas_png(fig: Figure, compress_level: int = 6) -> bytes:
    """What the figure's Agg canvas holds now, as PNG, without drawing anything."""
    width, height = fig.canvas.get_width_height(physical=True)
    rgba = Image.frombuffer("RGBA", (width, height), fig.canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    image = rgba.convert("RGB")  # the figures are opaque: a quarter less to filter and compress
    buffer = io.BytesIO()
    image.save(buffer, format="png", compress_level=compress_level)
    return buffer.getvalue()
