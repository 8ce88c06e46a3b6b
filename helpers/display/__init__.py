"""Showing the course's interactive figures (specified in ``helpers.figures``).

- ``show(name)``: the live control panel in a notebook, or the explorable block in a handout build;
- ``panel.ControlPanel``: controls + presets + the figure + a status line;
- ``explorable.Explorable``: the handout's form, presets and sliders over stored frames, printed
  as a gallery of the presets;
- ``frames``: a figure drawn at one setting, as the live panel draws it, kept in the frame store;
- ``png.png_bytes``: a figure as PNG;
- ``compositor.Compositor``: a live frame from a cached background and the data drawn over it;
- ``recycling.Recycler``: the same axes back on every redraw, reset to how they were new.

A figure's drawing function knows none of this: it is plain matplotlib.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from ..figures import STATIC_ENV, InteractiveFigure, get_figure

_in_this_handout = {}  # figure name -> its first explorable block (one kernel runs one notebook)


def show(figure: InteractiveFigure | str, **initial):
    """The figure with its control panel, live; or, in a handout build, its explorable block.
    ``initial``: starting values, and ``controls=[...]``, the only controls to show (an
    instructor hides those the class has not met yet)."""
    figure = get_figure(figure)
    if os.environ.get(STATIC_ENV):
        from .explorable import Explorable

        # (the initial values and controls are the live panel's; a figure shown again in the
        # same notebook, hence the same handout page, reuses the frames of its first block)
        block = Explorable(figure, frames_from=_in_this_handout.get(figure.name))
        _in_this_handout.setdefault(figure.name, block)
        return block
    from .panel import ControlPanel  # ipywidgets only where a live panel is wanted

    _load_accessibility_script()
    return ControlPanel(figure, **initial)


def _load_accessibility_script() -> None:
    """a11y.js (beside this file) into the page, before the panel: it names the panel's
    sliders and menus for screen readers and gives the live picture its text alternative
    (ipywidgets sets no ARIA names of its own). It runs once per page, however many panels."""
    from IPython.display import Javascript, display

    display(Javascript(_accessibility_script()))


@functools.cache
def _accessibility_script() -> str:
    return (Path(__file__).parent / "a11y.js").read_text()
