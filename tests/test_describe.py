"""Text alternatives derived from the drawn data (helpers.describe): every number a description
states is one the figure draws, and a figure drawn at another setting is described anew."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers.describe import describe, number
from helpers.figures import FIGURES
from helpers.plots import lecture_style, new_figure


def drawn(name, **values):
    figure = FIGURES[name]
    fig = new_figure(figure.figsize)
    with lecture_style():
        figure.draw(fig, **figure.resolve(**values))
    return fig


def test_numbers_read_as_a_person_writes_them():
    assert [number(v) for v in (0.1 + 0.2, 2.4e-15, 1234.5, 0, float("nan"))] == [
        "0.3",
        "2.4e-15",
        "1.23e3",
        "0",
        "not finite",
    ]


def test_a_line_is_described_by_its_values_scale_and_style():
    fig, ax = plt.subplots()
    ax.semilogy([1, 2, 3], [3.1e-3, 1e-8, 2.4e-15], label="gradient")
    ax.plot([1, 3], [3e-3, 2e-15], "--", label="prediction")
    ax.axhline(1e-10, label="float32 floor")
    ax.set_xlabel("layer")
    ax.set_ylabel("std of ∂L/∂z")
    text = describe(fig)
    plt.close(fig)
    assert "std of ∂L/∂z (log scale) against layer" in text
    assert "gradient: 3 points, from 0.0031 at layer = 1 to 2.4e-15 at layer = 3" in text
    assert "prediction (dashed)" in text and "float32 floor: a level line at 1e-10" in text


def test_values_that_are_not_finite_are_said():
    fig, ax = plt.subplots()
    ax.plot([1, 2, 3, 4], [1.0, 10.0, np.inf, np.nan], label="loss")
    ax.text(3, 5, "diverged at step 3")
    text = describe(fig)
    plt.close(fig)
    assert "not finite from x = 3 on" in text and "diverged at step 3" in text


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_every_course_figure_is_described_with_the_numbers_it_draws(name):
    """For every figure at its default setting: the description is not empty, carries the
    figure's title, and every labelled line's last drawn value appears in it."""
    fig = drawn(name)
    text = describe(fig)
    assert len(text) > 40, text
    if fig._suptitle is not None and fig._suptitle.get_text():
        assert fig._suptitle.get_text().split(":")[0].replace("$", "")[:10] in text
    for ax in fig.axes:
        for line in ax.get_lines():
            ys = np.asarray(line.get_ydata(), dtype=float)
            x_in_data, _ = line.get_transform().contains_branch_seperately(ax.transData)
            if line.get_label().startswith("_") or not x_in_data or not np.isfinite(ys).any():
                continue
            assert number(ys[np.isfinite(ys)][-1]) in text, (line.get_label(), text)
    plt.close(fig)


def test_the_description_follows_the_setting():
    """Moved to another setting, a figure says other numbers (here: chain_product's depth)."""
    short, long = (
        describe(drawn("chain_product", depth=4)),
        describe(drawn("chain_product", depth=16)),
    )
    assert short != long and "4 sigmoid neurons" in short and "16 sigmoid neurons" in long
