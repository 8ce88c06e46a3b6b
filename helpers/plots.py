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
from matplotlib.collections import PolyCollection
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

# Okabe & Ito (2008), the colour-blind-safe qualitative palette.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
COLORS = {
    # activations
    "sigmoid": "#D55E00", "tanh": "#0072B2", "relu": "#009E73", "leaky_relu": "#56B4E9",
    "elu": "#CC79A7", "gelu": "#E69F00", "softsign": "#000000", "identity": "#999999",
    # inits
    "zeros": "#999999", "small": "#D55E00", "standard": "#E69F00", "xavier_uniform": "#0072B2",
    "xavier_normal": "#0072B2", "lecun_normal": "#56B4E9", "he_uniform": "#009E73",
    "he_normal": "#009E73", "orthogonal": "#CC79A7",
    # roles
    "measured": "#0072B2", "predicted": "#000000", "diverged": "#D55E00",
}
LINESTYLES = ["-", "--", "-.", ":"]
LAYER_CMAP = "viridis"  # first hidden layer dark, last layer yellow, in every chapter

LECTURE_STYLE = {
    "figure.dpi": 100, "savefig.dpi": 100, "figure.figsize": (9, 4.5),
    "font.size": 14, "axes.titlesize": 15, "axes.labelsize": 14, "legend.fontsize": 12,
    "xtick.labelsize": 12, "ytick.labelsize": 12, "lines.linewidth": 2.5,
    "axes.grid": True, "grid.alpha": 0.3, "axes.spines.top": False, "axes.spines.right": False,
    "axes.prop_cycle": mpl.cycler(color=OKABE_ITO), "figure.constrained_layout.use": True,
    "image.cmap": LAYER_CMAP,
    # Titles sit just above the axes. (With the default, None, matplotlib measures every tick
    # label to dodge decorations our axes do not have: 15 ms of each live redraw.)
    "axes.titley": 1.0,
    # Grid and ticks beneath the data (spines too, in subplots): the order in which the live
    # panel composes its layers, so that its frames equal a full draw.
    "axes.axisbelow": True,
    # Unhinted glyphs: indistinguishable at these sizes, and a quarter of a redraw faster
    # (matplotlib draws text glyph by glyph, and text is most of what a redraw draws).
    "text.hinting": "none",
}


# The style as rcParams stores it (e.g. figsize as a list), to compare with what is in force.
_LECTURE_STYLE_VALIDATED = {key: mpl.rcsetup._validators[key](value) for key, value in LECTURE_STYLE.items()}


def apply_style() -> None:
    mpl.rcParams.update(LECTURE_STYLE)


def lecture_style():
    """A context in which figures are made and drawn in the lecture style. (Where the style is
    in force already, after setup(), a no-op: rc_context copies every rcParam, ~1 ms a redraw.)"""
    current = mpl.rcParams
    if all(current[key] == value for key, value in _LECTURE_STYLE_VALIDATED.items()):
        return contextlib.nullcontext()
    return mpl.rc_context(LECTURE_STYLE)


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _decade_label(value, _position) -> str:
    """10⁻³ as plain text: the same label as matplotlib's, without a mathtext parse per tick."""
    if value <= 0 or not np.isfinite(value):
        return ""
    exponent = np.log10(value)
    if abs(exponent - round(exponent)) > 1e-9:
        return ""
    return "1" if round(exponent) == 0 else "10" + str(int(round(exponent))).translate(_SUPERSCRIPT)


def log_scale(ax: Axes, axis: str = "y") -> None:
    """A log axis with labelled decades and no minor ticks: minor ticks add nothing a lecture
    hall can read, and drawing them costs more than the rest of a live redraw together."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    (ax.set_yscale if axis == "y" else ax.set_xscale)("log")
    target.set_major_locator(LogLocator(numticks=6))
    target.set_minor_locator(NullLocator())
    target.set_major_formatter(FuncFormatter(_decade_label))


def snap_log_limits(ax: Axes, axis: str = "y", values=None) -> None:
    """Fit a log axis to ``values`` (default: everything plotted in ``ax`` so far), ending on
    whole decades, in steps of decades that grow with the span (1 for up to 6 decades, 2 up
    to 12, 3, 5, 10, …).

    The panel then shows at least one decade (±10 % scatter does not look like a trend), loses
    at most about a third of its length to padding, and keeps its limits while a slider moves
    the data by less than a step: the live panel's cached background stays valid."""
    if values is None:
        data = ax.dataLim  # all artists so far, autoscaled or not
        low, high = (data.minposy, data.y1) if axis == "y" else (data.minposx, data.x1)
    else:
        values = np.asarray(values, dtype=float)
        values = values[np.isfinite(values) & (values > 0)]
        low, high = (values.min(), values.max()) if len(values) else (np.nan, np.nan)
    if not (np.isfinite(low) and np.isfinite(high) and 0 < low <= high):
        return
    low, high = np.log10(low), np.log10(high)
    # Round steps, so that most spans pick the same step and a nudge of the data does not
    # change it: at most six steps across the panel.
    step = next((s for s in (1, 2, 3, 5, 10, 20, 50) if high - low <= 6 * s), 100)
    bottom, top = step * np.floor(low / step), step * np.ceil(high / step)
    (ax.set_ylim if axis == "y" else ax.set_xlim)(10.0 ** bottom, 10.0 ** max(top, bottom + 1))


FRAME_STEPS = (1, 2, 4, 6, 8)


def frame_edge(value: float) -> float:
    """The edge of a frame that holds ``value`` (> 0): the smallest of 1, 2, 4, 6, 8 × a power
    of ten at or above it. While a range slider moves in small steps the frame then changes
    only now and then, and the curves grow inside it, filling at least 60 % of it below 10 (as
    ``layer_axis`` does for depth; the live panel redraws the axes only when the frame
    changes, and a redrawn frame is ~40 ms of text)."""
    decade = 10.0 ** math.floor(math.log10(value))
    return next(step * decade for step in (*FRAME_STEPS, 10) if step * decade >= value * (1 - 1e-12))


def reserve_frame(ax: Axes, half_width: float, functions, samples: int = 801) -> None:
    """Make ``ax`` autoscale as if it also drew each of ``functions`` over ±frame_edge(half_width)
    (they are not drawn), with a hair of room above and below. Curves drawn over ±half_width lie
    within these and never move the limits, so the axes change only when the frame edge does:
    the curves grow inside a frame a little wider than the range."""
    edge = frame_edge(half_width)
    x = np.linspace(-edge, edge, samples)
    ys = np.array([f(x) for f in functions], dtype=float)
    low, high = np.nanmin(ys), np.nanmax(ys)
    room = 0.005 * (high - low)
    ax.update_datalim([(-edge, low - room), (edge, high + room)])


def color_of(name: str, index: int = 0) -> str:
    return COLORS.get(str(name), OKABE_ITO[index % len(OKABE_ITO)])


def layer_colors(depth: int) -> list:
    cmap = mpl.colormaps[LAYER_CMAP]
    return [cmap(i / max(depth - 1, 1) * 0.9) for i in range(depth)]


def new_figure(figsize=None, dpi=None) -> Figure:
    """A figure not owned by pyplot: nothing is shown twice and nothing leaks on redraw."""
    with lecture_style():
        fig = Figure(figsize=figsize or LECTURE_STYLE["figure.figsize"], dpi=dpi or 100,
                     layout="constrained")
    FigureCanvasAgg(fig)  # one canvas for the figure's life: every redraw draws into it
    return fig


def subplots(fig: Figure, nrows: int = 1, ncols: int = 1, **kwargs):
    """``fig.subplots(nrows, ncols, **kwargs)``, except that a figure that already has this grid
    gets its axes back, emptied of their artists but keeping their axis and tick objects.

    Interactive figures draw through this: creating axes and their ticks anew was 40 % of a
    live redraw. Returns what ``fig.subplots`` returns (one Axes, or an array of them)."""
    key = (nrows, ncols, tuple(sorted((k, repr(v)) for k, v in kwargs.items())))
    cached = getattr(fig, "_course_grid", None)
    if cached is not None and cached[0] == key and all(ax.figure is fig for ax in np.ravel(cached[1])):
        for ax in np.ravel(cached[1]):
            _empty(ax)
        if fig._suptitle is not None:
            fig._suptitle.set_text("")
        for legend in list(fig.legends):
            legend.remove()
        return cached[1]
    fig.clear()
    axes = fig.subplots(nrows, ncols, **kwargs)
    for ax in np.ravel(axes):
        # At most ~5 labelled ticks per axis: readable from the back row, and every tick
        # label is text that a live redraw has to lay out.
        ax.locator_params(nbins=5)
        for spine in ax.spines.values():
            spine.set_zorder(0.5)
    fig._course_grid = (key, axes)
    return axes


def legend_below(ax: Axes, **kwargs):
    """The legend of what ``ax`` draws, in a row beneath the figure: for a figure of one panel,
    or of a row of panels that all draw the same things. There it hides no data, and, outside
    every axes, a live panel pastes its pixels from the last redraw instead of drawing it anew
    (a legend inside the axes is ~8 ms of every redraw; ``helpers.layers``)."""
    handles, labels = ax.get_legend_handles_labels()
    return ax.figure.legend(handles, labels, loc="outside lower center", ncols=len(labels),
                            frameon=False, **kwargs)


def _empty(ax: Axes) -> None:
    for artist in [*ax.lines, *ax.patches, *ax.collections, *ax.texts, *ax.images]:
        artist.remove()
    ax.containers.clear()
    if ax.get_legend() is not None:
        ax.get_legend().remove()
    ax.set_title("")
    ax.set_autoscale_on(True)  # a set_xlim/set_ylim in the last draw had switched it off
    ax.relim()


def per_layer(ax: Axes, values, *, label=None, color=None, linestyle="-", log=True,
              ylabel="", marker="o") -> None:
    """One statistic per hidden layer (layer 1 = input side), non-finite layers marked ✕."""
    values = np.asarray(values, dtype=float)
    layers = np.arange(1, len(values) + 1)
    finite = np.isfinite(values) & ((values > 0) if log else True)
    ax.plot(layers[finite], values[finite], marker=marker, markersize=4, label=label,
            color=color, linestyle=linestyle)
    if (~np.isfinite(values)).any():
        bad = layers[~np.isfinite(values)]
        top = np.nanmax(np.where(np.isfinite(values), values, np.nan)) if finite.any() else 1.0
        ax.plot(bad, np.full(len(bad), top), "x", color=COLORS["diverged"], markersize=10,
                label="non-finite (overflow)")
    if log:
        log_scale(ax)
        snap_log_limits(ax)
        if not finite.any() and np.isfinite(values).all():
            # A log axis cannot show 0: say so instead of leaving the panel blank.
            ax.text(0.5, 0.5, "all values are 0:\nnothing reaches these layers", ha="center",
                    va="center", transform=ax.transAxes, color=COLORS["diverged"], fontsize=13)
    if ylabel:
        ax.set_ylabel(ylabel)
    layer_axis(ax, len(values), "hidden layer (1 = nearest the input)")


def layer_axis_end(count: int) -> int:
    """The last item a layer axis shows for ``count`` items: ``count`` rounded up to a multiple
    of 5 (and at least 5: a chain of one to five neurons is drawn in the same frame)."""
    return 5 * math.ceil(max(count, 1) / 5)


def layer_axis(ax: Axes, count: int, label: str) -> None:
    """An x axis for items 1..count (layers, neurons) whose length moves in steps of 5.

    While a depth slider moves, the axis (and the live panel's cached background with it) then
    stays put for five steps at a time, and the curve visibly grows inside a fixed frame."""
    end = layer_axis_end(count)
    ax.set_xlim(0.5, end + 0.5)
    step = next((s for s in (1, 2, 5, 10, 20, 50, 100, 200, 500) if end / s <= 6), end)
    ax.set_xticks(np.arange(step, end + 1, step))  # 1, 2, 3 … or 5, 10, 15 … (at most 6)
    ax.set_xlabel(label)


def bars(ax: Axes, positions, lengths, *, width=0.8, color=None, hatch=None, label=None,
         horizontal: bool = False) -> None:
    """Bars from 0 to each length, centred on ``positions`` (upright, or ``horizontal``), as one
    artist (a PolyCollection): ~1 ms on a live redraw where ``ax.bar``, one patch per bar,
    takes ~8 for eight bars and ~30 for thirty. Non-finite lengths are left out; on a log axis
    the bars start at its edge."""
    colors = color if isinstance(color, (list, tuple)) else [color or OKABE_ITO[0]] * len(positions)
    kept = [(p, n, c) for p, n, c in zip(positions, lengths, colors) if np.isfinite(n)]
    rectangles = [[(0, p - width / 2), (n, p - width / 2), (n, p + width / 2), (0, p + width / 2)]
                  for p, n, _ in kept]
    if not horizontal:
        rectangles = [[(y, x) for x, y in corners] for corners in rectangles]
    collection = PolyCollection(rectangles, facecolors=[c for _, _, c in kept], edgecolors="none",
                                hatch=hatch, label=label)
    # Like ax.bar: no autoscale margin below the bars' base.
    (collection.sticky_edges.x if horizontal else collection.sticky_edges.y).append(0)
    ax.add_collection(collection)


def overlaid_layer_histograms(ax: Axes, values_per_layer: Sequence[np.ndarray], *, bins=60,
                              value_range=None, xlabel="activation", legend=True) -> None:
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
        ax.text(0.02, 0.95, f"non-finite values in layer{'s' if len(overflowed) > 1 else ''} "
                f"{', '.join(map(str, overflowed))}", transform=ax.transAxes, va="top",
                color=COLORS["diverged"], fontsize=12)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("fraction of units")
    if legend:
        ax.legend(fontsize=10)


def mark_diverged(ax: Axes, step: int) -> None:
    ax.axvline(step, color=COLORS["diverged"], linestyle=":", linewidth=2)
    ax.annotate(f"diverged at step {step}", xy=(step, 0.5), xycoords=("data", "axes fraction"),
                xytext=(-6, 0), textcoords="offset points", ha="right", rotation=90,
                color=COLORS["diverged"], fontsize=12)


def training_curves(ax: Axes, runs: Mapping[str, object], *, log=False, colors=None) -> None:
    """Loss per step for each labelled TrainingRun, with "diverged at step k" where one did."""
    for i, (label, run) in enumerate(runs.items()):
        color = (colors or {}).get(label, OKABE_ITO[i % len(OKABE_ITO)])
        steps = np.arange(len(run.loss))
        ax.plot(steps, run.loss, label=label, color=color, linestyle=LINESTYLES[i % 4])
        if run.diverged_at is not None:
            mark_diverged(ax, run.diverged_at)
    if log:
        log_scale(ax)
    ax.set_xlabel("training step")
    ax.set_ylabel("training loss (cross-entropy)")
    ax.legend()
