"""Figure layout and drawing primitives, the same in every chapter.

One colour per thing across the course (an activation is always the same colour, the first and
last layer always the ends of one colour map), from the Okabe-Ito colour-blind-safe palette;
line styles differ too, so that printed handouts read in black and white. Fonts and lines are
sized for a projector.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Mapping, Sequence

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, NullFormatter

# Okabe & Ito (2008), the colour-blind-safe qualitative palette, with the three colours that are
# too light to see against white (WCAG 1.4.11 asks 3:1 for a line that carries meaning) darkened:
# orange #E69F00 (2.3:1) becomes ochre, sky blue #56B4E9 (2.3:1) a deeper sky blue, and yellow
# #F0E442 (1.3:1) is left out. The darker variants were chosen so that, under simulated protan-,
# deutan- and tritanopia, the colours drawn together differ at least as much as Okabe-Ito's own
# (tests/test_plots.py measures both).
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
OCHRE, SKY_BLUE, GREY = "#A88A4E", "#2A8FD8", "#8A8A8A"
PALETTE = ["#0072B2", OCHRE, "#009E73", "#D55E00", "#CC79A7", SKY_BLUE, "#000000"]
COLORS = {
    # activations
    "sigmoid": "#D55E00",
    "tanh": "#0072B2",
    "relu": "#009E73",
    "leaky_relu": SKY_BLUE,
    "elu": "#CC79A7",
    "gelu": "#000000",
    "softsign": OCHRE,
    "identity": GREY,
    # inits
    "zeros": GREY,
    "small": "#D55E00",
    "standard": OCHRE,
    "xavier_uniform": "#0072B2",
    "xavier_normal": "#0072B2",
    "lecun_normal": SKY_BLUE,
    "he_uniform": "#009E73",
    "he_normal": "#009E73",
    "orthogonal": "#CC79A7",
    # roles
    "measured": "#0072B2",
    "predicted": "#666666",
    "diverged": "#A50026",
    "saturated": GREY,
    "dead": "#444444",
    # recurrent layers (chapter 06) and clipping rules (chapter 08)
    "rnn": "#0072B2",
    "lstm": "#CC79A7",
    "gru": OCHRE,
    "norm clipping": "#009E73",
    "value clipping": "#D55E00",
    "unclipped": "#666666",
}
LINESTYLES = ["-", "--", "-.", ":"]
# Layers: the first hidden layer dark purple, the last teal green, in every chapter. That is
# viridis up to 0.6, where it is still 3:1 against white (its light end, yellow, is 1.2:1).
LAYER_CMAP = mpl.colors.ListedColormap(
    mpl.colormaps["viridis"](np.linspace(0, 0.6, 256)), name="course_layers"
)
# Maps (a loss surface, a phase diagram) keep all of viridis: there a colour is read against the
# colour bar beside it, not against the white page.
MAP_CMAP = "viridis"

LECTURE_STYLE = {
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "figure.figsize": (9, 4.5),
    "font.size": 14,
    "axes.titlesize": 15,
    "axes.labelsize": 14,
    "legend.fontsize": 12,
    "xtick.labelsize": 12,
    "ytick.labelsize": 12,
    "lines.linewidth": 2.5,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": mpl.cycler(color=PALETTE),
    "figure.constrained_layout.use": True,
    "image.cmap": MAP_CMAP,
    # Titles sit just above the axes. (With the default, None, matplotlib measures every tick
    # label to dodge decorations our axes do not have: 15 ms of each live redraw.)
    "axes.titley": 1.0,
    # Limits end on ticks, so an axis's top tick label sits at the axes' top corner: room for
    # half of it between the axes and its title.
    "axes.titlepad": 11.0,
    # Grid and ticks beneath the data (the live panel puts the spines there too): the order in
    # which it composes its frames, so that they equal a full draw.
    "axes.axisbelow": True,
    # Autoscaled limits end on tick positions (whole decades on a log axis): the frame holds
    # still while a slider moves the data a little, and every axis starts and ends labelled.
    "axes.autolimit_mode": "round_numbers",
    # Side padding for constrained layout, which lets an axis's last tick label overhang the
    # axes: with limits ending on ticks, half a label width must fit beside the outer panels.
    "figure.constrained_layout.w_pad": 0.15,
    # Unhinted glyphs: indistinguishable at these sizes, and a quarter of a redraw faster
    # (matplotlib draws text glyph by glyph, and text is most of what a redraw draws).
    "text.hinting": "none",
}


# The style as rcParams stores it (e.g. figsize as a list), to compare with what is in force.
_LECTURE_STYLE_VALIDATED = {
    key: mpl.rcsetup._validators[key](value) for key, value in LECTURE_STYLE.items()
}


def apply_style() -> None:
    mpl.rcParams.update(LECTURE_STYLE)


def lecture_style():
    """A context in which figures are made and drawn in the lecture style. (Where the style is
    in force already, after setup(), a no-op: rc_context copies every rcParam, ~1 ms a redraw.)"""
    current = mpl.rcParams
    if all(current[key] == value for key, value in _LECTURE_STYLE_VALIDATED.items()):
        return contextlib.nullcontext()
    return mpl.rc_context(LECTURE_STYLE)


def color_of(name: str, index: int = 0) -> str:
    return COLORS.get(str(name), PALETTE[index % len(PALETTE)])


def layer_colors(depth: int) -> list:
    return [LAYER_CMAP(i / max(depth - 1, 1)) for i in range(depth)]


def new_figure(figsize=None, dpi=None) -> Figure:
    """A figure not owned by pyplot: nothing is shown twice and nothing leaks on redraw."""
    with lecture_style():
        fig = Figure(
            figsize=figsize or LECTURE_STYLE["figure.figsize"], dpi=dpi or 100, layout="constrained"
        )
    FigureCanvasAgg(fig)  # one canvas for the figure's life: every redraw draws into it
    return fig


LAYER_AXIS_ENDS = (5, 10, 20, 30, 50)  # then ×10, ×100, …: 100, 200, 300, 500, 1000, …


def layer_limits(count: int) -> tuple[float, float]:
    """Limits for an axis of items 1..count (layers, neurons): up to the next of 5, 10, 20, 30,
    50, 100, 200, …, so that the axis holds still while a depth slider moves (redrawing the axes
    is most of a slow frame) yet the items fill more than half of it; it never shows item 0."""
    count = max(math.ceil(count), 1)
    scale = 1
    while True:
        for end in LAYER_AXIS_ENDS:
            if end * scale >= count:
                return 0.5, end * scale + 0.5
        scale *= 10


def round_up(value: float) -> float:
    """The smallest of 1, 2, 4, 6, 8 × 10ᵏ at or above ``value`` (> 0): an edge for a frame that
    must hold ``value`` and change only now and then as ``value`` grows."""
    decade = 10.0 ** math.floor(math.log10(value))
    return next(
        step * decade for step in (1, 2, 4, 6, 8, 10) if step * decade >= value * (1 - 1e-12)
    )


def z_frame(functions, half_width: float) -> dict:
    """Limits for curves of ``functions`` drawn over ±``half_width``, from the parameters only: z
    over ±round_up(half_width), and the functions' values over that whole stretch (5 % room).
    The curves grow inside a frame that changes only now and then as a z-range slider moves."""
    edge = round_up(half_width)
    z = np.linspace(-edge, edge, 801)
    values = np.concatenate([f(z) for f in functions])
    room = 0.05 * (values.max() - values.min())
    return {"xlim": (-edge, edge), "ylim": (values.min() - room, values.max() + room)}


def decade_limits(values, spare: int = 0) -> tuple[float, float]:
    """Whole decades around every finite non-zero |value| (at least one decade), with ``spare``
    decades more at each end (a bar starts at a log axis's edge: the smallest must be seen)."""
    values = np.abs(np.asarray(values, dtype=float))
    values = values[np.isfinite(values) & (values > 0)]
    bottom = np.floor(np.log10(values.min()))
    top = max(np.ceil(np.log10(values.max())), bottom + 1)
    return 10.0 ** (bottom - spare), 10.0 ** (top + spare)


def _snap_log_limits(ax: Axes) -> None:
    """A log y axis over everything drawn so far, ending on whole decades in steps that grow with
    the span (1 decade for up to 6, then 2, 3, 5, 10, …): at least one decade shown, at most a
    third lost to padding, and limits that hold still while a slider nudges the data."""
    low, high = ax.dataLim.minposy, ax.dataLim.y1
    if not (np.isfinite(low) and np.isfinite(high) and 0 < low <= high):
        return
    low, high = np.log10(low), np.log10(high)
    step = next((s for s in (1, 2, 3, 5, 10, 20, 50) if high - low <= 6 * s), 100)
    bottom, top = step * np.floor(low / step), step * np.ceil(high / step)
    ax.set_ylim(10.0**bottom, 10.0 ** max(top, bottom + 1))
    decade_labels(ax.yaxis)


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def decade_label(value: float, position=None) -> str:
    """10ᵏ as plain text: what matplotlib's log labels show, without mathtext, which costs ~8 ms
    for each label it has not typeset before (a slider that moves a log axis into new decades
    pays that on every label)."""
    if not (np.isfinite(value) and value > 0):
        return ""
    exponent = round(math.log10(value))
    if not math.isclose(value, 10.0**exponent, rel_tol=1e-9):
        return f"{value:g}"
    return "10" + str(exponent).translate(_SUPERSCRIPT)


def decade_labels(axis) -> None:
    """Label a log axis's decades only, as plain text (``decade_label``): on a one-decade axis
    matplotlib would also label 2, 3, 4, 6 × 10ᵏ, labels that come and go (and take room and
    time) as the data crosses a decade."""
    axis.set_major_formatter(FuncFormatter(decade_label))
    axis.set_minor_formatter(NullFormatter())


# Above the grid, ticks and spines (zorder 0.5 in the lecture style and the live panel) and
# beneath the data: the live panel can then keep the axes' background and draw the image over it.
# (matplotlib's default, 0, puts an image beneath them, and every live frame is then drawn in full.)
HEATMAP_ZORDER = 0.6


def heatmap(ax: Axes, values, extent, **imshow) -> None:
    """``values[row, column]`` over ``extent`` = (x0, x1, y0, y1), row 0 at the bottom, filling
    the axes; ``imshow`` options (cmap, vmin, vmax, interpolation) pass through."""
    ax.imshow(values, origin="lower", extent=extent, aspect="auto", zorder=HEATMAP_ZORDER, **imshow)


def per_layer(
    ax: Axes, values, *, label=None, color=None, linestyle="-", log=True, ylabel="", marker="o"
) -> None:
    """One statistic per hidden layer (layer 1 = input side), non-finite layers marked ✕."""
    _series(
        ax,
        np.arange(1, len(values) + 1),
        values,
        label=label,
        color=color,
        linestyle=linestyle,
        log=log,
        ylabel=ylabel,
        marker=marker,
        xlabel="hidden layer (1 = nearest the input)",
        where="layer",
    )


def per_lag(
    ax: Axes, values, *, lags=None, label=None, color=None, linestyle="-", log=True, ylabel=""
) -> None:
    """One statistic per time lag k = T − t (``lags``, by default 0, 1, 2, …: element 0 is the
    last step), for back-propagation through time; non-finite lags marked ✕, as per_layer does."""
    _series(
        ax,
        np.arange(len(values)) if lags is None else np.asarray(lags),
        values,
        label=label,
        color=color,
        linestyle=linestyle,
        log=log,
        ylabel=ylabel,
        marker=None,
        xlabel="steps back, k = T − t",
        where="lag",
    )


def _series(
    ax: Axes, layers, values, *, label, color, linestyle, log, ylabel, marker, xlabel, where
) -> None:
    values = np.asarray(values, dtype=float)
    finite = np.isfinite(values) & ((values > 0) if log else True)
    ax.plot(
        layers[finite],
        values[finite],
        marker=marker,
        markersize=4,
        label=label,
        color=color,
        linestyle=linestyle,
    )
    if (~np.isfinite(values)).any():
        bad = layers[~np.isfinite(values)]
        top = np.nanmax(np.where(np.isfinite(values), values, np.nan)) if finite.any() else 1.0
        ax.plot(
            bad,
            np.full(len(bad), top),
            "x",
            color=COLORS["diverged"],
            markersize=10,
            label="non-finite (overflow)",
        )
    if log:
        if ax.get_yscale() != "log":  # (a second series on the axes: it is already)
            ax.set_yscale("log")
        _snap_log_limits(ax)
        if not finite.any() and np.isfinite(values).all():
            # A log axis cannot show 0: say so instead of leaving the panel blank.
            what = label.split(" (")[0] if label else "every value"
            above = sum(
                f"in every {where}" in t.get_text() for t in ax.texts
            )  # one note per series
            ax.text(
                0.5,
                0.55 - 0.12 * above,
                f"{what}: 0 in every {where}",
                ha="center",
                va="center",
                transform=ax.transAxes,
                color=COLORS["diverged"],
                fontsize=13,
            )
    if ylabel:
        ax.set_ylabel(ylabel)
    # layers and steps are whole numbers; five or six labels read from the back of a hall
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True, steps=[1, 2, 5, 10]))
    ax.set_xlabel(xlabel)


def overlaid_layer_histograms(
    ax: Axes,
    values_per_layer: Sequence[np.ndarray],
    *,
    bins=60,
    value_range=None,
    xlabel="activation",
    legend=True,
) -> None:
    """Every layer's normalized histogram as an outline in one panel, coloured first → last
    layer, as Glorot & Bengio draw their Figs. 6 and 7."""
    colors = layer_colors(len(values_per_layer))
    overflowed = []
    for i, values in enumerate(values_per_layer):
        v = np.asarray(values, dtype=float).ravel()
        if not np.isfinite(v).all():
            overflowed.append(i + 1)
        v = v[np.isfinite(v)]
        if len(v):
            # One outline per layer (a single artist) rather than a patch per bin.
            counts, edges = np.histogram(v, bins=bins, range=value_range)
            ax.stairs(counts / len(v), edges, color=colors[i], linewidth=2, label=f"layer {i + 1}")
    if overflowed:  # say where the overflow is instead of silently dropping it
        ax.text(
            0.02,
            0.95,
            f"non-finite values in layer{'s' if len(overflowed) > 1 else ''} "
            f"{', '.join(map(str, overflowed))}",
            transform=ax.transAxes,
            va="top",
            color=COLORS["diverged"],
            fontsize=12,
        )
    if value_range is not None:
        ax.set_xlim(*value_range)  # exactly the histograms' range (no margin rounded outwards)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("fraction of units")
    if legend:
        ax.legend(fontsize=10)


def mark_diverged(ax: Axes, step: int | None) -> None:
    """A dotted line at the step where a run diverged, labelled on its right: after it the run
    has no data, so the label covers no curve of that run. Nothing for ``None`` (a run that
    did not diverge), so that callers can pass ``run.diverged_at`` as it is."""
    if step is None:
        return
    ax.axvline(step, color=COLORS["diverged"], linestyle=":", linewidth=2)
    ax.annotate(
        f"diverged at step {step}",
        xy=(step, 0.5),
        xycoords=("data", "axes fraction"),
        xytext=(6, 0),
        textcoords="offset points",
        ha="left",
        va="center",
        rotation=90,
        color=COLORS["diverged"],
        fontsize=12,
    )


def training_curves(ax: Axes, runs: Mapping[str, object], *, log=False, colors=None) -> None:
    """Loss per step for each labelled TrainingRun, with "diverged at step k" where one did."""
    for i, (label, run) in enumerate(runs.items()):
        color = (colors or {}).get(label, PALETTE[i % len(PALETTE)])
        steps = np.arange(len(run.loss))
        ax.plot(steps, run.loss, label=label, color=color, linestyle=LINESTYLES[i % 4])
        if run.diverged_at is not None:
            mark_diverged(ax, run.diverged_at)
    if log:
        ax.set_yscale("log")
    ax.set_xmargin(0)  # steps start at 0 (a margin would round the axis out to step −50)
    ax.set_xlabel("training step")
    ax.set_ylabel("training loss (cross-entropy)")
    ax.legend()
