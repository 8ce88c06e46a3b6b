import numpy as np
import pytest

import helpers
from helpers.figures import Gallery, InteractiveFigure, IntParam, STATIC_ENV
from helpers.plots import lecture_style
from helpers.widgets import ControlPanel

FIGURE_NAMES = sorted(helpers.FIGURES)


@pytest.mark.parametrize("name", FIGURE_NAMES)
def test_every_figure_renders_its_defaults_presets_and_worst_case(name):
    figure = helpers.FIGURES[name]
    assert figure.presets, "a figure needs presets for its handout gallery"
    for values in [{}, figure.expensive, *figure.presets.values()]:
        fig = figure.render(**values)
        assert fig.axes and all(ax.has_data() for ax in fig.axes)


@pytest.mark.parametrize("name", FIGURE_NAMES)
def test_changing_a_control_redraws_the_image_in_place(name):
    panel = helpers.show(name)
    first_image, image_widget = panel.image.value, panel.image
    control_name, control = next(iter(panel.controls.items()))
    param = panel.figure.params[control_name]
    new_value = param.choices[-1] if hasattr(param, "choices") and param.choices[-1] != control.value \
        else param.choices[0] if hasattr(param, "choices") else param.high
    control.value = new_value
    assert panel.values[control_name] == new_value
    assert panel.image is image_widget and panel.image.value != first_image
    assert panel.error.value == "" and panel.redraw_count == 2


def test_a_preset_button_sets_every_value_with_one_redraw():
    panel = helpers.show("gradient_flow")
    preset = "ReLU + He"
    panel.presets.value = preset
    assert panel.redraw_count == 2
    assert panel.values == panel.figure.resolve(**panel.figure.presets[preset])


def test_controls_cannot_leave_the_valid_range():
    panel = helpers.show("gradient_flow")
    panel.controls["depth"].value = 10_000
    assert panel.values["depth"] == panel.figure.params["depth"].high
    with pytest.raises(Exception):
        panel.controls["activation"].value = "not-an-activation"
    assert panel.values["activation"] in helpers.ACTIVATIONS


def test_an_error_while_drawing_is_shown_in_the_panel():
    calls = []

    def draw(fig, n):
        calls.append(n)
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


def test_static_mode_shows_a_captioned_gallery_of_presets(monkeypatch):
    monkeypatch.setenv(STATIC_ENV, "1")
    gallery = helpers.show("gradient_flow")
    assert isinstance(gallery, Gallery)
    page = gallery._repr_html_()
    assert page.count("<img") == len(helpers.FIGURES["gradient_flow"].presets)
    assert "depth 20 · width 64 · sigmoid · xavier_normal" in page


def test_unknown_figure_and_parameter_values_are_refused_clearly():
    with pytest.raises(ValueError, match="figure must be one of .*'gradient_flow'"):
        helpers.show("gradient_flw")
    figure = helpers.FIGURES["gradient_flow"]
    with pytest.raises(ValueError, match="depth must be a whole number from 1 to 50; got 51"):
        figure.render(depth=51)
    with pytest.raises(ValueError, match="has no parameter colour"):
        figure.render(colour="red")


def test_a_preset_outside_the_ranges_is_refused_at_definition():
    with pytest.raises(ValueError, match="preset 'too deep': n must be a whole number from 1 to 5"):
        InteractiveFigure("bad", "test", lambda fig, n: None, {"n": IntParam(1, 5, 2)}, {"too deep": {"n": 9}})


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


@pytest.mark.parametrize("name", FIGURE_NAMES)
def test_a_redraw_reuses_the_axes_and_leaves_nothing_behind(name):
    figure = helpers.FIGURES[name]
    panel = helpers.show(name)
    axes_before = list(panel._canvas.axes)
    artists_before = [len(ax.get_children()) for ax in axes_before]
    for values in figure.presets.values():
        panel.set(**values)
    panel.set(**{k: v for k, v in figure.defaults().items()})
    assert panel._canvas.axes == axes_before  # same Axes objects, none added
    assert [len(ax.get_children()) for ax in panel._canvas.axes] == artists_before


def test_a_reused_figure_draws_the_same_picture_as_a_fresh_one():
    figure = helpers.FIGURES["activation_depth_sweep"]
    from helpers.figures import png_bytes
    from helpers.plots import new_figure
    reused = new_figure(figure.figsize, dpi=60)
    figure.render(reused, depth=10)
    figure.render(reused, depth=30)
    fresh = figure.render(new_figure(figure.figsize, dpi=60), depth=30)
    assert png_bytes(reused) == png_bytes(fresh)


@pytest.mark.parametrize("name", FIGURE_NAMES)
def test_every_live_frame_is_exactly_what_a_full_draw_gives(name):
    """The live panel redraws the axes' background only when it changed (helpers.layers).
    Walk each figure through a drag of its slider and through its presets: every frame must be
    pixel for pixel a full draw of the same figure."""
    from helpers.bench import fresh_values, slider_of
    panel = helpers.show(name)
    frames_checked = 0

    def check_frame():
        nonlocal frames_checked
        composed = np.asarray(panel._canvas.canvas.buffer_rgba()).copy()
        with lecture_style():
            panel._canvas.canvas.draw()
        full = np.asarray(panel._canvas.canvas.buffer_rgba())
        differing = np.argwhere((composed != full).any(axis=2))
        assert len(differing) == 0, f"{len(differing)} pixels differ, first at {differing[0]}"
        frames_checked += 1

    slider, param = slider_of(panel.figure)
    for value in fresh_values(param, panel.values[slider], 4):
        panel.controls[slider].value = value
        check_frame()
    for preset in panel.figure.presets:
        panel.presets.value = preset
        check_frame()
    assert frames_checked == 4 + len(panel.figure.presets)


@pytest.mark.parametrize("name, slider", [("gradient_flow", "depth"), ("matrix_product_norm", "scale"),
                                          ("variance_theory", "depth")])
def test_a_slider_drag_reuses_the_background(name, slider):
    from helpers.bench import fresh_values
    panel = helpers.show(name)
    draws_before = panel._layers.background_draws
    for value in fresh_values(panel.figure.params[slider], panel.values[slider], 4):
        panel.controls[slider].value = value
    assert panel.redraw_count == 5
    assert panel._layers.background_draws - draws_before <= 2  # 4 redraws, at most 2 new backgrounds
    if name == "variance_theory":  # its titles do not mention the depth: their pixels are reused
        assert panel._layers.sprites_reused >= 2
