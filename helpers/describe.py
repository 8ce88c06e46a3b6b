"""Text alternatives for the course's figures, derived from what a figure draws.

``describe(fig)`` reads a drawn matplotlib figure — its titles, axes, scales, lines, bars,
points, images and notes — and says what it shows with its numbers, for a reader who cannot see
it: the live panel's picture, a handout's frames and the plain ``plt.show()`` figures of the
notebooks all get theirs from here, so no description is written by hand per setting and none
goes stale when a figure changes.

    >>> fig, ax = plt.subplots(); ax.semilogy([1, 2, 3], [1e-1, 1e-3, 1e-5], label="gradient")
    >>> describe(fig)
    'y (log scale) against x. gradient: 3 points, from 0.1 at x = 1 to 1e-05 at x = 3, …'
"""

from __future__ import annotations

import re

import numpy as np
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.container import BarContainer
from matplotlib.image import AxesImage

__all__ = ["describe", "number"]


def number(value: float) -> str:
    """A number as a person reads it aloud: three significant digits, no float noise."""
    if value is None or not np.isfinite(value):
        return (
            "not finite" if value is not None and np.isnan(value) else ("∞" if value > 0 else "−∞")
        )
    if value == 0:
        return "0"
    text = f"{value:.3g}"
    return text.replace("e-0", "e-").replace("e+0", "e").replace("e+", "e")


def _plain(text: str) -> str:
    """Mathtext made readable: $\\sigma'(z_k)$ → σ'(z_k); spacing commands dropped."""
    symbols = {
        r"\sigma": "σ",
        r"\partial": "∂",
        r"\varphi": "φ",
        r"\phi": "φ",
        r"\lambda": "λ",
        r"\chi": "χ",
        r"\eta": "η",
        r"\alpha": "α",
        r"\beta": "β",
        r"\mu": "μ",
        r"\xi": "ξ",
        r"\cdot": "·",
        r"\times": "×",
        r"\|": "‖",
        r"\approx": "≈",
        r"\leq": "≤",
        r"\geq": "≥",
        r"\,": " ",
        r"\;": " ",
        r"\!": "",
    }
    for tex, char in symbols.items():
        text = text.replace(tex, char)
    text = re.sub(r"\\(?:mathrm|mathbf|operatorname|text)\{([^}]*)\}", r"\1", text)
    text = text.replace("$", "").replace("{", "").replace("}", "")
    return " ".join(text.split())


def _axis(ax, which: str) -> str:
    label = _plain((ax.get_xlabel() if which == "x" else ax.get_ylabel()) or "values")
    scale = ax.get_xscale() if which == "x" else ax.get_yscale()
    return f"{label} (log scale)" if scale in ("log", "symlog") else label


def _at(x) -> str:
    return number(float(x))


def _series(name: str, xs, ys, xname: str) -> str:
    xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    finite = np.isfinite(ys)
    if not finite.any():
        return f"{name}: {len(ys)} points, none finite"
    fx, fy = xs[finite], ys[finite]
    if np.allclose(fy, fy[0], rtol=1e-9, atol=0):
        text = f"{name}: {number(fy[0])} at every {xname} from {_at(fx[0])} to {_at(fx[-1])}"
    else:
        text = (
            f"{name}: {len(ys)} points, from {number(fy[0])} at {xname} = {_at(fx[0])} "
            f"to {number(fy[-1])} at {xname} = {_at(fx[-1])}"
        )
        low, high = int(np.argmin(fy)), int(np.argmax(fy))
        extremes = [
            f"{word} {number(fy[i])} at {xname} = {_at(fx[i])}"
            for word, i in (("lowest", low), ("highest", high))
            if i not in (0, len(fy) - 1)
        ]
        if extremes:
            text += " (" + ", ".join(extremes) + ")"
    if not finite.all():
        first = xs[~finite][0]
        text += (
            f"; not finite from {xname} = {_at(first)} on"
            if (~finite)[-1]
            else (f"; not finite at {int((~finite).sum())} points")
        )
    return text


def _axes_parts(ax) -> list[str]:
    parts, xname = [], _plain(ax.get_xlabel() or "x").split(" (")[0] or "x"
    bars = [c for c in ax.containers if isinstance(c, BarContainer)]
    in_bars = {id(p) for c in bars for p in c.patches}
    for c in bars:
        horizontal = getattr(c, "orientation", "vertical") == "horizontal"
        sizes = np.array(
            [p.get_width() if horizontal else p.get_height() for p in c.patches], dtype=float
        )
        if not len(sizes):
            continue
        label = c.get_label()
        name = _plain(label) if label and not label.startswith("_") else "bars"
        axis = ax.yaxis if horizontal else ax.xaxis
        ticks = [_plain(t.get_text()) for t in axis.get_ticklabels()]
        if len(ticks) == len(sizes) and all(ticks) and len(sizes) <= 12:
            parts.append(f"{name}: " + ", ".join(f"{t} {number(v)}" for t, v in zip(ticks, sizes)))
        else:
            parts.append(
                f"{name}: {len(sizes)} bars from {number(np.nanmin(sizes))} to "
                f"{number(np.nanmax(sizes))}"
            )
    lines = [line for line in ax.get_lines() if line.get_visible() and len(line.get_xdata())]
    named = [line for line in lines if not line.get_label().startswith("_")]
    for line in named or lines[:3]:
        name = _plain(line.get_label()) if line in named else "a line"
        x_in_data, y_in_data = line.get_transform().contains_branch_seperately(ax.transData)
        if not x_in_data:  # a level line across the panel (axhline)
            parts.append(f"{name}: a level line at {number(float(line.get_ydata()[0]))}")
            continue
        if not y_in_data:  # a vertical line (axvline)
            parts.append(f"{name}: a vertical line at {xname} = {_at(line.get_xdata()[0])}")
            continue
        style = line.get_linestyle()
        if style in ("--", "dashed", ":", "dotted", "-.", "dashdot"):
            name += (
                " (" + {"--": "dashed", ":": "dotted", "-.": "dash-dotted"}.get(style, style) + ")"
            )
        parts.append(_series(name, line.get_xdata(), line.get_ydata(), xname))
    for collection in ax.collections:
        if isinstance(collection, LineCollection):  # vlines: one thick line per bar
            segments = [np.asarray(seg, dtype=float) for seg in collection.get_segments()]
            upright = [seg for seg in segments if len(seg) == 2 and seg[0, 0] == seg[1, 0]]
            if upright and len(upright) == len(segments):
                label = collection.get_label()
                name = _plain(label) if label and not label.startswith("_") else "bars"
                tops = [seg[:, 1].max() for seg in upright]
                parts.append(
                    _series(name, [seg[0, 0] for seg in upright], tops, xname).replace(
                        "points", "bars", 1
                    )
                )
            continue
        if isinstance(collection, PathCollection) and id(collection) not in in_bars:
            offsets = np.asarray(collection.get_offsets(), dtype=float)
            if len(offsets):
                label = collection.get_label()
                name = _plain(label) if label and not label.startswith("_") else "points"
                parts.append(_series(name, offsets[:, 0], offsets[:, 1], xname))
    for image in ax.images:
        if isinstance(image, AxesImage):
            values = np.asarray(image.get_array(), dtype=float)
            finite = values[np.isfinite(values)]
            if finite.size:
                rows, cols = values.shape[:2]
                parts.append(
                    f"a {rows} by {cols} map of values from {number(finite.min())} to "
                    f"{number(finite.max())}"
                )
    notes = [_plain(t.get_text()) for t in ax.texts if t.get_visible() and t.get_text().strip()]
    if notes:
        parts.append("notes: " + "; ".join(notes[:6]))
    return parts


def describe(fig, limit: int = 2000) -> str:
    """What ``fig`` shows, in sentences with its numbers: its title, then each panel's title,
    axes and scales, and what is drawn on it (every labelled line from its first to its last
    value, with the lowest and highest between; bars; points; maps; the notes written on it,
    such as "diverged at step k"). At most ``limit`` characters."""
    sentences = []
    title = fig._suptitle.get_text() if getattr(fig, "_suptitle", None) else ""
    if title.strip():
        sentences.append(_plain(title) + ".")
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.get_label() != "<colorbar>"]
    for number_, ax in enumerate(panels, 1):
        parts = _axes_parts(ax)
        if not parts and not ax.get_title():
            continue
        head = _plain(ax.get_title()) if ax.get_title() else ""
        prefix = f"Panel {number_}" + (f", {head}" if head else "") if len(panels) > 1 else head
        axes = f"{_axis(ax, 'y')} against {_axis(ax, 'x')}"
        sentence = (f"{prefix}: " if prefix else "") + axes + ". " + "; ".join(parts)
        sentences.append(sentence.rstrip("; ") + ".")
    for text in fig.texts:
        if text is not getattr(fig, "_suptitle", None) and text.get_text().strip():
            sentences.append(_plain(text.get_text()) + ".")
    description = " ".join(s for s in sentences if s.strip(". "))
    if len(description) > limit:
        description = description[: limit - 1].rsplit(" ", 1)[0] + "…"
    return description or "An empty figure."
