"""Axes that survive a redraw: ``Recycler(fig)`` lets a plain-matplotlib drawing function call
``fig.subplots(...)`` on every redraw and get the *same* axes back, emptied.

Creating axes anew costs most of a live redraw (every axes builds its axis, spine and tick
objects, and the ticks are rebuilt on the next draw), and a full ``ax.cla()`` costs ~11 ms an
axes. So a reused axes is reset cheaply — its artists, titles, labels, limits, scales and
default locators, the colour cycle — and then compared with the state it had when new (its
*pristine* state: scales, locators and formatters, tick settings, text styles, spines, aspect,
margins, …). Where the last drawing left anything the cheap reset does not undo, the axes is
cleared in full with ``cla()``. Either way the drawing function starts from axes that look new,
so a live frame is what the same function draws on a fresh figure.

Other ways of making axes (``fig.add_subplot``, ``fig.add_axes``, twins) are correct too: the
figure is then cleared and the axes made anew on each redraw.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

SPINE_ZORDER = 0.5  # beneath the data: the order in which the live panel composes its frames


def prepare(ax: Axes) -> None:
    """What every axes of a live or static figure gets: spines drawn beneath the data, as the
    ticks and grid are (``axes.axisbelow``), so that a frame composed of a cached background and
    the data drawn over it is pixel for pixel a full draw."""
    for spine in ax.spines.values():
        spine.set_zorder(SPINE_ZORDER)


def _look(text) -> dict:
    """A text's look, as Text.update takes it (to restore a title's), font properties copied."""
    return dict(
        color=text.get_color(),
        rotation=text.get_rotation(),
        horizontalalignment=text.get_horizontalalignment(),
        verticalalignment=text.get_verticalalignment(),
        alpha=text.get_alpha(),
        visible=text.get_visible(),
        fontproperties=text.get_fontproperties().copy(),
    )


def _text_style(text) -> tuple:
    """The same look, comparable."""
    look = _look(text)
    return (str(look.pop("color")), hash(look.pop("fontproperties")), *look.values())


def _axis_state(axis) -> tuple:
    major, minor = axis.get_major_locator(), axis.get_minor_locator()
    return (
        axis.get_scale(),
        type(major).__name__,
        type(minor).__name__,
        type(axis.get_major_formatter()).__name__,
        type(axis.get_minor_formatter()).__name__,
        repr(sorted(axis._major_tick_kw.items())),
        repr(sorted(axis._minor_tick_kw.items())),
        _text_style(axis.label),
        axis.get_visible(),
        axis.get_label_position(),
        axis.get_ticks_position(),
        repr(getattr(major, "_nbins", None)),
        axis.get_inverted(),
        axis.labelpad,
        # units (categories from bar(["a", "b"]), dates) stay with the axis after the cheap
        # reset and would misplace the next drawing's data: such axes are cleared in full
        axis.get_converter() is not None,
        axis.units is not None,
    )


def state(ax: Axes) -> tuple:
    """What a drawing may change on an axes that the cheap reset does not undo."""
    return (
        _axis_state(ax.xaxis),
        _axis_state(ax.yaxis),
        tuple(_text_style(t) for t in (ax.title, ax._left_title, ax._right_title)),
        tuple(
            (
                name,
                s.get_visible(),
                repr(s.get_position()),
                s._bounds,
                s.get_zorder(),
                str(s.get_edgecolor()),
                s.get_linewidth(),
            )
            for name, s in ax.spines.items()
        ),
        ax.axison,
        ax.get_frame_on(),
        str(ax.patch.get_facecolor()),
        repr(ax.get_aspect()),
        ax.get_adjustable(),
        ax.get_box_aspect(),
        ax.get_anchor(),
        ax._xmargin,
        ax._ymargin,
        ax.get_zorder(),
        ax.get_visible(),
        len(ax.child_axes),
        ax.get_navigate(),
        ax.use_sticky_edges,
    )


def _titles(ax: Axes) -> tuple:
    return ax.title, ax._left_title, ax._right_title


def _reset(ax: Axes) -> None:
    """Undo, cheaply, what a drawing usually does to an axes."""
    for artist in list(ax._children):
        artist.remove()
    ax.containers.clear()
    if ax.legend_ is not None:
        ax.legend_.remove()
    for title in (ax.title, ax._left_title, ax._right_title):
        title.set_text("")
    ax.xaxis.label.set_text("")
    ax.yaxis.label.set_text("")
    for axis, set_scale in ((ax.xaxis, ax.set_xscale), (ax.yaxis, ax.set_yscale)):
        # a linear scale with its default locators and formatters, not inverted
        if (
            axis.get_scale() != "linear"
            or type(axis.get_major_locator()).__name__ != "AutoLocator"
            or type(axis.get_major_formatter()).__name__ != "ScalarFormatter"
        ):
            set_scale("linear")
    if ax.get_aspect() != "auto" or ax.get_adjustable() != "box":  # (set_aspect("equal") is common)
        ax.set_aspect("auto", adjustable="box")
    ax.set_prop_cycle(None)  # the colour cycle starts again at its first colour
    ax.dataLim.set_points(Bbox.null().get_points())
    ax.ignore_existing_data_limits = True
    ax.viewLim.set_points(np.array([[0.0, 0.0], [1.0, 1.0]]))  # also undoes an inverted axis
    ax.set_autoscale_on(True)
    ax._tight = None
    ax.stale = True


class Recycler:
    """Installs a recycling ``subplots`` on ``fig`` (an instance attribute: only this figure)."""

    def __init__(self, fig: Figure):
        self.fig = fig
        self._key = None
        self._axes = None
        self._pristine: dict[int, tuple] = {}
        self._title_looks: dict[int, list] = {}
        self._tick_settings: dict[int, list] = {}
        self.full_clears = 0  # how often an axes needed cla() (for the tests)
        fig.subplots = self._subplots

    def begin(self) -> None:
        """Call before each drawing: empties the figure-level artists; the axes are reset when
        the drawing asks for its grid again."""
        fig = self.fig
        for artist in [
            *fig.legends,
            *fig.texts,
            *fig.artists,
            *fig.lines,
            *fig.patches,
            *fig.images,
        ]:
            artist.remove()
        for label in (fig._suptitle, fig._supxlabel, fig._supylabel):
            if label is not None:
                label.remove()
        fig._suptitle = fig._supxlabel = fig._supylabel = None
        self._claimed = False

    def end(self) -> None:
        """Call after each drawing: a drawing that did not ask for its grid made its own axes."""
        if (
            not self._claimed
            and self._axes is not None
            and any(ax in self.fig.axes for ax in self._flat())
        ):
            self.forget()

    def forget(self) -> None:
        self._key = self._axes = None
        self._pristine.clear()
        self._title_looks.clear()

    def _flat(self):
        axes = self._axes
        return list(axes.flat) if hasattr(axes, "flat") else [axes]

    def _subplots(self, nrows=1, ncols=1, **kwargs):
        fig = self.fig
        key = (nrows, ncols, repr(sorted(kwargs.items())))
        self._claimed = True
        if (
            self._key == key
            and all(ax.figure is fig for ax in self._flat())
            and not self._extra_axes()
        ):
            for ax in self._flat():
                _reset(ax)
                # titles back to their new look (set_title(..., fontsize=12) is common)
                for title, look in zip(_titles(ax), self._title_looks[id(ax)]):
                    title.update(look)  # (Text copies the font properties it is given)
                if state(ax) != self._pristine[id(ax)]:
                    self._clear_fully(ax)
            return self._axes
        fig.clear()
        axes = Figure.subplots(fig, nrows, ncols, **kwargs)
        self._key, self._axes = key, axes
        for ax in self._flat():
            prepare(ax)
        self._pristine = {id(ax): state(ax) for ax in self._flat()}
        self._title_looks = {id(ax): [_look(title) for title in _titles(ax)] for ax in self._flat()}
        self._tick_settings = {
            id(ax): [
                (dict(axis._major_tick_kw), dict(axis._minor_tick_kw))
                for axis in (ax.xaxis, ax.yaxis)
            ]
            for ax in self._flat()
        }
        return axes

    def _clear_fully(self, ax) -> None:
        """``cla()``, and what it leaves: matplotlib's cla keeps the tick settings made with
        ``tick_params``, so those are restored to the new axes' too."""
        ax.cla()
        for axis, (major, minor) in zip((ax.xaxis, ax.yaxis), self._tick_settings[id(ax)]):
            axis._major_tick_kw, axis._minor_tick_kw = dict(major), dict(minor)
            axis.reset_ticks()
        prepare(ax)
        self.full_clears += 1

    def _extra_axes(self) -> bool:
        mine = {id(ax) for ax in self._flat()}
        return any(id(ax) not in mine for ax in self.fig.axes)
