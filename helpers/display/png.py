"""Figures as PNG bytes: one draw of the Agg canvas, then encoded. (``savefig`` draws the figure
twice, and a live redraw cannot afford the second.)

The encoder is the few lines the PNG format needs around zlib, rather than Pillow's: Pillow tries
every PNG row filter on every row and keeps the best, ~20 ms for a 1000 × 750 figure, and offers
no way to skip it; a plot is mostly flat colour, which zlib compresses as well without a filter
(the same size at level 1), in half the time. A test decodes the result with Pillow."""

from __future__ import annotations

import struct
import zlib

import numpy as np
from matplotlib.figure import Figure

from ..plots import lecture_style

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_bytes(fig: Figure, dpi: float | None = None, compress_level: int = 6) -> bytes:
    """Draw ``fig`` (at ``dpi``, if given) and return it as PNG."""
    if dpi is not None and dpi != fig.dpi:
        fig.set_dpi(dpi)
    with lecture_style():  # some of the style is read while drawing (e.g. how ticks are chosen)
        fig.canvas.draw()
    return canvas_png(fig, compress_level)


def canvas_png(fig: Figure, compress_level: int = 6) -> bytes:
    """What the figure's Agg canvas holds now, as an 8-bit RGB PNG (the figures are opaque),
    without drawing anything. ``compress_level``: zlib's, 0–9."""
    width, height = fig.canvas.get_width_height(physical=True)
    rgba = np.asarray(fig.canvas.buffer_rgba())
    rows = np.empty((height, 1 + 3 * width), dtype=np.uint8)
    rows[:, 0] = 0  # each row's filter type: 0, none
    rows[:, 1:].reshape(height, width, 3)[:] = rgba[:, :, :3]
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8 bits, RGB, no interlace
    return (
        PNG_SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows.tobytes(), compress_level))
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
