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
SIGMOID, BLUE, GREY, DARK = "#D55E00", "#0072B2", "#999999", "#222222"
STYLE = {"font.size": 13, "font.family": "DejaVu Sans", "text.hinting": "none"}


def _arrow(ax, start, end, color=DARK, **kwargs):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=16, linewidth=1.8,
                                 color=color, shrinkA=0, shrinkB=0, **kwargs))


def _box(ax, centre, text, width, height, edge, face="white", size=13):
    x, y = centre
    ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height,
                                boxstyle="round,pad=0.02,rounding_size=0.08", linewidth=2,
                                edgecolor=edge, facecolor=face))
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
        ax.add_patch(matplotlib.patches.Circle((x, 2.9), 0.62, facecolor="white", edgecolor=SIGMOID, linewidth=2.5))
        ax.text(x, 2.9, r"$\sigma$", ha="center", va="center", fontsize=18, color=SIGMOID)
        _arrow(ax, (previous, 2.9), (x - 0.62, 2.9))
        ax.text((previous + x - 0.62) / 2, 3.1, f"$w_{k}$", ha="center", va="bottom", fontsize=14)
        ax.text(x, 2.05, f"$z_{k} = w_{k} a_{k - 1} + b_{k}$\n$a_{k} = \\sigma(z_{k})$", ha="center",
                va="top", fontsize=11, color=DARK)
        previous = x + 0.62
    _arrow(ax, (previous, 2.9), (11.0, 2.9))
    ax.text(11.35, 2.9, "$J$", ha="center", va="center", fontsize=16)
    ax.text(6, 0.45, r"$\frac{\partial J}{\partial b_1} = \frac{\partial J}{\partial a_4}\;"
                     r"\sigma'(z_4)\,w_4\;\sigma'(z_3)\,w_3\;\sigma'(z_2)\,w_2\;\sigma'(z_1)$",
            ha="center", va="center", fontsize=16, color=DARK)
    _arrow(ax, (10.6, 3.75), (1.8, 3.75), color=BLUE, linestyle="--")
    ax.text(6.2, 3.92, "back-propagation: one factor $\\sigma'(z_k)\\,w_k$ per neuron passed",
            ha="center", va="bottom", fontsize=12, color=BLUE)


def why_initialization_matters(fig: Figure) -> None:
    """The lecture's three-box chain of reasoning about initialization."""
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 12)
    ax.set_ylim(0, 2.4)
    ax.axis("off")
    texts = ["activations explode\nor vanish in the\nforward pass",
             "loss gradients too\nlarge or too small to\nflow backwards",
             "training converges\nslowly, stalls or\ndiverges"]
    colours = [BLUE, SIGMOID, GREY]
    centres = [2.0, 6.0, 10.0]
    for x, text, colour in zip(centres, texts, colours):
        _box(ax, (x, 1.2), text, 3.3, 1.55, colour)
    for left, right in zip(centres[:-1], centres[1:]):
        _arrow(ax, (left + 1.72, 1.2), (right - 1.72, 1.2))


DIAGRAMS = {
    "four_neuron_chain.png": (four_neuron_chain, (9.6, 3.4)),
    "why_initialization_matters.png": (why_initialization_matters, (9.6, 2.0)),
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
