"""Live frames composed of two parts: a cached background and the data drawn over it.

Drawing a figure is mostly drawing text: every tick label, axis label and title is laid out and
rasterised glyph by glyph, ~50 ms of an ~80 ms redraw on the course machine. While a slider
moves, most of that does not change. So a live frame is composed of
- the *background*: the figure and axes patches, the axes' spines, grid, ticks, tick labels and
  axis labels. It is drawn only when its *signature* — each axes' position, limits, scales,
  tick positions and labels, axis labels — differs from the last frame's, and is otherwise
  restored from a pixel copy (matplotlib's blitting: ``copy_from_bbox``/``restore_region``);
- the *foreground*: everything else — lines, bars, fills, texts, legends, titles — drawn over it
  every frame in matplotlib's own order, except that a title whose text, look and place did
  not change is pasted from its last pixels (a *sprite*: text costs ~0.2 ms a glyph).

The background survives a slider step when the axes' limits do not follow every wiggle of the
data: the lecture style rounds autoscaled limits out to tick positions (``axes.autolimit_mode``),
and a figure may declare a frame that depends on its parameters only. The recycler draws the
spines beneath the data (as the style does the ticks and grid), so that the composed frame is
pixel for pixel what a full draw gives; where a drawing puts an artist beneath that level, the
frame is drawn in full instead. The tests check every figure, along a slider drag and through the
presets, and a figure written in the most naive matplotlib style.
"""

from __future__ import annotations

from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.text import Text


def _axis_signature(axis) -> tuple:
    locations = tuple(axis.get_majorticklocs())
    labels = tuple(axis.get_major_formatter().format_ticks(list(locations)))
    return (
        axis.get_scale(),
        locations,
        labels,
        axis.label.get_text(),
        axis.label.get_color(),
        axis.get_visible(),
    )


def _limits(low_high) -> tuple:
    # Autoscaling adds margins in floating point: 1.05 one time, 1.0500000000000003 the next.
    return tuple(float(f"{v:.10g}") for v in low_high)


def background_signature(fig: Figure) -> tuple:
    """Everything the background layer's pixels depend on (for the axes the course draws)."""
    parts = [tuple(fig.bbox.bounds), tuple(fig.patch.get_facecolor())]
    for ax in fig.axes:
        parts.append(
            (
                ax.get_visible(),
                ax.axison,
                tuple(ax.get_position().bounds),
                _limits(ax.get_xlim()),
                _limits(ax.get_ylim()),
                tuple(ax.patch.get_facecolor()),
                tuple((name, s.get_visible()) for name, s in ax.spines.items()),
                _axis_signature(ax.xaxis),
                _axis_signature(ax.yaxis),
            )
        )
    return tuple(parts)


def _background_of(ax: Axes) -> set[int]:
    return {id(ax.patch), id(ax.xaxis), id(ax.yaxis), *map(id, ax.spines.values())}


def _background_zorder(ax: Axes) -> float:
    return max(
        ax.xaxis.get_zorder(), ax.yaxis.get_zorder(), *(s.get_zorder() for s in ax.spines.values())
    )


def _beneath_background(fig: Figure) -> bool:
    """Whether some axes has a visible artist that a full draw paints before its background."""
    for ax in fig.axes:
        level = _background_zorder(ax)
        background = _background_of(ax)
        if any(
            a.get_visible() and a.get_zorder() <= level
            for a in ax.get_children()
            if id(a) not in background
        ):
            return True
    return False


def _axes_overlap(fig: Figure) -> bool:
    boxes = [ax.get_position() for ax in fig.axes if ax.get_visible()]
    return any(
        a.overlaps(b) and min(a.x1, b.x1) > max(a.x0, b.x0) and min(a.y1, b.y1) > max(a.y0, b.y0)
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
    )


def foreground_artists(fig: Figure) -> list[Artist]:
    """The artists drawn every frame, in the order a full draw would draw them."""
    drawn = []
    for ax in sorted(fig.axes, key=lambda a: a.zorder):
        background = _background_of(ax)
        children = [a for a in ax.get_children() if id(a) not in background]
        drawn.extend(sorted(children, key=lambda a: a.zorder))
    figure_level = [*fig.lines, *fig.patches, *fig.texts, *fig.images, *fig.legends, *fig.artists]
    drawn.extend(sorted(figure_level, key=lambda a: a.zorder))
    return [a for a in drawn if a.get_visible()]


SPRITE_MARGIN = 2  # pixels around a text's box: its antialiased edge


def _sprite_keys(foreground: list[Artist], fig: Figure, renderer) -> dict[int, tuple]:
    """For each artist whose pixels can be reused (by id), what those pixels depend on.

    Sprites are texts and legends outside every axes (titles, the suptitle, a legend above a
    panel) whose box, with its margin, touches no other of them: they lie on the plain
    background, so their pixels depend on nothing else. (A legend inside an axes does not
    qualify: whatever passes beneath it shows through the antialiased edge of even an opaque
    frame.)"""
    boxes = {}
    for artist in foreground:
        if (type(artist) is Text and artist.get_text()) or isinstance(artist, Legend):
            box = artist.get_window_extent(renderer)
            if not any(box.overlaps(ax.bbox) for ax in fig.axes):
                boxes[id(artist)] = (artist, box)
    keys = {}
    for key_id, (artist, box) in boxes.items():
        padded = box.padded(SPRITE_MARGIN)
        if any(
            padded.overlaps(other) for other_id, (_, other) in boxes.items() if other_id != key_id
        ):
            continue
        keys[key_id] = (
            _pixel_box(box),
            *(_legend_look(artist) if isinstance(artist, Legend) else _text_look(artist)),
        )
    return keys


def _text_look(text: Text) -> tuple:
    return (
        text.get_text(),
        str(text.get_color()),
        text.get_alpha(),
        hash(text.get_fontproperties()),
        text.get_rotation(),
        text.get_usetex(),
    )


def _legend_look(legend: Legend) -> tuple:
    def look(handle):
        return tuple(
            str(getattr(handle, f"get_{p}", lambda: None)())
            for p in (
                "color",
                "facecolor",
                "edgecolor",
                "hatch",
                "linestyle",
                "linewidth",
                "marker",
            )
        )

    frame = legend.get_frame()
    return (
        "legend",
        tuple(_text_look(t) for t in legend.texts),
        tuple(look(h) for h in legend.legend_handles),
        legend.get_frame_on(),
        str(frame.get_facecolor()),
        str(frame.get_edgecolor()),
    )


def _pixel_box(box) -> tuple:
    return tuple(round(v, 3) for v in box.bounds)


class Compositor:
    """Draws ``fig`` (which has an Agg canvas) for a live panel, reusing its background and the
    pixels of unchanged titles."""

    def __init__(self, fig: Figure):
        self.fig = fig
        self._background = None
        self._signature = None
        self._sprites = {}  # sprite key -> pixels, valid while the background is
        self.background_draws = 0  # how often the background had to be drawn (for the tests)
        self.full_draws = 0
        self.sprites_reused = 0

    def forget(self) -> None:
        """Draw the background anew next frame (e.g. after a change of layout)."""
        self._background = self._signature = None
        self._sprites.clear()

    def draw(self) -> None:
        fig, canvas = self.fig, self.fig.canvas
        signature = background_signature(fig)
        foreground = foreground_artists(fig)
        if _beneath_background(fig) or _axes_overlap(fig):
            # an artist drawn beneath an axes' spines or ticks, or axes drawn over one another
            # (a twin): a full draw paints them in an order no cached background can reproduce
            canvas.draw()
            self.forget()
            self.full_draws += 1
            return
        if signature != self._signature or self._background is None:
            for artist in foreground:
                artist.set_visible(False)
            try:
                canvas.draw()
            finally:
                for artist in foreground:
                    artist.set_visible(True)
            self._background = canvas.copy_from_bbox(fig.bbox)
            self._signature = signature
            self._sprites.clear()
            self.background_draws += 1
        else:
            canvas.restore_region(self._background)
        renderer = canvas.get_renderer()
        keys = _sprite_keys(foreground, fig, renderer)
        for artist in foreground:
            key = keys.get(id(artist))
            if key is not None and key in self._sprites:
                canvas.restore_region(self._sprites[key])
                self.sprites_reused += 1
                continue
            artist.draw(renderer)
            if key is not None:
                box = artist.get_window_extent(renderer).padded(SPRITE_MARGIN)
                self._sprites[key] = canvas.copy_from_bbox(box)
