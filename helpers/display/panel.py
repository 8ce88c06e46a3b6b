"""The one control panel of the course: wires an ``InteractiveFigure`` to widgets in one call.

Design, for a lecturer dragging a slider on a projector:
- the figure is one persistent matplotlib ``Figure`` rendered to PNG into one ``Image`` widget
  shown at the size it was rendered (never stretched), so a redraw swaps the picture in place;
- the first change of a burst is drawn at once, the rest are coalesced into one trailing redraw
  (a throttle): a click shows its picture without delay, a drag leaves no backlog;
- every control is bounded by the figure's parameter ranges and holds every preset value
  exactly (log sliders step through a grid that contains them), so the panel cannot reach an
  invalid state; a control that does not affect the picture in the current setting is greyed out;
- a preset button sets every parameter (its values, defaults for the rest) and stays lit until
  a control is moved;
- an exception inside a redraw is shown in the panel in red, not swallowed, and the previous
  picture stays;
- before drawing, the panel looks the setting up in the frame store (``helpers.framestore``,
  filled by the handout builder): a preset click or a slider step onto a stored setting shows the
  stored frame at once, the very pixels it would draw.

How a redraw stays fast for any plain-matplotlib figure: the recycler hands the drawing function
its axes back (``recycling``), the layout is recomputed only when an axes' content changed, and
the compositor reuses the background and unchanged titles (``compositor``).
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import math
import threading
import time
import traceback

import ipywidgets as W
import numpy as np

from ..describe import describe
from ..figures import BoolParam, ChoiceParam, FloatParam, InteractiveFigure, IntParam
from ..framestore import default_store, description_of, encode_webp
from ..plots import lecture_style, new_figure
from .compositor import Compositor
from .png import canvas_png
from .recycling import Recycler, prepare

CUSTOM = "(custom)"
BUSY_AFTER_S = 0.5  # a redraw longer than this (drawing, or waiting for a frame) says so: a
# shorter wait keeps the flow of a drag, and a cue that flickers on and off only distracts
WARM_UP_DELAY_S = 2.0  # idle this long after showing a stored frame: lay out the canvas
_last_redraw_in_this_kernel = -math.inf  # (any panel's: a warm-up waits while any is in use)
PANEL_DPI = 100  # a 10-inch figure is a 1,000-pixel picture, shown 1,000 pixels wide
PANEL_CSS = """<style>
.helpers-panel { --jp-widgets-font-size: 15px; --jp-ui-font-size1: 15px; }
.helpers-panel .widget-label, .helpers-panel .widget-readout,
.helpers-panel .widget-dropdown select, .helpers-panel .widget-checkbox label,
.helpers-panel .widget-toggle-button { font-size: 15px !important; }
.helpers-panel .helpers-status { font-size: 14px; color: #333; }
/* controls and picture on one screen: at a projector's 720 px the picture shrinks to the room
   the controls (up to four rows and two of presets, ~220 px) leave; on a taller screen it is
   shown at the size it is drawn */
.helpers-panel .widget-image { max-height: calc(100vh - 240px) !important; width: auto !important;
                               max-width: 100% !important; object-fit: contain;
                               object-position: left top; }
/* a redraw that takes longer than a moment (a new layout: ~0.5 s) shows that it is working:
   past BUSY_AFTER_S the kernel marks the panel busy, the picture dims and the status line says
   so; a quick redraw sends nothing for it */
.helpers-panel .helpers-status::after { content: " · drawing…"; visibility: hidden; }
.helpers-panel.helpers-busy .helpers-status::after { visibility: visible; }
.helpers-panel.helpers-busy .widget-image { opacity: 0.5; cursor: progress; }
/* the picture's text alternative, rewritten from the drawn data at every redraw: read by
   screen readers (a11y.js makes it the picture's alt and announces the headline), not shown */
.helpers-panel .helpers-alt, .helpers-panel .helpers-headline, .helpers-panel .helpers-announce,
.helpers-panel .helpers-typed .widget-label {
  position: absolute !important; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); clip-path: inset(50%); white-space: nowrap; }
/* a visible focus on every control (WCAG 2.4.7); ipywidgets' text boxes say outline: none
   !important with a more specific selector, hence the longer ones */
.helpers-panel :focus-visible, .helpers-panel .jupyter-widgets input:focus-visible,
.helpers-panel .jupyter-widgets textarea:focus-visible {
  outline: 3px solid #0b57a4 !important; outline-offset: 2px; }
/* the page's printed claims (✔ … [numbers]) wrap between words, not inside a name */
.jp-RenderedText pre { word-break: normal !important; overflow-wrap: break-word; }
</style>"""


def log_grid(param: FloatParam, extra=()) -> list[float]:
    """The values a log slider steps through: ``param.step`` decades apart, rounded to three
    significant digits, plus every value in ``extra`` (default, presets), exactly."""
    exponents = np.arange(math.log10(param.low), math.log10(param.high) + 1e-9, param.step)
    grid = {float(f"{10.0**e:.3g}") for e in exponents} | {
        float(v) for v in (param.low, param.high, *extra)
    }
    return sorted(v for v in grid if param.low <= v <= param.high)


def make_control(name: str, param, values=()) -> W.ValueWidget:
    """A widget for ``param`` that can hold each of ``values`` exactly."""
    style = {"description_width": "initial"}
    layout = W.Layout(width="320px")
    description = param.label or name
    if isinstance(param, IntParam):
        return W.IntSlider(
            value=param.default,
            min=param.low,
            max=param.high,
            step=param.step,
            description=description,
            style=style,
            layout=layout,
        )
    if isinstance(param, FloatParam) and param.log:
        grid = log_grid(param, [param.default, *values])
        # No readout: ipywidgets 8's selection-slider readout can be typed into but ignores what
        # is typed (the box empties). A number box beside it takes typed values (typed_box).
        return W.SelectionSlider(
            options=[(f"{v:.3g}", v) for v in grid],
            value=float(param.default),
            description=description,
            style=style,
            layout=layout,
            readout=False,
        )
    if isinstance(param, FloatParam):
        return W.FloatSlider(
            value=param.default,
            min=param.low,
            max=param.high,
            step=param.step,
            description=description,
            style=style,
            layout=layout,
        )
    if isinstance(param, ChoiceParam):
        return W.Dropdown(
            options=list(param.choices),
            value=param.default,
            description=description,
            style=style,
            layout=W.Layout(width="240px"),
        )
    if isinstance(param, BoolParam):
        return W.Checkbox(value=param.default, description=description, indent=False)
    raise TypeError(f"no control for parameter type {type(param).__name__}")


def typed_box(name: str, param: FloatParam) -> W.BoundedFloatText:
    """The number box beside a log slider: it shows the slider's value and takes a typed one
    (on Enter or leaving the box), clamped to the parameter's range by the box itself. Its class
    ``typed-NAME`` finds it in a page (tests)."""
    box = W.BoundedFloatText(
        value=float(param.default),
        min=param.low,
        max=param.high,
        step=None,
        continuous_update=False,
        # its label names it for a screen reader ("learning rate, typed"); the slider beside it
        # says the same to the eye, so the label is visually hidden (PANEL_CSS), not removed
        description=f"{param.label or name}, typed",
        style={"description_width": "initial"},
        layout=W.Layout(width="90px"),
        tooltip=f"{param.label or name}: type a value from {param.low:g} to {param.high:g}",
    )
    box.add_class(f"typed-{name}")
    box.add_class("helpers-typed")
    return box


def control_values(control) -> list | None:
    """The values a selection slider can take (None for other controls)."""
    return (
        [value for _, value in control.options] if isinstance(control, W.SelectionSlider) else None
    )


def _autoscale_where_a_new_figure_would(fig) -> None:
    """Autoscale every axes now, at the position a new figure gives it before any layout.

    Autoscaled limits end on ticks, and how many ticks fit depends on the axes' size in
    pixels. On a new figure the limits are settled at the grid's default positions, before
    the layout moves the axes; a live frame must settle them there too, not at wherever the
    last layout put the reused axes, or the same values would give different limits."""
    # (_set_position: the public set_position would also take the axes out of the layout)
    laid_out = [ax.get_position(original=True) for ax in fig.axes]
    for ax in fig.axes:
        spec = ax.get_subplotspec()
        if spec is not None:
            ax._set_position(spec.get_position(fig))
    for ax in fig.axes:
        ax.get_xlim(), ax.get_ylim()  # autoscale happens on first reading
    for ax, position in zip(fig.axes, laid_out):
        ax._set_position(position)


def _sup_texts(fig) -> dict:
    found = {"suptitle": fig._suptitle, "supxlabel": fig._supxlabel, "supylabel": fig._supylabel}
    return {kind: text for kind, text in found.items() if text is not None}


class _BusyCue:
    """The panel's busy class (PANEL_CSS dims the picture and says "drawing…") for a redraw
    that takes longer than BUSY_AFTER_S: set from a timer thread, since the kernel's own thread
    is busy drawing or waiting, and taken away when the redraw ends. A quick redraw sends no
    message for it (in a class of twenty pages, two fewer per page and picture)."""

    def __init__(self, widget):
        self.widget = widget
        self._lock = threading.Lock()
        self._over = False
        self._timer = threading.Timer(BUSY_AFTER_S, self._show)
        self._timer.daemon = True

    def __enter__(self):
        try:
            self._timer.start()
        except RuntimeError:  # no thread to be had (a process limit): no cue, the picture anyway
            pass
        return self

    def _show(self):
        with self._lock:  # never after the redraw has ended
            if not self._over:
                self.widget.add_class("helpers-busy")

    def __exit__(self, *exc):
        with self._lock:
            self._over = True
        self._timer.cancel()
        self.widget.remove_class("helpers-busy")  # (sends nothing unless it was set)
        return False


class ControlPanel:
    """Controls + preset buttons + the figure + a status line, for one InteractiveFigure."""

    def __init__(
        self,
        figure: InteractiveFigure,
        *,
        throttle_seconds: float = 0.05,
        dpi: int = PANEL_DPI,
        controls: list[str] | None = None,
        store="default",
        **initial,
    ):
        """``controls``: the parameters whose controls are shown (default: all). An instructor
        hides what the class has not met yet; hidden parameters keep their values, and presets
        and pasted settings still set them. ``store``: the frame store to look frames up in
        (default: ``framestore.default_store()``; None: always draw)."""
        if controls is not None:
            unknown = [name for name in controls if name not in figure.params]
            if isinstance(controls, str) or unknown:
                raise ValueError(
                    f"controls must be a list of {figure.name!r}'s parameters "
                    f"({', '.join(figure.params)}); got {controls!r}"
                )
        self.figure = figure
        self.throttle_seconds = throttle_seconds
        self.values = figure.resolve(**initial)
        # every value a preset, a handout's slider (explore) or the benchmark sets, held exactly
        held = {
            name: [values[name] for values in figure.presets.values() if name in values]
            + list(figure.explore.get(name, ()))
            + [self.values[name], figure.expensive.get(name, self.values[name])]
            for name in figure.params
        }
        self.controls = {
            name: make_control(name, p, held[name]) for name, p in figure.params.items()
        }
        for name, control in self.controls.items():
            control.value = self.values[name]
            control.observe(self._on_change, names="value")
        # log sliders: a number box that shows the value and takes a typed one
        self.typed = {
            name: typed_box(name, p)
            for name, p in figure.params.items()
            if isinstance(p, FloatParam) and p.log
        }
        for name, box in self.typed.items():
            box.value = self.values[name]
            box.observe(lambda change, name=name: self._on_typed(name, change), names="value")
        # lit from the start where the values are a preset's
        lit = next((name for name in figure.presets if figure.preset(name) == self.values), CUSTOM)
        self.presets = W.ToggleButtons(
            options=[CUSTOM, *figure.presets],
            value=lit,
            description="presets",
            style={"button_width": "auto"},
        )
        self.presets.observe(self._on_preset, names="value")
        self._canvas = new_figure(figure.figsize, dpi=dpi)
        width, height = self._canvas.canvas.get_width_height()
        # Shown at the size it is drawn (narrower screens shrink it; none stretches it).
        self.image = W.Image(
            format="png", layout=W.Layout(width=f"{width}px", max_width="100%", height="auto")
        )
        # the status line, and the picture's text alternative (helpers.describe), read by screen
        # readers and not shown: one widget, so that a redraw sends one message for both
        self.status = W.HTML()
        self.error = W.HTML()
        rows = {
            name: W.HBox([control, self.typed[name]], layout=W.Layout(align_items="center"))
            if name in self.typed
            else control
            for name, control in self.controls.items()
        }
        for name, row in rows.items():
            if controls is not None and name not in controls:
                for widget in {row, self.controls[name], self.typed.get(name, row)}:
                    widget.layout.display = "none"
        # The setting as one line (figure.state): shown after every redraw, and a line pasted
        # here (from a slide, a handout, a classmate) sets the panel.
        self.setting = W.Text(
            value="",
            description="setting",
            continuous_update=False,
            style={"description_width": "initial"},
            layout=W.Layout(width="100%"),
        )
        self.setting.observe(self._on_setting, names="value")
        self.widget = W.VBox(
            [
                W.HTML(PANEL_CSS),
                W.HBox(list(rows.values()), layout=W.Layout(flex_flow="row wrap")),
                self.presets,
                self.image,
                self.status,
                self.setting,
                self.error,
            ]
        )
        self.widget.add_class("helpers-panel")
        self.store = default_store() if store == "default" else store
        self.dpi = dpi
        self.stored_count = 0  # redraws answered from the frame store
        self.alt_text = ""  # what the picture shows, with its numbers (helpers.describe)
        self._recycler = Recycler(self._canvas)
        self._compositor = Compositor(self._canvas)
        self._laid_out_for = None  # what the axes showed at the last full layout
        self._label_extents = {}  # (text, font, rotation) -> its box's (width, height) in pixels
        self._sup_positions = {}
        self._pending = None
        self._last_redraw_end = -math.inf
        self._warm_up_pending = None
        self._applying = False
        self.redraw_count = 0
        self.layout_count = 0
        self.last_redraw_ms = math.nan
        self._grey_out()
        self.redraw()

    # -- events -------------------------------------------------------------------------
    def _on_change(self, change):
        for name, box in self.typed.items():  # a dragged log slider: its box follows
            if change["owner"] is self.controls[name] and box.value != change["new"]:
                applying, self._applying = self._applying, True
                try:
                    box.value = change["new"]
                finally:
                    self._applying = applying
        if not self._applying:
            self.presets.value = CUSTOM
            self._grey_out()
            self._schedule()

    def _on_typed(self, name, change):
        if self._applying or change["new"] == self.controls[name].value:
            return
        self.set(**{name: float(change["new"])})  # the slider makes room for the typed value

    def _on_preset(self, change):
        if change["new"] != CUSTOM:
            self._set(self.figure.preset(change["new"]))

    def _on_setting(self, change):
        if self._applying or change["new"] == self.figure.state(**self.values):
            return
        try:
            resolved = self.figure.parse_state(change["new"])
        except ValueError as error:  # said in the panel; the box shows the setting in force
            self.error.value = (
                f'<pre style="color:#D55E00;white-space:pre-wrap">'
                f"That setting was not applied: {html.escape(str(error))}</pre>"
            )
            self._show_setting()
            return
        self.error.value = ""
        lit = next(
            (name for name in self.figure.presets if self.figure.preset(name) == resolved), CUSTOM
        )
        if lit != CUSTOM and self.presets.value != lit:
            self.presets.value = lit  # a preset's setting: its button lights, and applies it
            return
        self.presets.value = lit
        self._set(resolved)

    def _show_setting(self):
        self._applying = True
        try:
            self.setting.value = self.figure.state(**self.values)
        finally:
            self._applying = False

    def _schedule(self):
        """Redraw now if the last redraw ended at least ``throttle_seconds`` ago, else once,
        when that time is up, with whatever the controls say then. In a kernel the event loop
        is running; headless (tests, benchmark) there is none, so redraw at once."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None or self.throttle_seconds <= 0:
            self.redraw()
            return
        if self._pending is not None:
            return  # a trailing redraw is coming and will read the controls then
        wait = self._last_redraw_end + self.throttle_seconds - time.perf_counter()
        if wait <= 0:
            self.redraw()
        else:
            self._pending = loop.call_later(wait, self.redraw)

    def _grey_out(self):
        values = {name: control.value for name, control in self.controls.items()}
        relevant = set(self.figure.relevant_names(values))
        for name, control in self.controls.items():
            control.disabled = name not in relevant
            if name in self.typed:
                self.typed[name].disabled = control.disabled

    # -- API ----------------------------------------------------------------------------
    def set(self, **values) -> "ControlPanel":
        """Set several controls at once (one redraw); the others keep their values."""
        self.presets.value = CUSTOM
        return self._set(self.figure.resolve(**{**self.values, **values}))

    def _set(self, resolved: dict) -> "ControlPanel":
        self._applying = True
        try:
            for name, value in resolved.items():
                control = self.controls[name]
                held = control_values(control)
                if held is not None and value not in held:  # a value from code: make room for it
                    control.options = [(f"{v:.3g}", v) for v in sorted({*held, value})]
                control.value = value
                if name in self.typed:
                    self.typed[name].value = value
        finally:
            self._applying = False
        self._grey_out()
        self._schedule()
        return self

    def redraw(self):
        self._pending = None
        values = {name: control.value for name, control in self.controls.items()}
        start = time.perf_counter()
        stored = described = None
        try:
            self.values = self.figure.resolve(**values)
            # busy while waiting for another kernel's frame or drawing our own, if that is long
            with _BusyCue(self.widget):
                with self._claim() as claim:
                    stored = claim.found if claim is not None else None
                    if stored is not None:
                        described = description_of(stored)
                        with self.image.hold_sync():  # one message: a WebP with its format
                            self.image.format, self.image.value = "webp", stored
                    else:
                        described = self._draw_and_send()
                        if claim is not None:  # kept for the other kernels (a class), after ours
                            rgb = np.array(np.asarray(self._canvas.canvas.buffer_rgba())[:, :, :3])
                            claim.put_in_background(lambda: encode_webp(rgb, described, fast=True))
        except Exception as error:  # shown in the panel: a lecture must not die on a slider
            self.error.value = (
                '<pre style="color:#D55E00;white-space:pre-wrap">'
                f"{html.escape(type(error).__name__)}: "
                f"{html.escape(str(error))}\n{html.escape(traceback.format_exc(limit=3))}</pre>"
            )
            self._last_redraw_end = time.perf_counter()
            return
        self.error.value = ""
        self.redraw_count += 1
        self.stored_count += stored is not None
        if stored is not None and self._laid_out_for is None:
            self._warm_up_when_idle()
        self._last_redraw_end = time.perf_counter()
        global _last_redraw_in_this_kernel
        _last_redraw_in_this_kernel = self._last_redraw_end
        self.last_redraw_ms = (self._last_redraw_end - start) * 1000
        how = "from the frame store" if stored is not None else "redrawn"
        caption = self.figure.caption(**self.values)
        self.alt_text = described or caption
        self.status.value = (
            f'<span class="helpers-status">{html.escape(caption)} · '
            f"{how} in {self.last_redraw_ms:.0f} ms</span>"
            f'<span class="helpers-headline">{html.escape(caption)}. '
            f"{html.escape(self.alt_text.split('. ')[0])}</span>"
            f'<span class="helpers-alt">{html.escape(self.alt_text)}</span>'
        )
        self._show_setting()

    def _warm_up_when_idle(self):
        """A panel that has only shown stored frames has never laid out its canvas, so its first
        drawn frame would pay the layout and a full draw (~0.3 s for the playground, the
        longest wait of a class that moves together: every kernel found its first frames in
        the store). Once no panel of the kernel has redrawn for WARM_UP_DELAY_S, draw the
        current values on the canvas, unsent, so that the first new frame is as quick as the
        next. (It costs one draw per panel shown, also for a panel nobody moves; and a panel
        laid out once that then shows stored frames of other content lays out again when it
        next draws, as any panel does when its content changes.)"""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # headless: nobody waits for a first frame
            return
        if self._warm_up_pending is None:
            self._warm_up_pending = loop.call_later(WARM_UP_DELAY_S, self._warm_up)

    def _warm_up(self):
        self._warm_up_pending = None
        if self._laid_out_for is not None:  # a redraw drew meanwhile
            return
        busy = time.perf_counter() - _last_redraw_in_this_kernel < WARM_UP_DELAY_S / 2
        if busy or self._pending is not None:
            self._warm_up_when_idle()  # the student is using this panel or another: later
            return
        try:
            self._draw_canvas()
        except Exception:  # the next redraw draws it again and shows the error in the panel
            self._laid_out_for = None

    def _key(self) -> str:
        return self.store.key(self.figure, self.values, self.dpi)

    def _claim(self):
        """The stored frame for the current values, or the right to draw it (``FrameStore.claim``;
        None without a store): when a class moves together, one kernel draws the new frame and
        the others, asking meanwhile, wait for it and show it instead of drawing it too."""
        if self.store is None:
            return contextlib.nullcontext(None)
        return self.store.claim(self._key())

    def _draw_and_send(self) -> str:
        """Draw the current values on the live canvas and send it as PNG; returns its
        description."""
        self._draw_canvas()
        # Fast compression: a slightly larger PNG over a local socket beats 10 ms of zlib.
        png = canvas_png(self._canvas, compress_level=1)
        described = describe(self._canvas)  # ~1 ms: read from what was drawn
        with self.image.hold_sync():
            self.image.format, self.image.value = "png", png
        return described

    def _draw_canvas(self):
        """The current values drawn on the live canvas (recycled axes, composed frame)."""
        with lecture_style():
            self._render()
            self._compositor.draw()

    def _render(self):
        """Draw the figure on recycled axes, and lay it out anew only when an axes' content
        changed (constrained layout measures every text: two thirds of a full draw)."""
        fig = self._canvas
        fig.set_layout_engine("none")
        self._recycler.begin()
        self.figure.draw(fig, **self.values)  # (redraw holds the lecture style)
        self.figure.apply_frame(fig, self.values)
        self._recycler.end()
        for ax in fig.axes:  # axes the drawing made itself too (a twin, an inset)
            prepare(ax)
        _autoscale_where_a_new_figure_would(fig)
        content = self._content_signature()
        if content != self._laid_out_for:
            # How many ticks fit depends on the axes' size, which the layout changes: lay out
            # again while that changes the tick labels (once more, at most twice).
            for _ in range(3):
                fig.set_layout_engine("constrained")
                fig.get_layout_engine().execute(fig)
                fig.set_layout_engine("none")
                self.layout_count += 1
                settled, content = content, self._content_signature()
                if content == settled:
                    break
            self._laid_out_for = content
            # The layout also places the figure's suptitle and super-labels; a drawing makes
            # them anew each frame, so keep where the layout put them.
            self._sup_positions = {
                kind: text.get_position()
                for kind, text in _sup_texts(fig).items()
                if getattr(text, "_autopos", False)
            }
        else:
            for kind, text in _sup_texts(fig).items():
                if getattr(text, "_autopos", False) and kind in self._sup_positions:
                    text.set_position(self._sup_positions[kind])

    def _content_signature(self):
        """What takes room in the layout, so that a change of it needs a new layout: which axes
        there are, their scales, how wide and tall their tick labels are and their axis
        labels, whether a title is there and its lines (not what it says: a title that prints a
        number changing with every step costs no layout), and the legends. New limits whose tick
        labels take as much room as before reuse the layout (it measures every text: ~50 ms)."""
        fig = self._canvas

        def room(text):
            content = text.get_text()
            return (bool(content), content.count("\n"), text.get_fontsize())

        renderer = fig.canvas.get_renderer()
        extents = self._label_extents
        if len(extents) > 5000:
            extents.clear()

        def extent(label):
            # a text's size depends on what it says and how, not on where: measured once
            key = (label.get_text(), hash(label.get_fontproperties()), label.get_rotation())
            if key not in extents:
                extents[key] = tuple(label.get_window_extent(renderer).size)
            return extents[key]

        def ticks(axis):
            # the room the tick labels a draw would paint (major and minor) take from the
            # layout: their height below or above an x axis, their width beside a y axis
            # (constrained layout lets x tick labels overhang sideways)
            across = 1 if axis.axis_name == "x" else 0
            sizes = [
                extent(label)[across]
                for tick in axis._update_ticks()
                for label in (tick.label1, tick.label2)
                if label.get_visible() and label.get_text()
            ]
            room = float(np.ceil(max(sizes))) if sizes else 0.0
            return (
                axis.get_scale(),
                axis.get_visible(),
                room,
                axis.label.get_text(),
                axis.get_label_position(),
                axis.get_ticks_position(),
            )

        axes = tuple(
            (
                id(ax),
                ax.axison,
                ticks(ax.xaxis),
                ticks(ax.yaxis),
                tuple(room(t) for t in (ax.title, ax._left_title, ax._right_title)),
            )
            for ax in fig.axes
        )
        legends = tuple((len(legend.texts), legend._ncols) for legend in fig.legends)
        return (axes, tuple(room(t) for t in fig.texts), legends)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)
