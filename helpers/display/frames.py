"""Frames: an interactive figure drawn at one setting, as the live panel draws it, kept in the
frame store (``helpers.framestore``).

``frame(figure, values)`` is the one way a stored frame is made: a new figure at the panel's
resolution, the figure's own drawing function, the axes prepared as the panel prepares them,
encoded losslessly, with the figure's text alternative (``helpers.describe``) inside. A test
decodes a stored frame and the live panel's picture at the same values and compares them pixel
for pixel. ``fill`` draws a figure's whole frame grid (presets x
explored values) in worker processes, taking what the store holds already.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import time

import numpy as np

from ..describe import describe
from ..figures import InteractiveFigure, get_figure
from ..framestore import FrameStore, default_store, encode_webp
from ..plots import lecture_style, new_figure
from .recycling import prepare

FRAME_DPI = 100  # the live panel's resolution (panel.PANEL_DPI): the same pixels


def draw(figure: InteractiveFigure, values: dict, dpi: int = FRAME_DPI) -> np.ndarray:
    """The figure at ``values``, drawn on a new canvas: an (height, width, 3) uint8 array."""
    return _drawn(figure, values, dpi)[0]


def _drawn(figure: InteractiveFigure, values: dict, dpi: int) -> tuple[np.ndarray, str]:
    fig = figure.render(new_figure(figure.figsize, dpi=dpi), **values)
    for ax in fig.axes:
        prepare(ax)  # as in the live panel
    with lecture_style():
        fig.canvas.draw()
    return np.array(np.asarray(fig.canvas.buffer_rgba())[:, :, :3]), describe(fig)


def encoded(figure: InteractiveFigure, values: dict, dpi: int = FRAME_DPI) -> bytes:
    """The frame's bytes as the store keeps them: the pixels, with the figure's description
    (``helpers.describe``, read from what was drawn) inside."""
    rgb, description = _drawn(figure, values, dpi)
    return encode_webp(rgb, description)


def frame(
    figure: InteractiveFigure | str,
    values: dict,
    store: FrameStore | None = None,
    dpi: int = FRAME_DPI,
) -> bytes:
    """The frame of ``figure`` at ``values`` (lossless WebP): from the store when it is there,
    else drawn (and stored, when there is a store: ``store`` or the default one)."""
    figure = get_figure(figure)
    values = figure.resolve(**values)
    store = store if store is not None else default_store()
    if store is None:
        return encoded(figure, values, dpi)
    return store.get_or_render(store.key(figure, values, dpi), lambda: encoded(figure, values, dpi))


# --- filling the store in worker processes ---------------------------------------------------


def _start_worker(seed: int) -> None:
    from ..session import setup

    with contextlib.redirect_stdout(io.StringIO()):
        setup(seed)  # the notebook's own set-up: seed, one thread, the lecture style


def _draw_row(name: str, row: list[dict], folder: str, dpi: int) -> tuple[int, int]:
    """The frames of ``name`` at the settings ``row`` (one preset's, in slider order: neighbours
    share cached computations). Returns (frames drawn, frames another process drew meanwhile)."""
    figure = get_figure(name)
    store = FrameStore(folder)
    drawn = 0
    for values in row:
        key = store.key(figure, values, dpi)
        if store.get(key) is None:
            store.get_or_render(key, lambda: encoded(figure, values, dpi))
            drawn += 1
    return drawn, len(row) - drawn


def fill(
    figures=None,
    store: FrameStore | None = None,
    jobs: int = 2,
    dpi: int = FRAME_DPI,
    quiet: bool = False,
) -> dict:
    """Draw every frame of ``figures`` (default: all) that the store lacks, ``jobs`` worker
    processes at a time, at the course seed in force here. Returns {"drawn", "found", "seconds"}."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from tqdm.auto import tqdm

    from ..figures import FIGURES
    from ..seeding import course_seed

    figures = [get_figure(f) for f in (figures if figures is not None else list(FIGURES))]
    store = store if store is not None else default_store()
    if store is None:
        raise ValueError(
            "the frame store is turned off (HELPERS_FRAMES=off): there is nowhere to put frames"
        )
    start = time.perf_counter()
    missing = {}  # (figure, preset) -> the settings of its row that the store lacks
    found = 0
    for figure in figures:
        for preset, values in figure.frame_grid():
            if store.path(store.key(figure, values, dpi)).exists():
                found += 1
            elif values not in missing.setdefault((figure.name, preset), []):
                missing[(figure.name, preset)].append(values)
            else:
                found += 1  # the same setting twice in a grid: one frame
    drawn = 0
    if missing:
        total = sum(map(len, missing.values()))
        bar = tqdm(
            total=total,
            desc="drawing frames",
            unit="frame",
            disable=quiet,
            file=sys.stderr,
            mininterval=1.0,
        )
        # 'spawn': a fresh interpreter per worker (torch's threads do not survive a fork); it
        # inherits TQDM_DISABLE, read when tqdm is imported: the figures' own progress bars
        # (a training run's) stay quiet, the fill has one
        context = multiprocessing.get_context("spawn")
        quiet_bars = os.environ.get("TQDM_DISABLE")
        os.environ["TQDM_DISABLE"] = "1"
        try:
            with ProcessPoolExecutor(
                max_workers=max(1, jobs),
                mp_context=context,
                initializer=_start_worker,
                initargs=(course_seed(),),
            ) as pool:
                # the longest rows first, so that no worker is left with a long one at the end
                rows = sorted(missing, key=lambda row: -len(missing[row]))
                futures = [
                    pool.submit(_draw_row, name, missing[(name, preset)], str(store.folder), dpi)
                    for name, preset in rows
                ]
                for future in futures:
                    row_drawn, row_found = future.result()
                    drawn += row_drawn
                    found += row_found
                    bar.update(row_drawn + row_found)
        finally:
            if quiet_bars is None:
                os.environ.pop("TQDM_DISABLE", None)
            else:
                os.environ["TQDM_DISABLE"] = quiet_bars
        bar.close()
    store.trim()
    return {"drawn": drawn, "found": found, "seconds": time.perf_counter() - start}
