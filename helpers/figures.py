"""Interactive figures, each defined once: a drawing function of named parameters, the range of
each parameter, and a few named presets.

From that one definition the same figure renders
- live, with the control panel (``helpers.widgets``), when a notebook calls ``show(figure)``;
- as a static gallery of its presets, each captioned with its values, in the HTML handouts
  (``show`` does this when the environment variable ``HELPERS_STATIC`` is set);
- headless in the tests and the latency benchmark (``figure.render(**params)``).

Every figure registers itself in ``FIGURES`` with the notebook it belongs to, so the handout
builder and the benchmark find all of them without per-notebook code.
"""
from __future__ import annotations

import base64
import html
import io
import math
import os
from dataclasses import dataclass, field, replace
from typing import Any, Callable

from matplotlib.figure import Figure
from PIL import Image

from .activations import ACTIVATIONS
from .inits import INITS
from .plots import lecture_style, new_figure
from .validation import check_choice

STATIC_ENV = "HELPERS_STATIC"


# --- parameters: what a control may take ---------------------------------------------------

@dataclass(frozen=True)
class IntParam:
    low: int
    high: int
    default: int
    step: int = 1
    label: str = ""

    def check(self, name, value):
        if isinstance(value, bool) or not isinstance(value, int) or not self.low <= value <= self.high:
            raise ValueError(f"{name} must be a whole number from {self.low} to {self.high}; got {value!r}")
        return value

    def format(self, value):
        return str(value)


@dataclass(frozen=True)
class FloatParam:
    low: float
    high: float
    default: float
    log: bool = True  # a log slider: values spanning decades get equal room
    step: float = 0.05  # in log10 units when log, else in value units
    label: str = ""

    def check(self, name, value):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not ok or not math.isfinite(value) or not self.low <= value <= self.high:
            raise ValueError(f"{name} must be a number from {self.low:g} to {self.high:g}; got {value!r}")
        return float(value)

    def format(self, value):
        return f"{value:.3g}"


@dataclass(frozen=True)
class ChoiceParam:
    choices: tuple
    default: Any
    label: str = ""

    def check(self, name, value):
        if value not in self.choices:
            raise ValueError(f"{name} must be one of {', '.join(map(repr, self.choices))}; got {value!r}")
        return value

    def format(self, value):
        return str(value)


@dataclass(frozen=True)
class BoolParam:
    default: bool
    label: str = ""

    def check(self, name, value):
        if not isinstance(value, bool):
            raise ValueError(f"{name} must be True or False; got {value!r}")
        return value

    def format(self, value):
        return "on" if value else "off"


Param = IntParam | FloatParam | ChoiceParam | BoolParam

# The course's knobs, named once. A figure takes the ones it needs, narrowing a range or
# changing a default with knob("depth", high=30).
KNOBS: dict[str, Param] = {
    "depth": IntParam(1, 60, 10, label="depth"),
    "width": IntParam(8, 512, 64, step=8, label="width"),
    "activation": ChoiceParam(tuple(ACTIVATIONS), "tanh", label="activation"),
    "init": ChoiceParam(tuple(INITS), "xavier_normal", label="init"),
    "std": FloatParam(1e-3, 10.0, 0.01, label="weight std"),
    "residual": BoolParam(False, label="residual"),
    "norm": ChoiceParam(("none", "batch", "layer"), "none", label="norm"),
    "lr": FloatParam(1e-4, 10.0, 0.1, label="learning rate"),
    "clip": FloatParam(0.01, 100.0, 1.0, label="clip threshold"),
}


def knob(name: str, **changes) -> Param:
    """The course-wide knob ``name``, with some fields changed (e.g. ``high=30``)."""
    return replace(KNOBS[name], **changes) if changes else KNOBS[name]


# --- the figure definition -----------------------------------------------------------------

@dataclass
class InteractiveFigure:
    name: str
    notebook: str  # e.g. "01_vanishing_gradients"
    draw: Callable[..., None]  # draw(fig, **params) on a cleared figure
    params: dict[str, Param]
    presets: dict[str, dict]
    title: str = ""
    figsize: tuple = (10, 4.5)
    # The settings that cost the most to redraw, for the latency benchmark.
    expensive: dict = field(default_factory=dict)
    # Which parameters matter for given values (default: all); the rest stay out of captions,
    # e.g. a std slider that only applies to a custom init.
    relevant: Callable[[dict], list] | None = None

    def __post_init__(self):
        for preset, values in self.presets.items():
            try:
                self.resolve(**values)
            except ValueError as error:
                raise ValueError(f"figure {self.name!r}, preset {preset!r}: {error}") from None
        self.resolve(**self.expensive)

    def defaults(self) -> dict:
        return {name: p.default for name, p in self.params.items()}

    def resolve(self, **values) -> dict:
        """Defaults overridden by ``values``, every value checked against its range."""
        unknown = set(values) - set(self.params)
        if unknown:
            raise ValueError(f"figure {self.name!r} has no parameter {', '.join(sorted(unknown))}; "
                             f"its parameters are {', '.join(self.params)}")
        full = {**self.defaults(), **values}
        return {name: self.params[name].check(name, value) for name, value in full.items()}

    def caption(self, **values) -> str:
        """'depth 20 · tanh · std 0.01': the values that set the picture, for a gallery panel."""
        full = self.resolve(**values)
        shown_names = self.relevant(full) if self.relevant else list(full)
        parts = []
        for name, value in ((n, full[n]) for n in shown_names):
            shown = self.params[name].format(value)
            label = self.params[name].label or name
            parts.append(shown if isinstance(self.params[name], ChoiceParam) else f"{label} {shown}")
        return " · ".join(parts)

    def render(self, fig: Figure | None = None, **values) -> Figure:
        """Draw with ``values`` (defaults for the rest) on ``fig`` (cleared) or a new figure."""
        full = self.resolve(**values)
        fig = fig or new_figure(self.figsize)
        if not hasattr(fig, "_course_grid"):
            fig.clear()  # a draw that makes its own axes; plots.subplots reuses or clears them
        with lecture_style():  # the same picture whether or not the notebook called setup()
            self.draw(fig, **full)
        return fig

    def gallery(self) -> list[tuple[str, dict, Figure]]:
        return [(preset, self.resolve(**values), self.render(**values))
                for preset, values in self.presets.items()]


FIGURES: dict[str, InteractiveFigure] = {}


def interactive_figure(*, notebook: str, params: dict[str, Param], presets: dict[str, dict],
                       title: str = "", figsize=(10, 4.5), expensive: dict | None = None,
                       relevant: Callable[[dict], list] | None = None, name: str | None = None):
    """Decorator: register ``draw(fig, **params)`` as an interactive figure."""
    def register(draw):
        figure = InteractiveFigure(name or draw.__name__, notebook, draw, dict(params),
                                   dict(presets), title, figsize, dict(expensive or {}), relevant)
        FIGURES[figure.name] = figure
        return figure
    return register


# --- showing it ----------------------------------------------------------------------------

def png_bytes(fig: Figure, dpi: int | None = None, compress_level: int = 6) -> bytes:
    """The figure as PNG: one draw of its Agg canvas, encoded by Pillow. (``savefig`` draws the
    figure twice, and a live redraw cannot afford the second.)"""
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


class Gallery:
    """The static form of a figure: one captioned panel per preset (what a handout shows)."""

    def __init__(self, figure: InteractiveFigure, dpi: int = 80):
        self.figure = figure
        self.panels = [(preset, figure.caption(**values), png_bytes(fig, dpi))
                       for preset, values, fig in figure.gallery()]

    def _repr_html_(self):
        items = "".join(
            f'<figure class="gallery-panel"><img alt="{html.escape(caption)}" '
            f'src="data:image/png;base64,{base64.b64encode(png).decode()}"/>'
            f"<figcaption><b>{html.escape(preset)}</b> — {html.escape(caption)}</figcaption></figure>"
            for preset, caption, png in self.panels)
        title = html.escape(self.figure.title or self.figure.name)
        return (f'<div class="gallery-block" data-figure="{html.escape(self.figure.name)}">'
                f'<p class="gallery-title">{title} (interactive in the notebook; here, its presets)</p>'
                f'<div class="gallery">{items}</div></div>')

    def __repr__(self):
        return f"Gallery of {self.figure.name}: " + "; ".join(p for p, _, _ in self.panels)


def show(figure: InteractiveFigure | str, **initial):
    """The figure with its control panel, live; or, in a handout build, its preset gallery."""
    if isinstance(figure, str):
        figure = FIGURES[check_choice("figure", figure, sorted(FIGURES))]
    if os.environ.get(STATIC_ENV):
        return Gallery(figure)
    from .widgets import ControlPanel  # ipywidgets only where a live panel is wanted
    return ControlPanel(figure, **initial)
