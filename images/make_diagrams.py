"""Draws the course's diagrams into this folder: ``python images/make_diagrams.py``.

Each diagram is a function that draws on a matplotlib figure; ``DIAGRAMS`` names the file each
one is saved to. The PNGs are committed (a fresh clone shows them without running anything), and
the script also stores each one as an *attachment* of the notebook cells that show it
(``![…](attachment:NAME.png)``): JupyterLab started in ``notebooks/``, Voilà and the handouts
cannot reach a file above the notebooks' folder, but every one of them shows an attachment.
``tests/test_images.py`` draws every diagram again and fails if a committed picture or an
attachment is stale, so edit this script, run it, and commit what it changed.
"""

from __future__ import annotations

import base64
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

HERE = Path(__file__).resolve().parent
DPI = 100
# Okabe–Ito, as in helpers.plots (this script runs without the package installed)
SIGMOID, BLUE, GREY, DARK = "#D55E00", "#0072B2", "#8A8A8A", "#222222"  # grey 3.4:1 on white
STYLE = {"font.size": 13, "font.family": "DejaVu Sans", "text.hinting": "none"}


def _arrow(ax, start, end, color=DARK, **kwargs):
    ax.add_patch(
        FancyArrowPatch(
            start,
            end,
            arrowstyle="-|>",
            mutation_scale=16,
            linewidth=1.8,
            color=color,
            shrinkA=0,
            shrinkB=0,
            **kwargs,
        )
    )


def _box(ax, centre, text, width, height, edge, face="white", size=13):
    x, y = centre
    ax.add_patch(
        FancyBboxPatch(
            (x - width / 2, y - height / 2),
            width,
            height,
            boxstyle="round,pad=0.02,rounding_size=0.08",
            linewidth=2,
            edgecolor=edge,
            facecolor=face,
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=size, color=DARK)


def four_neuron_chain(fig: Figure) -> None:
    """The lecture's opening picture: a0 → four sigmoid neurons → J, and ∂J/∂b1 as the product
    of one σ'(z_k)·w_k per neuron (written with correct indices)."""
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 12)
    ax.set_ylim(0, 4.2)
    ax.axis("off")
    ax.text(0.55, 2.9, "$a_0$", ha="center", va="center", fontsize=16)
    xs = [2.3, 4.6, 6.9, 9.2]
    previous = 0.85
    for k, x in enumerate(xs, start=1):
        ax.add_patch(
            matplotlib.patches.Circle(
                (x, 2.9), 0.62, facecolor="white", edgecolor=SIGMOID, linewidth=2.5
            )
        )
        ax.text(x, 2.9, r"$\sigma$", ha="center", va="center", fontsize=18, color=SIGMOID)
        _arrow(ax, (previous, 2.9), (x - 0.62, 2.9))
        ax.text((previous + x - 0.62) / 2, 3.1, f"$w_{k}$", ha="center", va="bottom", fontsize=14)
        ax.text(
            x,
            2.05,
            f"$z_{k} = w_{k} a_{k - 1} + b_{k}$\n$a_{k} = \\sigma(z_{k})$",
            ha="center",
            va="top",
            fontsize=11,
            color=DARK,
        )
        previous = x + 0.62
    _arrow(ax, (previous, 2.9), (11.0, 2.9))
    ax.text(11.35, 2.9, "$J$", ha="center", va="center", fontsize=16)
    ax.text(
        6,
        0.45,
        r"$\frac{\partial J}{\partial b_1} = \frac{\partial J}{\partial a_4}\;"
        r"\sigma'(z_4)\,w_4\;\sigma'(z_3)\,w_3\;\sigma'(z_2)\,w_2\;\sigma'(z_1)$",
        ha="center",
        va="center",
        fontsize=16,
        color=DARK,
    )
    _arrow(ax, (10.6, 3.75), (1.8, 3.75), color=BLUE, linestyle="--")
    ax.text(
        6.2,
        3.92,
        "back-propagation: one factor $\\sigma'(z_k)\\,w_k$ per neuron passed",
        ha="center",
        va="bottom",
        fontsize=12,
        color=BLUE,
    )


def why_initialization_matters(fig: Figure) -> None:
    """The lecture's three-box chain of reasoning about initialization."""
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 12)
    ax.set_ylim(0, 2.4)
    ax.axis("off")
    texts = [
        "activations explode\nor vanish in the\nforward pass",
        "loss gradients too\nlarge or too small to\nflow backwards",
        "training converges\nslowly, stalls or\ndiverges",
    ]
    colours = [BLUE, SIGMOID, GREY]
    centres = [2.0, 6.0, 10.0]
    for x, text, colour in zip(centres, texts, colours):
        _box(ax, (x, 1.2), text, 3.3, 1.55, colour)
    for left, right in zip(centres[:-1], centres[1:]):
        _arrow(ax, (left + 1.72, 1.2), (right - 1.72, 1.2))


def _vertical_block(ax, x, layers, top=9.3, step=1.25, edge=BLUE, width=2.6):
    """Boxes from the top down joined by arrows; returns the y of each box's centre."""
    ys = [top - i * step for i in range(len(layers))]
    for i, (y, text) in enumerate(zip(ys, layers)):
        if text == "+":
            ax.add_patch(
                matplotlib.patches.Circle(
                    (x, y), 0.3, facecolor="white", edgecolor=DARK, linewidth=2
                )
            )
            ax.text(x, y, "+", ha="center", va="center", fontsize=16)
        else:
            _box(
                ax,
                (x, y),
                text,
                width,
                0.7,
                GREY if text.startswith(("ReLU", "BN")) else edge,
                size=12,
            )
        if i:
            above = ys[i - 1] - (0.3 if layers[i - 1] == "+" else 0.35)
            _arrow(ax, (x, above), (x, y + (0.3 if text == "+" else 0.35)))
    return ys


def _shortcut(ax, x, y_from, y_plus, label, offset=1.9, color=SIGMOID):
    """The identity shortcut: from above the first box, round the right side, into the +."""
    path = [(x, y_from), (x + offset, y_from), (x + offset, y_plus), (x + 0.3, y_plus)]
    ax.plot([p[0] for p in path[:3]], [p[1] for p in path[:3]], color=color, linewidth=2)
    _arrow(ax, path[2], path[3], color=color)
    ax.text(
        x + offset + 0.12,
        (y_from + y_plus) / 2,
        label,
        rotation=90,
        ha="left",
        va="center",
        fontsize=12,
        color=color,
    )


def residual_blocks(fig: Figure) -> None:
    """The lecture's residual block (He et al. 2016a: ReLU after the sum) beside the
    pre-activation block (He et al. 2016b: the shortcut is a pure identity)."""
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 12)
    ax.set_ylim(0, 10.6)
    ax.axis("off")
    for x, title, layers, plus, out_relu in [
        (
            3.0,
            "original (2016a), the lecture's",
            ["weight layer", "BN, ReLU", "weight layer", "BN", "+", "ReLU"],
            4,
            True,
        ),
        (
            8.6,
            "pre-activation (2016b)",
            ["BN, ReLU", "weight layer", "BN, ReLU", "weight layer", "+"],
            4,
            False,
        ),
    ]:
        ax.text(x, 10.25, title, ha="center", va="center", fontsize=13, color=DARK)
        ax.text(x, 9.75, "$x$", ha="center", va="center", fontsize=14)
        ys = _vertical_block(ax, x, layers, top=8.9)
        _arrow(ax, (x, 9.55), (x, ys[0] + 0.35))
        _shortcut(ax, x, 9.35, ys[plus], "identity $x$")
        end = ys[-1] - 0.35 if layers[-1] != "+" else ys[-1] - 0.3
        _arrow(ax, (x, end), (x, end - 0.75))
        ax.text(
            x,
            end - 1.05,
            "ReLU$(F(x) + x)$" if out_relu else "$F(x) + x$",
            ha="center",
            va="center",
            fontsize=14,
        )
        ax.text(
            x - 1.5,
            (ys[0] + ys[plus - 1]) / 2,
            "$F(x)$",
            ha="right",
            va="center",
            fontsize=14,
            color=BLUE,
        )
    ax.text(
        3.0,
        0.25,
        "the ReLU after the sum gates the shortcut",
        ha="center",
        fontsize=11,
        color=SIGMOID,
    )
    ax.text(
        8.6,
        0.25,
        "nothing on the shortcut: $\\partial y/\\partial x = I + \\partial F/\\partial x$",
        ha="center",
        fontsize=11,
        color=SIGMOID,
    )


def bottleneck_block(fig: Figure) -> None:
    """He et al.'s Fig. 5: a basic block on 64 channels beside a bottleneck block on 256, with
    the weights each costs (bias-free convolutions)."""
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 12)
    ax.set_ylim(0, 8.4)
    ax.axis("off")
    for x, title, layers, weights in [
        (
            3.0,
            "basic block, 64-d",
            ["3×3, 64 → 64", "ReLU", "3×3, 64 → 64", "+"],
            "2·(3·3·64·64) = 73,728 weights",
        ),
        (
            8.8,
            "bottleneck block, 256-d",
            ["1×1, 256 → 64", "ReLU", "3×3, 64 → 64", "ReLU", "1×1, 64 → 256", "+"],
            "256·64 + 9·64·64 + 64·256 = 69,632 weights",
        ),
    ]:
        ax.text(x, 8.1, title, ha="center", va="center", fontsize=13, color=DARK)
        ys = _vertical_block(ax, x, layers, top=7.2, step=1.05, width=2.9)
        _shortcut(ax, x, 7.75, ys[-1], "identity", offset=2.0)
        ax.plot([x, x], [7.75, ys[0] + 0.35], color=DARK, linewidth=1.8)
        _arrow(ax, (x, ys[-1] - 0.3), (x, ys[-1] - 0.8))
        ax.text(x, 0.35, weights, ha="center", va="center", fontsize=11, color=BLUE)


# Stages of the three networks of He et al.'s Fig. 3: (text, number of layers) per stage.
ARCHITECTURES = [
    (
        "VGG-19",
        "19.6 G",
        [
            ("3×3 conv, 64", 2),
            ("3×3 conv, 128", 2),
            ("3×3 conv, 256", 4),
            ("3×3 conv, 512", 4),
            ("3×3 conv, 512", 4),
            ("fc 4096, 4096, 1000", 3),
        ],
        False,
    ),
    (
        "34-layer plain",
        "3.6 G",
        [
            ("7×7 conv, 64, /2", 1),
            ("3×3 conv, 64", 6),
            ("3×3 conv, 128", 8),
            ("3×3 conv, 256", 12),
            ("3×3 conv, 512", 6),
            ("fc 1000", 1),
        ],
        False,
    ),
    (
        "34-layer residual",
        "3.6 G",
        [
            ("7×7 conv, 64, /2", 1),
            ("3×3 conv, 64", 6),
            ("3×3 conv, 128", 8),
            ("3×3 conv, 256", 12),
            ("3×3 conv, 512", 6),
            ("fc 1000", 1),
        ],
        True,
    ),
]


def resnet_architectures(fig: Figure) -> None:
    """VGG-19, the 34-layer plain net and ResNet-34 side by side, one bar per stage whose
    height is its number of weight layers, with the multiply-adds the paper gives each."""
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 12)
    ax.set_ylim(-3.2, 37)
    ax.axis("off")
    for column, (name, flops, stages, residual) in enumerate(ARCHITECTURES):
        x = 2.0 + 4.0 * column
        ax.text(x, 36.0, name, ha="center", va="center", fontsize=14, color=DARK)
        top = 34.6
        for text, count in stages:
            colour = SIGMOID if residual and "3×3" in text else BLUE
            ax.add_patch(
                FancyBboxPatch(
                    (x - 1.45, top - count + 0.12),
                    2.9,
                    count - 0.24,
                    boxstyle="round,pad=0,rounding_size=0.25",
                    linewidth=1.5,
                    edgecolor=colour,
                    facecolor="white",
                )
            )
            label = f"{text}  ×{count}" if count > 1 else text
            ax.text(x, top - count / 2, label, ha="center", va="center", fontsize=10, color=DARK)
            if residual and "3×3" in text:
                for k in range(count // 2):  # one shortcut per two-layer block
                    y = top - 2 * k - 1
                    ax.add_patch(
                        matplotlib.patches.FancyArrowPatch(
                            (x + 1.5, y + 0.9),
                            (x + 1.5, y - 0.9),
                            connectionstyle="arc3,rad=-0.6",
                            arrowstyle="-|>",
                            mutation_scale=8,
                            color=SIGMOID,
                            linewidth=1.2,
                        )
                    )
            top -= count
        ax.text(
            x,
            top - 0.8,
            f"{sum(c for _, c in stages)} weight layers\n{flops} multiply-adds",
            ha="center",
            va="top",
            fontsize=11,
            color=DARK,
        )


DIAGRAMS = {
    "four_neuron_chain.png": (four_neuron_chain, (9.6, 3.4)),
    "why_initialization_matters.png": (why_initialization_matters, (9.6, 2.0)),
    "residual_blocks.png": (residual_blocks, (9.6, 7.0)),
    "bottleneck_block.png": (bottleneck_block, (9.6, 5.6)),
    "resnet_architectures.png": (resnet_architectures, (9.6, 9.0)),
}


def render(name: str) -> Figure:
    draw, size = DIAGRAMS[name]
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=size, dpi=DPI)
        draw(fig)
        fig.canvas.draw()
    return fig


def save(name: str, folder: Path = HERE) -> Path:
    path = folder / name
    # no software version or date in the file: the same drawing gives the same bytes
    render(name).savefig(path, dpi=DPI, metadata={"Software": None})
    return path


def attach(notebooks: Path = HERE.parent / "notebooks") -> list[Path]:
    """Store each committed picture as an attachment of every notebook cell that shows it."""
    import nbformat

    changed = []
    for path in sorted(notebooks.glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        touched = False
        for cell in notebook.cells:
            for name in DIAGRAMS:
                if cell.cell_type == "markdown" and f"(attachment:{name})" in cell.source:
                    data = base64.b64encode((HERE / name).read_bytes()).decode()
                    attachments = cell.setdefault("attachments", {})
                    if attachments.get(name, {}).get("image/png") != data:
                        attachments[name] = {"image/png": data}
                        touched = True
        if touched:
            nbformat.write(notebook, path)
            changed.append(path)
    return changed


def main() -> int:
    for name in DIAGRAMS:
        print("wrote", save(name).relative_to(HERE.parent))
    for path in attach():
        print("attached the pictures to", path.relative_to(HERE.parent))
    return 0


if __name__ == "__main__":
    sys.exit(main())
