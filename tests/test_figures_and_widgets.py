"""Interactive figures: the specification (helpers.figures), the live panel and the gallery
(helpers.display). The panel must make any plain-matplotlib figure correct live: every frame
equals a full draw of the same canvas and a drawing of the same values on a fresh figure."""

import time

import numpy as np
import psutil
import pytest
from matplotlib.text import Text

import helpers
from helpers.bench import drag_values
from helpers.display.explorable import Explorable
from helpers.display.panel import CUSTOM, ControlPanel
from helpers.display.recycling import prepare
from helpers.figures import (
    STATIC_ENV,
    BoolParam,
    ChoiceParam,
    FloatParam,
    InteractiveFigure,
    IntParam,
    interactive_figure,
)
from helpers.plots import lecture_style, new_figure

FIGURE_NAMES = sorted(helpers.FIGURES)


def naive_figure(fig, n, scale, log, flip, style):
    """A figure written the way anyone writes matplotlib, changing axes state from preset to
    preset: scales, fixed ticks, an inverted axis, legends inside the axes, annotations, bars,
    mathtext, tick parameters, an axis switched off, a twin axes, categories."""
    ax, other = fig.subplots(1, 2)
    x = np.arange(1, n + 1)
    ax.plot(x, scale * x**1.5, label="power")
    ax.plot(x, scale * np.sqrt(x), label="root")  # the colour cycle must start again each frame
    ax.bar(x, scale * x, alpha=0.3, label="bars")
    if log:
        ax.set_yscale("log")
    if flip:
        ax.invert_xaxis()
        ax.set_xticks([1, n], ["first", "last"])
        ax.tick_params(axis="y", labelsize=9, colors="purple")
    ax.legend(loc="upper left")
    ax.annotate(
        "peak",
        xy=(n, scale * n**1.5),
        xytext=(-40, -20),
        textcoords="offset points",
        arrowprops={"arrowstyle": "->"},
    )
    ax.set_title(rf"$\sum_k k^{{1.5}}$ for $n = {n}$")
    if style == "off":
        other.axis("off")
        other.text(0.5, 0.5, "nothing here", ha="center")
    elif style == "twin":
        other.plot(x, np.cos(x))
        other.twinx().plot(x, np.sin(x), color="red")
    elif style == "categories":  # a unit-converting axis, then (next preset) a numeric one
        other.bar(["first", "second", "third"], [1, n, scale])
    else:
        other.scatter(x, np.cos(x), c=x)
        other.set_aspect("auto")
        other.set_xlabel("k")
    fig.suptitle(f"naive: n = {n}, scale {scale:.3g}")


NAIVE = InteractiveFigure(
    "naive_test_figure",
    "tests",
    naive_figure,
    {
        "n": IntParam(2, 30, 8),
        "scale": FloatParam(0.1, 100.0, 1.0),
        "log": BoolParam(False),
        "flip": BoolParam(False),
        "style": ChoiceParam(("plain", "off", "twin", "categories"), "plain"),
    },
    {
        "log": {"log": True},
        "flipped": {"flip": True, "n": 12},
        "off": {"style": "off", "scale": 40.0},
        "twin": {"style": "twin", "log": True},
        "categories": {"style": "categories"},
        "categories again": {"style": "categories", "n": 12},
        "plain": {},
    },
)


def all_figures():
    return [helpers.FIGURES[n] for n in FIGURE_NAMES] + [NAIVE]


def figure_ids():
    return FIGURE_NAMES + [NAIVE.name]


def pixels(fig):
    return np.asarray(fig.canvas.buffer_rgba()).copy()


def assert_same_pixels(a, b, what):
    assert a.shape == b.shape, what
    differing = np.argwhere((a != b).any(axis=2))
    assert len(differing) == 0, f"{what}: {len(differing)} pixels differ, first at {differing[0]}"


def fresh_drawing(panel):
    """The panel's current values drawn on a brand-new figure, its axes where the panel put
    its own (what the live frame must equal, pixel for pixel)."""
    fig = new_figure(panel.figure.figsize, dpi=panel._canvas.dpi)
    with lecture_style():
        panel.figure.render(fig, **panel.values)
        fig.canvas.draw()  # constrained layout, as the panel lays out
        for ax in fig.axes:
            prepare(ax)
        fig.set_layout_engine("none")
        for ours, theirs in zip(fig.axes, panel._canvas.axes):
            ours.set_position(theirs.get_position())
        fig.canvas.draw()
    return fig


@pytest.mark.parametrize("name", FIGURE_NAMES)
def test_every_figure_renders_its_worst_case(name):
    """(Its defaults and presets are drawn, and checked for data, by the walk above.)"""
    figure = helpers.FIGURES[name]
    assert figure.presets, "a figure needs presets for its handout gallery"
    fig = figure.render(**figure.expensive)
    assert fig.axes and all(ax.has_data() for ax in fig.axes)


def _texts(fig):
    """Every visible, non-empty text a viewer sees: titles, labels, tick labels in view,
    legends' texts, annotations."""
    found = []
    for text in fig.findobj(Text):
        if (
            not text.get_visible()
            or not text.get_text().strip()
            or text.get_figure(root=True) is not fig
        ):
            continue
        if any(
            text in (t.label1, t.label2)
            for ax in fig.axes
            for axis in (ax.xaxis, ax.yaxis)
            for t in axis.majorTicks + axis.minorTicks
        ):
            continue  # tick labels are collected below, only those a draw paints
        found.append(text)
    for ax in fig.axes:
        if not ax.axison:
            continue
        for axis in (ax.xaxis, ax.yaxis):
            for tick in axis._update_ticks():  # the ticks a draw paints, as it places them
                found.extend(
                    label
                    for label in (tick.label1, tick.label2)
                    if label.get_visible() and label.get_text()
                )
    return found


def _check_texts(fig, where, *, drawn=False):
    with lecture_style():  # (how many ticks fit depends on the style's tick font size)
        if not drawn:  # a text whose pixels the panel pasted was not laid out again
            fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in _texts(fig)]
    frame = fig.bbox
    for text, box in boxes:
        assert (
            box.x0 >= frame.x0 - 1
            and box.x1 <= frame.x1 + 1
            and box.y0 >= frame.y0 - 1
            and box.y1 <= frame.y1 + 1
        ), f"{where}: {text!r} is cut off at the figure's edge ({box.bounds})"
    for i, (a, box_a) in enumerate(boxes):
        for b, box_b in boxes[i + 1 :]:
            overlap_x = min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0)
            overlap_y = min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0)
            assert not (overlap_x > 1 and overlap_y > 1), f"{where}: {a!r} and {b!r} overlap"


def _range_values(param):
    if isinstance(param, IntParam):
        return [param.low, (param.low + param.high) // 2, param.high]
    if isinstance(param, FloatParam):
        return [param.low, param.high]
    if isinstance(param, ChoiceParam):  # the first, the default and the last choice
        return list(dict.fromkeys([param.choices[0], param.default, param.choices[-1]]))
    return [False, True]


@pytest.mark.parametrize("figure", all_figures(), ids=figure_ids())
def test_every_frame_is_exact_readable_and_leaves_nothing_behind(figure):
    """One walk of the live panel per figure: a drag of its slider (a step up, and a step down
    as a lecturer grabs it again), every preset, and each parameter's ends. The panel reuses
    axes (recycling), the layout and the axes' drawn background (compositor), so every frame
    must be pixel for pixel a full draw of the same canvas; after a drag or a preset also what
    the same values give drawn from scratch on a new figure. No text may be cut off at the
    figure's edge or overlap another, no panel may be empty, and walking the presets must leave
    the same axes with nothing left behind. While dragging, no axes is cleared in full. (No
    frame store: every value is drawn, none read.)"""
    panel = ControlPanel(figure, store=None)
    axes_before = list(panel._canvas.axes)
    children_before = [len(ax.get_children()) for ax in axes_before]
    frames = 0

    def check(what, *, against_fresh_figure):
        nonlocal frames
        assert panel.error.value == "", f"{what}: {panel.error.value}"
        composed = pixels(panel._canvas)
        with lecture_style():  # (how many ticks fit depends on the style's tick font size)
            panel._canvas.canvas.draw()
        assert_same_pixels(composed, pixels(panel._canvas), f"{what}: composed vs full draw")
        if against_fresh_figure:
            assert_same_pixels(
                composed, pixels(fresh_drawing(panel)), f"{what}: live vs fresh figure"
            )
        if figure is not NAIVE:  # (the naive figure's texts are not laid out with care)
            assert all(ax.has_data() for ax in panel._canvas.axes if ax.get_visible()), (
                f"{what}: an empty panel"
            )
            _check_texts(panel._canvas, what, drawn=True)
        frames += 1

    name, values = drag_values(panel, 2)
    image_widget = panel.image
    for value in values:
        before = panel.image.value
        panel.controls[name].value = value
        # the picture is redrawn in place: the same Image widget, a new picture
        assert (
            panel.values[name] == value
            and panel.image is image_widget
            and panel.image.value != before
        )
        check(f"{name} = {value}", against_fresh_figure=True)
        # the axes were reset cheaply: a full clear (cla: ~11 ms, every tick made anew) is only
        # for what the cheap reset cannot undo, and no chapter's figure needs one while dragging
        # (titles in a font size of their own, an equal aspect, log axes and heat maps included)
        assert figure is NAIVE or panel._recycler.full_clears == 0, (
            f"{name} = {value}: an axes cleared in full"
        )
    for preset in figure.presets:
        panel.presets.value = preset
        check(f"preset {preset}", against_fresh_figure=True)
    assert frames == len(values) + len(figure.presets)
    panel.set(**figure.defaults())
    if figure is not NAIVE:  # (its twin-axes preset makes axes of its own)
        assert panel._canvas.axes == axes_before  # same Axes objects, none added
    assert [len(ax.get_children()) for ax in panel._canvas.axes] == children_before
    if figure is NAIVE:
        return
    for param_name, param in figure.params.items():  # each one's ends, from the defaults
        for value in [v for v in _range_values(param) if v != figure.defaults()[param_name]]:
            panel.set(**{**figure.defaults(), param_name: value})
            check(f"{param_name} = {value}", against_fresh_figure=False)


@pytest.mark.parametrize("name", FIGURE_NAMES)
def test_a_preset_sets_every_parameter_exactly_and_stays_lit(name):
    """The panel's preset logic with the figure's own parameters and presets, drawn as a blank
    figure: what each preset draws is the walk's business (above), and drawing it twice more
    here would double the suite's time for nothing this test looks at."""
    from dataclasses import replace

    figure = replace(helpers.FIGURES[name], draw=lambda fig, **values: fig.subplots().plot([0, 1]))
    panel = ControlPanel(figure)
    presets = list(figure.presets)
    if panel.presets.value in presets:  # lit at load: start from the next one
        start = presets.index(panel.presets.value) + 1
        presets = presets[start:] + presets[:start]
    for preset in presets + presets[-2::-1]:  # each preset after another one
        before = panel.redraw_count
        panel.presets.value = preset
        assert panel.error.value == "", f"{preset}: {panel.error.value}"
        assert panel.values == figure.preset(preset), f"{preset}: {panel.values}"
        assert {n: c.value for n, c in panel.controls.items()} == figure.preset(preset)
        assert panel.redraw_count == before + 1
        assert panel.presets.value == preset
    slider, values = drag_values(panel, 1)
    panel.controls[slider].value = values[0]  # the lecturer moves a control: no preset is lit
    assert panel.presets.value == CUSTOM


def test_a_panel_whose_values_are_a_preset_lights_it_from_the_start():
    assert helpers.show("variance_theory").presets.value == "Xavier"
    assert helpers.show("variance_theory", depth=7).presets.value == CUSTOM


def test_a_preset_does_not_keep_values_from_the_setting_before():
    panel = helpers.show("variance_theory")
    panel.presets.value = "He (ReLU)"
    panel.presets.value = "orthogonal"
    assert panel.values["activation"] == "tanh" and panel.values["init"] == "orthogonal"


def test_the_chain_weight_slider_holds_the_presets_weights_exactly():
    panel = helpers.show("chain_product")
    panel.presets.value = "w = 8, b = −4 (pushed into the tails)"
    assert panel.controls["weight"].value == 8.0
    assert "w = 8," in panel._canvas._suptitle.get_text()
    assert "weight w 8 ·" in helpers.FIGURES["chain_product"].caption(**panel.values) + " ·"


def test_a_control_that_does_not_affect_the_figure_is_greyed_out():
    panel = helpers.show("variance_theory")
    assert panel.controls["std"].disabled and not panel.controls["depth"].disabled
    panel.controls["init"].value = "custom std"
    assert not panel.controls["std"].disabled
    panel.presets.value = "Xavier"
    assert panel.controls["std"].disabled


def test_the_panel_picture_is_a_png_of_exactly_the_canvas():
    """(The panel writes its PNG itself, without Pillow's row filters: Pillow decodes it.)"""
    import io

    from PIL import Image

    panel = helpers.show("gradient_flow")
    decoded = Image.open(io.BytesIO(panel.image.value))
    decoded.verify()  # the chunks' checksums
    decoded = np.asarray(Image.open(io.BytesIO(panel.image.value)))
    assert decoded.shape[2] == 3 and np.array_equal(decoded, pixels(panel._canvas)[:, :, :3])


def test_the_picture_is_shown_at_the_size_it_is_drawn():
    panel = helpers.show("gradient_flow")
    width, _ = panel._canvas.canvas.get_width_height()
    assert panel.image.layout.width == f"{width}px" and panel.image.layout.max_width == "100%"
    assert width >= 1000


def test_controls_cannot_leave_the_valid_range():
    panel = helpers.show("gradient_flow")
    panel.controls["depth"].value = 10_000
    assert panel.values["depth"] == panel.figure.params["depth"].high
    with pytest.raises(Exception):
        panel.controls["activation"].value = "not-an-activation"
    assert panel.values["activation"] in helpers.ACTIVATIONS


def test_an_error_while_drawing_is_shown_in_the_panel():
    def draw(fig, n):
        if n == 3:
            raise RuntimeError("the lecture must go on")
        fig.subplots().plot(range(n))

    figure = InteractiveFigure("failing", "test", draw, {"n": IntParam(1, 5, 2)}, {"two": {"n": 2}})
    panel = ControlPanel(figure)
    good_image = panel.image.value
    panel.controls["n"].value = 3
    assert "RuntimeError" in panel.error.value and "the lecture must go on" in panel.error.value
    assert panel.image.value == good_image  # the last good picture stays
    panel.controls["n"].value = 4
    assert panel.error.value == ""


def test_the_panel_says_it_is_drawing_while_a_long_redraw_draws():
    """A redraw longer than BUSY_AFTER_S carries the class "helpers-busy" (its CSS dims the
    picture and says "drawing…") until it ends, failed or not; a quick redraw never sends it."""
    import time

    from helpers.display.panel import BUSY_AFTER_S

    seen, panels = [], []

    def draw(fig, n):
        if panels and n >= 4:  # (the first draw is made while the panel is built)
            time.sleep(BUSY_AFTER_S + 0.15)
            seen.append("helpers-busy" in panels[0].widget._dom_classes)
        if n == 5:
            raise RuntimeError("failed")
        fig.subplots().plot(range(n))

    figure = InteractiveFigure("busy", "test", draw, {"n": IntParam(1, 5, 2)}, {"two": {"n": 2}})
    panel = ControlPanel(figure, store=None)
    panels.append(panel)
    sent = []
    panel.widget.observe(lambda change: sent.append(change["new"]), names="_dom_classes")
    panel.controls["n"].value = 3  # quick: nothing sent for the cue
    assert sent == []
    for n in (4, 5):  # long, then long and failing
        panel.controls["n"].value = n
        assert "helpers-busy" not in panel.widget._dom_classes
    assert seen == [True, True] and len(sent) == 4  # set and taken away, twice
    assert "RuntimeError" in panel.error.value
    assert "drawing…" in panel.widget.children[0].value  # the CSS that shows it


def test_static_mode_shows_an_explorable_printed_as_a_gallery_of_presets(monkeypatch, tmp_path):
    monkeypatch.setenv(STATIC_ENV, "1")
    monkeypatch.setenv("HELPERS_FRAMES", str(tmp_path))
    block = helpers.show("gradient_flow")
    assert isinstance(block, Explorable)
    page = block._repr_html_()
    figure = helpers.FIGURES["gradient_flow"]
    # the printed gallery: one picture per preset; the explorer's picture is filled by script
    assert page.count('<figure class="gallery-panel"><img') == len(figure.presets)
    assert "depth 20 · width 64 · sigmoid · xavier_normal" in page
    assert 'data-figure="gradient_flow"' in page and 'type="range"' in page


def test_unknown_figure_and_parameter_values_are_refused_clearly():
    with pytest.raises(ValueError, match="figure must be one of .*'gradient_flow'"):
        helpers.show("gradient_flw")
    figure = helpers.FIGURES["gradient_flow"]
    with pytest.raises(ValueError, match="depth must be a whole number from 1 to 50; got 51"):
        figure.render(depth=51)
    with pytest.raises(ValueError, match="has no parameter colour"):
        figure.render(colour="red")
    with pytest.raises(
        ValueError, match=r"weight w|weight must be a number in \[0.1, 20.0\]; got 'heavy'"
    ):
        helpers.FIGURES["chain_product"].render(weight="heavy")


def test_a_preset_outside_the_ranges_is_refused_at_definition():
    with pytest.raises(ValueError, match="preset 'too deep': n must be a whole number from 1 to 5"):
        InteractiveFigure(
            "bad", "test", lambda fig, n: None, {"n": IntParam(1, 5, 2)}, {"too deep": {"n": 9}}
        )


def test_overflow_is_drawn_not_raised():
    """A setting that overflows float32 draws a figure that says so, with the bad layers marked."""
    figure = helpers.FIGURES["exploding_gradient_flow"]
    values = figure.presets["ReLU, gain 10, 50 layers: overflow"]
    from helpers.chapters.exploding_gradients import gain_profile

    full = figure.resolve(**values)
    assert not gain_profile(full["depth"], full["width"], full["activation"], full["gain"]).finite
    fig = figure.render(**values)
    assert "non-finite values first in the forward pass" in fig._suptitle.get_text()
    labels = [line.get_label() for ax in fig.axes for line in ax.get_lines()]
    assert "non-finite (overflow)" in labels


def test_captions_leave_out_parameters_that_do_not_apply():
    figure = helpers.FIGURES["variance_theory"]
    assert "std (custom init) 0.25" in figure.caption(**figure.presets["too large"])
    assert "std" not in figure.caption(**figure.presets["Xavier"]).replace("xavier_normal", "")


@pytest.mark.parametrize(
    "name, slider",
    [("gradient_flow", "depth"), ("matrix_product_norm", "scale"), ("variance_theory", "depth")],
)
def test_a_slider_drag_reuses_the_background(name, slider):
    panel = helpers.show(name)
    draws_before = panel._compositor.background_draws
    name_, values = drag_values(panel, 4)
    assert name_ == slider
    for value in values:
        panel.controls[slider].value = value
    assert panel.redraw_count == 5
    assert (
        panel._compositor.background_draws - draws_before <= 2
    )  # 4 redraws, at most 2 new backgrounds
    if name == "variance_theory":  # its titles do not mention the depth: their pixels are reused
        assert panel._compositor.sprites_reused >= 2


def test_chapter_figures_import_nothing_from_the_display_machinery():
    import pathlib
    import re

    chapters = pathlib.Path(helpers.__file__).parent / "chapters"
    for path in chapters.glob("*.py"):
        assert not re.search(r"\bdisplay\b|recycling|compositor", path.read_text()), path.name


def test_a_figure_registered_by_a_lecturer_is_shown_live():
    @interactive_figure(
        notebook="99_mine",
        params={"a": FloatParam(0.1, 10.0, 1.0)},
        presets={"one": {"a": 1.0}},
        name="lecturers_own_figure",
    )
    def mine(fig, a):
        fig.subplots().plot([0, 1], [0, a])

    try:
        panel = helpers.show("lecturers_own_figure")
        assert panel.error.value == "" and panel.image.value
    finally:
        del helpers.FIGURES["lecturers_own_figure"]


@pytest.mark.parametrize("name", FIGURE_NAMES)
def test_a_setting_line_gives_back_exactly_the_setting(name):
    figure = helpers.FIGURES[name]
    for values in [
        figure.defaults(),
        figure.expensive,
        *(figure.preset(p) for p in figure.presets),
    ]:
        full = figure.resolve(**values)
        assert figure.parse_state(figure.state(**full)) == full


@pytest.mark.parametrize(
    "line, message",
    [
        ("depth=abc", "depth must be a whole number from 1 to 50; got 'abc'"),
        ("depth=99", "depth must be a whole number from 1 to 50; got 99"),
        ("colour=red", "has no parameter 'colour'; its parameters are depth, width"),
        ("depth", "a setting is name=value pairs joined by '&'"),
        ("init=nonsense", "init must be one of 'small'"),
    ],
)
def test_a_bad_setting_line_is_refused_clearly(line, message):
    with pytest.raises(ValueError, match=message):
        helpers.FIGURES["variance_theory"].parse_state(line)


def test_a_pasted_setting_sets_the_panel_and_a_bad_one_is_said_and_undone():
    figure = helpers.FIGURES["variance_theory"]
    panel = helpers.show("variance_theory")
    assert panel.setting.value == figure.state(**panel.values)
    panel.setting.value = "depth=7&activation=relu&init=he_normal"
    assert panel.values["depth"] == 7 and panel.values["init"] == "he_normal"
    assert panel.presets.value == CUSTOM and panel.setting.value == figure.state(**panel.values)
    panel.setting.value = figure.state(**figure.preset("too large"))  # a preset's line lights it
    assert panel.presets.value == "too large" and panel.values == figure.preset("too large")
    before = dict(panel.values)
    panel.setting.value = "depth=999"
    assert "not applied" in panel.error.value and "from 1 to 50" in panel.error.value
    assert panel.values == before and panel.setting.value == figure.state(**before)


def test_an_instructor_shows_only_the_controls_taught_so_far():
    panel = helpers.show("variance_theory", controls=["depth", "activation"])
    shown = [name for name, control in panel.controls.items() if control.layout.display != "none"]
    assert shown == ["depth", "activation"]
    panel.presets.value = "He (ReLU)"  # presets still set the hidden controls
    assert panel.values["init"] == "he_normal"
    with pytest.raises(
        ValueError, match="controls must be a list of 'variance_theory''s parameters"
    ):
        helpers.show("variance_theory", controls=["depht"])


def test_a_gallery_caption_carries_the_setting_line(monkeypatch, tmp_path):
    monkeypatch.setenv(STATIC_ENV, "1")
    monkeypatch.setenv("HELPERS_FRAMES", str(tmp_path))
    gallery = helpers.show("chain_product", controls=["depth"])
    figure = helpers.FIGURES["chain_product"]
    first = next(iter(figure.presets))
    assert html_escape(figure.state(**figure.preset(first))) in gallery._repr_html_()


def html_escape(text):
    import html

    return html.escape(text)


def test_the_class_load_test_refuses_bad_class_sizes_and_prints_a_table():
    """(The load test itself starts Voilà and Chromium with tens of kernels: minutes, not a unit
    test. Its numbers are in the README; here its interface.)"""
    from helpers import bench, classload

    with pytest.raises(ValueError, match="class sizes must be whole numbers from 1 to 60"):
        classload.measure([0])
    with pytest.raises(ValueError, match="modes must be among together, independent"):
        classload.measure([2], modes=("alone",))
    with pytest.raises(ValueError, match="a hub has none: choose one"):
        classload.measure([2], preheat=True, hub=True)
    with pytest.raises(SystemExit):
        bench.main(["--class", "100"])
    report = {
        "class": [
            {
                "students": 10,
                "mode": "independent",
                "settings": 10,
                "rendered": 10,
                "moved": 10,
                "median_ms": 120.0,
                "p95_ms": 300.0,
                "load_s_median": 9.5,
                "load_s_max": 14.25,
                "kernel_rss_mb_max": 370.0,
                "total_rss_mb": 3900.0,
                "outputs_dropped": 0,
            }
        ],
        "first_failing_students": {"independent": None},
        "failing_p95_ms": 1000.0,
        "notebook": "10_playground.ipynb",
        "cpus": 2,
    }
    printed = classload.table(report)
    assert (
        "independent       10       10       10     10             9.5, 14.2        120      300"
        in printed
    )
    assert "first failing class size: independent none of those tried" in printed
    assert not classload._failed(report["class"][0])
    assert classload._failed({**report["class"][0], "p95_ms": 1500.0})
    assert classload._failed({**report["class"][0], "outputs_dropped": 1})  # a page lacks it


def test_the_kernel_count_skips_a_kernel_that_has_exited_but_is_not_yet_reaped():
    """Voilà reaps a shut-down kernel a moment later; in between the kernel is a zombie, whose
    command line psutil refuses to read (it crashed the reload test in CI). Counted: live ones."""
    import os
    import subprocess
    import sys

    from helpers.classload import kernel_processes

    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "ipykernel"])
    exited = subprocess.Popen([sys.executable, "-c", "pass", "ipykernel"])
    try:
        deadline = time.time() + 10
        while time.time() < deadline:  # not waited for, so it stays a zombie
            if psutil.Process(exited.pid).status() == psutil.STATUS_ZOMBIE:
                break
            time.sleep(0.05)
        assert psutil.Process(exited.pid).status() == psutil.STATUS_ZOMBIE
        assert [p.pid for p in kernel_processes(os.getpid())] == [live.pid]
    finally:
        live.kill()
        live.wait()
        exited.wait()


def test_the_kernel_count_skips_a_copy_a_kernel_forks_of_itself():
    """A kernel that starts a program forks first: until the child runs the program it is a copy
    of the kernel, command line and all (the flood test in CI counted such a copy as a 4th kernel
    at a cap of 3). A kernel and the copy it forked are one kernel; two kernels side by side, two.
    """
    import os
    import subprocess
    import sys

    from helpers.classload import kernel_processes

    forking = (
        "import os, sys, time\n"
        "if os.fork() == 0:\n"
        "    time.sleep(60); os._exit(0)\n"  # the copy, before it would run a program
        "print('forked', flush=True); time.sleep(60)\n"
    )
    kernel = subprocess.Popen(
        [sys.executable, "-c", forking, "ipykernel"], stdout=subprocess.PIPE, text=True
    )
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "ipykernel"])
    try:
        assert kernel.stdout.readline().strip() == "forked"
        copies = psutil.Process(kernel.pid).children()
        assert len(copies) == 1 and "ipykernel" in " ".join(copies[0].cmdline())
        assert sorted(p.pid for p in kernel_processes(os.getpid())) == sorted(
            [kernel.pid, other.pid]
        )
    finally:
        for process in psutil.Process(kernel.pid).children() + [kernel, other]:
            process.kill()
        kernel.wait()
        other.wait()


def test_the_setting_line_has_no_float_noise():
    """A linear slider's arithmetic (3.9999999999999996 for 4) does not reach the setting line,
    which writes a number as a person would and reads it back exactly."""
    figure = helpers.FIGURES["activation_and_derivative"]
    assert figure.state(z_range=3.9999999999999996) == "activation=sigmoid&z_range=4"
    assert figure.state(z_range=7.499999999999999).endswith("z_range=7.5")
    assert figure.parse_state("z_range=7.5")["z_range"] == 7.5
    panel = ControlPanel(figure, store=None)
    panel.controls["z_range"].value = 4.5
    assert panel.setting.value.endswith("z_range=4.5") and "99999" not in panel.setting.value


def test_a_caption_names_every_value_but_an_activation_or_init_name():
    """'clip norm 0.5 · weight decay 0 · momentum 0 · steps 200', not '0.5 · 0 · 0 · 200'."""
    figure = helpers.FIGURES["playground"]
    caption = figure.caption(clip="0.5", train=True)
    for named in ["norm none", "clip norm 0.5", "weight decay 0", "momentum 0", "steps 200"]:
        assert named in caption, (named, caption)
    assert caption.split(" · ")[2] == "tanh"  # an activation's name says what it is
