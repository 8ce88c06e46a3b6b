import matplotlib.colors
import numpy as np
import pytest

import helpers
from helpers import plots


def test_overlaid_histograms_draw_one_outline_per_layer_and_name_overflowing_layers():
    rng = np.random.default_rng(0)
    values = [rng.normal(0, s, 1000) for s in (1.0, 0.5)] + [np.full(10, np.inf)]
    ax = plots.new_figure().subplots()
    plots.overlaid_layer_histograms(ax, values, value_range=(-3, 3))
    assert [p.get_label() for p in ax.patches] == ["layer 1", "layer 2"]
    assert "non-finite values in layer 3" in ax.texts[0].get_text()


def test_per_layer_marks_non_finite_layers():
    fig = plots.new_figure()
    ax = fig.subplots()
    plots.per_layer(ax, [1.0, 10.0, np.inf, np.nan])
    labels = [line.get_label() for line in ax.get_lines()]
    assert "non-finite (overflow)" in labels
    assert ax.get_yscale() == "log"


def test_training_curves_mark_divergence():
    data = helpers.digits()
    run = helpers.train(
        helpers.mlp(8, 64, "relu", 1.0, in_features=64, out_features=10),
        data,
        steps=50,
        lr=1.0,
        progress=False,
    )
    fig = plots.new_figure()
    ax = fig.subplots()
    plots.training_curves(ax, {"too large": run})
    assert any(f"diverged at step {run.diverged_at}" in t.get_text() for t in ax.texts)


@pytest.mark.parametrize(
    "name", sorted(n for n, f in helpers.FIGURES.items() if {"activation", "first"} & set(f.params))
)
@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_a_figure_draws_an_activation_in_that_activations_colour(name, activation):
    """One colour per thing: wherever a figure is told to show an activation, something it
    draws has that activation's colour from plots.COLORS, and no line takes another
    activation's colour for itself."""
    figure = helpers.FIGURES[name]
    key = "activation" if "activation" in figure.params else "first"
    if activation not in figure.params[key].choices:
        pytest.skip(f"{name} offers only {figure.params[key].choices}")
    fig = figure.render(**{key: activation})
    to_rgb = matplotlib.colors.to_rgb
    drawn = {to_rgb(line.get_color()) for ax in fig.axes for line in ax.get_lines()}
    drawn |= {
        tuple(c[:3]) for ax in fig.axes for coll in ax.collections for c in coll.get_facecolors()
    }
    assert to_rgb(plots.COLORS[activation]) in drawn, (
        f"{name} does not draw {activation} in its colour"
    )
    others = {to_rgb(plots.COLORS[a]) for a in ("sigmoid", "tanh", "relu") if a != activation}
    lines = {to_rgb(line.get_color()) for ax in fig.axes for line in ax.get_lines()}
    assert not (lines & others) or name == "compare_activations", (
        f"{name} borrows another activation's colour"
    )
