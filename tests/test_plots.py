import numpy as np

import helpers
from helpers import plots


def test_layer_histograms_title_each_panel_with_mean_and_std():
    rng = np.random.default_rng(0)
    values = [rng.normal(0, s, 1000) for s in (1.0, 0.5, 0.25)]
    fig = plots.new_figure()
    axes = plots.layer_histograms(fig, values)
    assert len(axes) == 3
    assert "std 0.5" in axes[1].get_title()


def test_layer_histograms_pick_at_most_max_panels_and_survive_non_finite_layers():
    values = [np.ones(10)] * 19 + [np.full(10, np.nan)]
    axes = plots.layer_histograms(plots.new_figure(), values, max_panels=5)
    assert len(axes) == 5
    assert "non-finite" in axes[-1].texts[0].get_text()


def test_per_layer_marks_non_finite_layers():
    fig = plots.new_figure()
    ax = fig.subplots()
    plots.per_layer(ax, [1.0, 10.0, np.inf, np.nan])
    labels = [line.get_label() for line in ax.get_lines()]
    assert "non-finite (overflow)" in labels
    assert ax.get_yscale() == "log"


def test_training_curves_mark_divergence():
    data = helpers.digits()
    run = helpers.train(helpers.mlp(8, 64, "relu", 1.0, in_features=64, out_features=10), data,
                        steps=50, lr=1.0, progress=False)
    fig = plots.new_figure()
    ax = fig.subplots()
    plots.training_curves(ax, {"too large": run})
    assert any(f"diverged at step {run.diverged_at}" in t.get_text() for t in ax.texts)


def test_the_same_thing_has_the_same_colour_everywhere():
    assert plots.color_of("sigmoid") == plots.COLORS["sigmoid"]
    assert len(set(plots.OKABE_ITO)) == 8


def test_log_axes_label_decades_in_plain_text():
    from helpers.plots import _decade_label
    assert [_decade_label(v, None) for v in (1e-3, 1.0, 1e12, 3e-3)] == ["10⁻³", "1", "10¹²", ""]
