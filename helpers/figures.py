"""Interactive figures, each *specified* once: a drawing function of named parameters, the range
of each parameter, and a few named presets. Nothing here shows anything.

A drawing function is plain matplotlib: ``draw(fig, **params)`` makes its axes with
``fig.subplots(...)`` and draws with ``ax.plot``, ``ax.bar``, ``ax.legend``, ``fig.legend``,
``ax.set_ylim``, mathtext titles, whatever it needs. From that one specification
``helpers.display`` renders it

- live, with the control panel, when a notebook calls ``helpers.show(name)``;
- as a static gallery of its presets, each captioned with its values, in the HTML handouts;
- headless, in the tests and the latency benchmark (``figure.render(**params)`` here).

Every figure registers itself in ``FIGURES`` with the notebook it belongs to, so the handout
builder and the benchmark find all of them without per-notebook code.

Optionally a figure declares its *frame*: ``frame(values)`` returns, for each axes (in the
order the figure creates them), the limits it should have, as ``{"xlim": …, "ylim": …}`` or
``None``. Limits that depend on the parameters only hold still while a slider moves the data,
which lets the live panel reuse the axes' drawing (it is correct without a frame, just slower).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable
from urllib.parse import quote, unquote

from matplotlib.figure import Figure

from .activations import ACTIVATIONS
from .inits import INITS
from .plots import lecture_style, new_figure
from .validation import check_bool, check_choice, check_float, check_int

STATIC_ENV = "HELPERS_STATIC"  # set: show() renders galleries (the handout builder sets it)


# --- parameters: what a control may take ---------------------------------------------------


@dataclass(frozen=True)
class IntParam:
    low: int
    high: int
    default: int
    step: int = 1
    label: str = ""
    unit: str = ""  # said after the value by a screen reader: "depth 20 layers"

    def check(self, name, value):
        return check_int(name, value, self.low, self.high)

    def format(self, value):
        return str(value)

    def encode(self, value) -> str:
        return str(value)

    def decode(self, name, text: str):
        try:
            return int(text)
        except ValueError:
            return self.check(name, text)  # raises, naming the range


@dataclass(frozen=True)
class FloatParam:
    low: float
    high: float
    default: float
    log: bool = True  # a log slider: values spanning decades get equal room
    step: float = 0.05  # in log10 units when log, else in value units
    label: str = ""
    unit: str = ""

    def check(self, name, value):
        # A linear slider's arithmetic leaves float noise (3.9999999999999996 for 4,
        # 7.499999999999999 for 7.5): twelve significant digits remove it and keep every value a
        # person writes.
        return float(f"{check_float(name, value, self.low, self.high):.12g}")

    def format(self, value):
        return f"{value:.3g}"

    def encode(self, value) -> str:
        # the shortest form that reads back exactly (repr), without a trailing ".0": z_range=4
        text = repr(float(value))
        return text[:-2] if text.endswith(".0") else text

    def decode(self, name, text: str):
        try:
            return float(text)
        except ValueError:
            return self.check(name, text)


@dataclass(frozen=True)
class ChoiceParam:
    choices: tuple
    default: Any
    label: str = ""
    # a value that says what it is (an activation's or an init's name) is captioned alone
    # ("tanh"); any other is captioned with its label ("norm none", "clip norm 0.5")
    names_itself: bool = False

    def check(self, name, value):
        return check_choice(name, value, self.choices)

    def format(self, value):
        return str(value)

    def encode(self, value) -> str:
        return quote(str(value), safe="")  # choices may hold spaces, '&' or '='

    def decode(self, name, text: str):
        return unquote(text)


@dataclass(frozen=True)
class BoolParam:
    default: bool
    label: str = ""

    def check(self, name, value):
        return check_bool(name, value)

    def format(self, value):
        return "on" if value else "off"

    def encode(self, value) -> str:
        return "on" if value else "off"

    def decode(self, name, text: str):
        if text not in ("on", "off"):
            raise ValueError(f"{name} must be on or off; got {text!r}")
        return text == "on"


Param = IntParam | FloatParam | ChoiceParam | BoolParam

# The course's knobs, named once. A figure takes the ones it needs, narrowing a range or
# changing a default with knob("depth", high=30).
KNOBS: dict[str, Param] = {
    "depth": IntParam(1, 60, 10, label="depth", unit="layers"),
    "width": IntParam(8, 512, 64, step=8, label="width"),
    "activation": ChoiceParam(tuple(ACTIVATIONS), "tanh", label="activation", names_itself=True),
    "init": ChoiceParam(tuple(INITS), "xavier_normal", label="init", names_itself=True),
    "std": FloatParam(1e-3, 10.0, 0.01, label="weight std"),
    "residual": BoolParam(False, label="residual"),
    "norm": ChoiceParam(("none", "batch", "layer"), "none", label="norm"),
    "lr": FloatParam(1e-4, 10.0, 0.1, label="learning rate"),
    "clip": FloatParam(0.01, 100.0, 1.0, label="clip threshold"),
}


def knob(name: str, **changes) -> Param:
    """The course-wide knob ``name``, with some fields changed (e.g. ``high=30``)."""
    return replace(KNOBS[check_choice("knob", name, KNOBS)], **changes) if changes else KNOBS[name]


# --- the figure definition -----------------------------------------------------------------


@dataclass
class InteractiveFigure:
    name: str
    notebook: str  # e.g. "01_vanishing_gradients"
    draw: Callable[..., None]  # draw(fig, **params) on an empty figure, in plain matplotlib
    params: dict[str, Param]
    presets: dict[str, dict]
    title: str = ""
    figsize: tuple = (10, 4.5)
    # The settings that cost the most to redraw, for the latency benchmark.
    expensive: dict = field(default_factory=dict)
    # Which parameters matter for given values (default: all); the rest stay out of captions
    # and their controls are greyed out, e.g. a std slider that only applies to a custom init.
    relevant: Callable[[dict], list] | None = None
    # Optional: the limits of each axes as a function of the parameters (see the module's doc).
    frame: Callable[[dict], list] | None = None
    # The parameters a handout's slider scrubs without a kernel, and the values it stops at:
    # {"depth": [1, 2, 5, 10, 20, 50]}. Each preset's own value is added, so that every preset
    # is on its slider. Presets x these values are the frames drawn when a handout is built.
    # (Every course figure explores something, a test checks; without, a handout shows presets.)
    explore: dict = field(default_factory=dict)

    def __post_init__(self):
        for preset, values in self.presets.items():
            try:
                self.resolve(**values)
            except ValueError as error:
                raise ValueError(f"figure {self.name!r}, preset {preset!r}: {error}") from None
        self.resolve(**self.expensive)
        for name, values in self.explore.items():
            if (
                isinstance(self.params.get(name), (ChoiceParam, BoolParam))
                or name not in self.params
            ):
                numeric = [
                    n for n, p in self.params.items() if isinstance(p, (IntParam, FloatParam))
                ]
                raise ValueError(
                    f"figure {self.name!r} can explore only a numeric parameter "
                    f"({', '.join(numeric)}); got {name!r}"
                )
            if len(values) < 2:
                raise ValueError(f"figure {self.name!r}: explore {name!r} at two values or more")
            for value in values:
                self.resolve(**{name: value})

    def explore_values(self, name: str) -> list:
        """The values the handout's ``name`` slider stops at: the declared ones and every
        preset's, in order."""
        values = {self.params[name].check(name, v) for v in self.explore[name]}
        values |= {self.preset(preset)[name] for preset in self.presets}
        return sorted(values)

    def frame_grid(self) -> list[tuple[str, dict]]:
        """Every setting a handout can show: each preset, with each explored parameter at each
        of its values (the others as the preset sets them)."""
        from itertools import product

        names = list(self.explore)
        grid = []
        for preset in self.presets:
            base = self.preset(preset)
            for combination in product(*(self.explore_values(n) for n in names)):
                grid.append((preset, {**base, **dict(zip(names, combination))}))
        return grid

    def defaults(self) -> dict:
        return {name: p.default for name, p in self.params.items()}

    def resolve(self, **values) -> dict:
        """Defaults overridden by ``values``, every value checked against its range."""
        unknown = set(values) - set(self.params)
        if unknown:
            raise ValueError(
                f"figure {self.name!r} has no parameter {', '.join(sorted(unknown))}; "
                f"its parameters are {', '.join(self.params)}"
            )
        full = {**self.defaults(), **values}
        return {name: self.params[name].check(name, value) for name, value in full.items()}

    def preset(self, name: str) -> dict:
        """Every parameter's value in preset ``name``: the preset's own values, defaults for
        the rest (a preset is a complete setting, whatever was on the panel before)."""
        return self.resolve(**self.presets[check_choice("preset", name, self.presets)])

    def relevant_names(self, values: dict) -> list:
        return self.relevant(values) if self.relevant else list(values)

    def caption(self, **values) -> str:
        """'depth 20 · tanh · std 0.01 · norm none': the values that set the picture, each named
        (an activation's or an init's name names itself), for a gallery panel and a status line."""
        full = self.resolve(**values)
        parts = []
        for name in self.relevant_names(full):
            param = self.params[name]
            shown = param.format(full[name])
            label = param.label or name
            parts.append(shown if getattr(param, "names_itself", False) else f"{label} {shown}")
        return " · ".join(parts)

    def state(self, **values) -> str:
        """The setting as one line — ``depth=20&activation=sigmoid&…``, every parameter in the
        figure's order — that a lecturer puts on a slide or in a handout and a student pastes
        back into the panel (like TensorFlow Playground's address)."""
        full = self.resolve(**values)
        return "&".join(f"{name}={self.params[name].encode(full[name])}" for name in self.params)

    def parse_state(self, text: str) -> dict:
        """The values a ``state`` line sets, checked (parameters it leaves out take their
        defaults). A malformed line, an unknown parameter or a value out of range is a
        ValueError that says which."""
        values = {}
        for part in filter(None, str(text).strip().lstrip("#?").split("&")):
            name, equals, encoded = part.partition("=")
            name = name.strip()
            if not equals:
                raise ValueError(
                    f"a setting is name=value pairs joined by '&' "
                    f"(e.g. {self.state()[:60]}…); got {part!r}"
                )
            if name not in self.params:
                raise ValueError(
                    f"figure {self.name!r} has no parameter {name!r}; "
                    f"its parameters are {', '.join(self.params)}"
                )
            values[name] = self.params[name].decode(name, encoded.strip())
        return self.resolve(**values)

    def apply_frame(self, fig: Figure, values: dict) -> None:
        """Set each axes' declared limits (when the figure declares a frame)."""
        if self.frame is None:
            return
        for ax, limits in zip(fig.axes, self.frame(values)):
            if limits:
                if "xlim" in limits:
                    ax.set_xlim(*limits["xlim"])
                if "ylim" in limits:
                    ax.set_ylim(*limits["ylim"])

    def render(self, fig: Figure | None = None, **values) -> Figure:
        """Draw with ``values`` (defaults for the rest) on ``fig`` (cleared) or a new figure."""
        full = self.resolve(**values)
        if fig is None:
            fig = new_figure(self.figsize)
        else:
            fig.clear()
        with lecture_style():  # the same picture whether or not the notebook called setup()
            self.draw(fig, **full)
            self.apply_frame(fig, full)
        return fig


FIGURES: dict[str, InteractiveFigure] = {}


def interactive_figure(
    *,
    notebook: str,
    params: dict[str, Param],
    presets: dict[str, dict],
    title: str = "",
    figsize=(10, 4.5),
    expensive: dict | None = None,
    relevant: Callable[[dict], list] | None = None,
    frame: Callable[[dict], list] | None = None,
    name: str | None = None,
    explore: dict | None = None,
):
    """Decorator: register ``draw(fig, **params)`` as an interactive figure."""

    def register(draw):
        figure = InteractiveFigure(
            name or draw.__name__,
            notebook,
            draw,
            dict(params),
            dict(presets),
            title,
            figsize,
            dict(expensive or {}),
            relevant,
            frame,
            dict(explore or {}),
        )
        FIGURES[figure.name] = figure
        return figure

    return register


def get_figure(figure: InteractiveFigure | str) -> InteractiveFigure:
    """The registered figure ``figure`` (a name), or ``figure`` itself."""
    if isinstance(figure, InteractiveFigure):
        return figure
    return FIGURES[check_choice("figure", figure, sorted(FIGURES))]
