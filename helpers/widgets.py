"""The one control panel of the course: wires an ``InteractiveFigure`` to widgets in one call.

Design, for a lecturer dragging a slider on a projector:
- the figure is one persistent matplotlib ``Figure`` rendered to PNG into one ``Image``
  widget, so a redraw swaps the picture in place: no flicker, no stacked outputs;
- changes are debounced (a burst of slider events gives one redraw, the last);
- every control is bounded by the figure's parameter ranges (sliders clamp, dropdowns only
  offer valid choices), so the panel cannot reach an invalid state;
- an exception inside a redraw is shown in the panel in red, not swallowed, and the previous
  picture stays;
- preset buttons jump to the figure's named settings (the same presets the handouts show).
"""
from __future__ import annotations

import asyncio
import html
import math
import time
import traceback

import ipywidgets as W

from .figures import BoolParam, ChoiceParam, FloatParam, InteractiveFigure, IntParam, canvas_png
from .layers import LayeredCanvas
from .plots import lecture_style, new_figure

CUSTOM = "(custom)"


def make_control(name: str, param) -> W.ValueWidget:
    style = {"description_width": "initial"}
    # Long tracks: a lecturer drags them on a projector, where a short slider jumps in big steps.
    layout = W.Layout(width="380px")
    description = param.label or name
    if isinstance(param, IntParam):
        return W.IntSlider(value=param.default, min=param.low, max=param.high, step=param.step,
                           description=description, style=style, layout=layout)
    if isinstance(param, FloatParam) and param.log:
        return W.FloatLogSlider(value=param.default, base=10, min=math.log10(param.low),
                                max=math.log10(param.high), step=param.step,
                                description=description, readout_format=".3g", style=style,
                                layout=layout)
    if isinstance(param, FloatParam):
        return W.FloatSlider(value=param.default, min=param.low, max=param.high, step=param.step,
                             description=description, style=style, layout=layout)
    if isinstance(param, ChoiceParam):
        return W.Dropdown(options=list(param.choices), value=param.default,
                          description=description, style=style, layout=layout)
    if isinstance(param, BoolParam):
        return W.Checkbox(value=param.default, description=description, indent=False)
    raise TypeError(f"no control for parameter type {type(param).__name__}")


class ControlPanel:
    """Controls + preset buttons + the figure + a status line, for one InteractiveFigure."""

    def __init__(self, figure: InteractiveFigure, *, debounce_seconds: float = 0.05,
                 dpi: int = 80, **initial):
        self.figure = figure
        self.debounce_seconds = debounce_seconds
        self.values = figure.resolve(**initial)
        self.controls = {name: make_control(name, p) for name, p in figure.params.items()}
        for name, control in self.controls.items():
            control.value = self.values[name]
            control.observe(self._on_change, names="value")
        self.presets = W.ToggleButtons(options=[CUSTOM, *figure.presets], value=CUSTOM,
                                       description="presets", style={"button_width": "auto"})
        self.presets.observe(self._on_preset, names="value")
        self.image = W.Image(format="png", layout=W.Layout(max_width="100%"))
        self.status = W.HTML()
        self.error = W.HTML()
        self.widget = W.VBox([W.HBox(list(self.controls.values()), layout=W.Layout(flex_flow="row wrap")),
                              self.presets, self.image, self.status, self.error])
        self._canvas = new_figure(figure.figsize, dpi=dpi)
        self._layers = LayeredCanvas(self._canvas)
        self._layout = None  # axes positions from the last full (constrained) layout
        self._pending = None
        self._applying_preset = False
        self.redraw_count = 0
        self.last_redraw_ms = math.nan
        self.redraw()

    # -- events -------------------------------------------------------------------------
    def _on_change(self, change):
        if not self._applying_preset:
            self.presets.value = CUSTOM
            self._schedule()

    def _on_preset(self, change):
        if change["new"] != CUSTOM:
            self._layout = None  # a preset may change titles and tick labels a lot: lay out anew
            self.set(**self.figure.presets[change["new"]], _preset=change["new"])

    def _schedule(self):
        """Redraw once the controls have been still for ``debounce_seconds``. In a kernel the
        event loop is running; headless (tests, benchmark) there is none, so redraw at once."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None or self.debounce_seconds <= 0:
            self.redraw()
            return
        if self._pending is not None:
            self._pending.cancel()
        self._pending = loop.call_later(self.debounce_seconds, self.redraw)

    # -- API ----------------------------------------------------------------------------
    def set(self, _preset: str | None = None, **values) -> "ControlPanel":
        """Set several controls at once (one redraw), as a preset button does."""
        resolved = self.figure.resolve(**{**self.values, **values})
        self._applying_preset = True
        try:
            for name, value in resolved.items():
                self.controls[name].value = value
        finally:
            self._applying_preset = False
        if _preset is None:
            self.presets.value = CUSTOM
        self._schedule()
        return self

    def redraw(self):
        self._pending = None
        values = {name: control.value for name, control in self.controls.items()}
        start = time.perf_counter()
        try:
            self.values = self.figure.resolve(**values)
            with lecture_style():
                self._render()
                self._layers.draw()
            # Fast compression: a slightly larger PNG over a local socket beats 10 ms of zlib.
            self.image.value = canvas_png(self._canvas, compress_level=1)
        except Exception as error:  # shown in the panel: a lecture must not die on a slider
            self.error.value = (f'<pre style="color:#D55E00;white-space:pre-wrap">{html.escape(type(error).__name__)}: '
                                f"{html.escape(str(error))}\n{html.escape(traceback.format_exc(limit=3))}</pre>")
            return
        self.error.value = ""
        self.redraw_count += 1
        self.last_redraw_ms = (time.perf_counter() - start) * 1000
        self.status.value = (f"<small>{html.escape(self.figure.caption(**self.values))} · "
                             f"redrawn in {self.last_redraw_ms:.0f} ms</small>")

    def _render(self):
        """Draw the figure, reusing the last layout when the axes are the same.

        Constrained layout measures every tick label to place the axes: two thirds of a redraw's
        time. While a slider moves, the axes stay where they were; the layout is recomputed when
        the number of axes changes or a preset is chosen."""
        canvas = self._canvas
        canvas.set_layout_engine("none")
        self.figure.render(canvas, **self.values)
        axes = canvas.axes
        if self._layout is None or len(self._layout) != len(axes):
            canvas.set_layout_engine("constrained")
            canvas.canvas.draw()
            canvas.set_layout_engine("none")
            self._layout = [ax.get_position() for ax in axes]
            self._layers.forget()
        else:
            for ax, position in zip(axes, self._layout):
                ax.set_position(position)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)
