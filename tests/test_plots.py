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


# --- the palette against WCAG 1.4.11 and colour-blind vision ---------------------------------


def contrast_with_white(colour) -> float:
    """WCAG 2.1's contrast ratio of a colour against white: (1 + 0.05) / (L + 0.05)."""
    channels = np.asarray(matplotlib.colors.to_rgb(colour))
    linear = np.where(channels <= 0.04045, channels / 12.92, ((channels + 0.055) / 1.055) ** 2.4)
    return 1.05 / (linear @ [0.2126, 0.7152, 0.0722] + 0.05)


def least_difference(colours) -> float:
    """The smallest CIEDE2000 difference between two of the colours, for normal vision and for
    full protan-, deutan- and tritanopia as simulated by Machado et al. (2009)."""
    import colour  # colour-science

    rgb = np.array([matplotlib.colors.to_rgb(c) for c in colours])
    linear = colour.cctf_decoding(rgb, function="sRGB")
    worst = np.inf
    with colour.utilities.suppress_warnings(colour_usage_warnings=True):
        for deficiency in (None, "Protanomaly", "Deuteranomaly", "Tritanomaly"):
            seen = linear
            if deficiency:
                seen = np.clip(linear @ colour.matrix_cvd_Machado2009(deficiency, 1.0).T, 0, 1)
            lab = colour.XYZ_to_Lab(colour.sRGB_to_XYZ(colour.cctf_encoding(seen, function="sRGB")))
            for i in range(len(lab)):
                for j in range(i + 1, len(lab)):
                    worst = min(worst, colour.delta_E(lab[i], lab[j], method="CIE 2000"))
    return float(worst)


def test_every_colour_that_carries_meaning_has_3_to_1_contrast_with_the_page():
    """WCAG 1.4.11: lines, markers and bars at 3:1 against white, layer colours at any depth
    included. (Okabe-Ito's orange, sky blue and yellow, and viridis's light end, would not be.)"""
    colours = {**plots.COLORS, **{f"palette {i}": c for i, c in enumerate(plots.PALETTE)}}
    for depth in (2, 6, 20, 50):
        colours.update(
            {f"layer {i} of {depth}": c for i, c in enumerate(plots.layer_colors(depth))}
        )
    too_light = {
        name: round(contrast_with_white(c), 2)
        for name, c in colours.items()
        if contrast_with_white(c) < 3
    }
    assert not too_light
    assert min(contrast_with_white(c) for c in plots.OKABE_ITO) < 1.5  # the test can fail


@pytest.fixture(scope="module")
def okabe_ito_apart() -> float:
    """Okabe-Ito's own least difference (its eight, yellow out, grey in): computed once."""
    return least_difference([*plots.OKABE_ITO[:6], plots.OKABE_ITO[7], "#999999"])


@pytest.mark.parametrize(
    "drawn_together",
    [
        list(helpers.activations.ACTIVATIONS),
        [name for name in helpers.inits.INITS if name in plots.COLORS],
        ["rnn", "lstm", "gru"],
        ["norm clipping", "value clipping", "unclipped"],
    ],
)
def test_colours_drawn_together_stay_apart_for_colour_blind_eyes(drawn_together, okabe_ito_apart):
    """The darkened colours keep the palette colour-blind safe: the colours one figure draws
    together differ (CIEDE2000) at least as much, in every simulated vision, as Okabe-Ito's
    eight do among themselves (6.2: its closest pair is grey and reddish purple in deutan eyes)."""
    distinct = sorted({plots.COLORS[name] for name in drawn_together})
    assert least_difference(distinct) >= okabe_ito_apart
