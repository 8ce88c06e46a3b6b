"""The repository's own rules: notebook naming and output policy, every figure and exercise
wired into its notebook, pinned dependencies, no build output committed."""

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import helpers

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks_and_they_are_numbered():
    assert NOTEBOOKS
    for path in NOTEBOOKS:
        assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", path.name), path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_are_stored_without_outputs(path):
    """Policy (README): notebooks are committed stripped; CI executes them."""
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, (
                f"{path.name} has stored outputs: clear them before committing"
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_first_code_cell_imports_and_sets_up(path):
    """One import line and the visible set-up line, nothing else (ruff format separates them)."""
    notebook = nbformat.read(path, as_version=4)
    first_code = next(c for c in notebook.cells if c.cell_type == "code")
    lines = [line for line in first_code.source.splitlines() if line.strip()]
    assert len(lines) == 2 and lines[0].startswith("import helpers")
    assert re.fullmatch(r"SEED = helpers\.setup\(seed=0\)", lines[1])


def _sources(notebook_name):
    path = ROOT / "notebooks" / f"{notebook_name}.ipynb"
    return path.read_text() if path.exists() else None


@pytest.mark.parametrize("name", sorted(helpers.FIGURES))
def test_every_figure_is_shown_by_its_notebook(name):
    source = _sources(helpers.FIGURES[name].notebook)
    assert source is not None, f"figure {name} belongs to a missing notebook"
    assert f'helpers.show(\\"{name}\\"' in source


@pytest.mark.parametrize("key", sorted(helpers.EXERCISES))
def test_every_exercise_is_asked_in_its_notebook(key):
    notebook = next(p for p in NOTEBOOKS if p.name.startswith(key.split(".")[0]))
    assert f'helpers.check(\\"{key}\\"' in notebook.read_text()


def test_requirements_pin_the_stack_and_install_the_package():
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    assert "torch==2.13.0" in lines and "-e ." in lines and "./voila_template" in lines
    for line in lines:
        if line and not line.startswith(("#", "-e", "./")):  # ./…: the repository's own packages
            assert "==" in line, f"unpinned requirement: {line}"


def test_no_build_output_or_caches_are_tracked():
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True
    ).stdout.split()
    offending = [
        f
        for f in tracked
        if re.search(
            r"(^|/)(build|__pycache__|\.ipynb_checkpoints|\.pytest_cache)/|\.egg-info/|\.html$", f
        )
    ]
    assert offending == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_opens_with_its_title_and_reads_as_markdown(path):
    notebook = nbformat.read(path, as_version=4)
    first = notebook.cells[0]
    assert first.cell_type == "markdown"
    assert re.match(rf"# {path.name[:2]} · \S", first.source), first.source[:40]
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            # a line like "# ## Heading" is a percent-format prefix that was never stripped
            assert not re.search(
                r"^# (#|\*|\$|\w)", cell.source[2:] if cell is first else cell.source, re.M
            ), cell.source[:60]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_a_one_line_summary_for_the_handout_index(path):
    summary = nbformat.read(path, as_version=4).metadata.get("course", {}).get("summary", "")
    assert 40 < len(summary) < 250 and "\n" not in summary


SLIDE_TYPES = {"slide", "subslide", "fragment", "skip"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_notebook_is_a_slide_deck(path):
    """Standard slide metadata (slideshow.slide_type), as JupyterLab's deck reads it. The title
    and every section ('## ') start a slide, every live figure a sub-slide (its own, or that of
    the "Look for" line just before it). Every cell says how it is shown: the deck stops at
    every cell of type "-", showing nothing new, so there are none; each press shows the next
    fragment, and a code cell with nothing to show (the set-up, an exercise's answer) is skipped.
    A section heading never hides inside a cell, where no slide could start at it."""
    cells = nbformat.read(path, as_version=4).cells
    kinds = [cell.metadata.get("slideshow", {}).get("slide_type") for cell in cells]
    assert kinds[0] == "slide"
    undeclared = [c.source[:40] for c, k in zip(cells, kinds) if k not in SLIDE_TYPES]
    assert not undeclared, f"cells without a slide type of {sorted(SLIDE_TYPES)}: {undeclared}"
    for i, (cell, kind) in enumerate(zip(cells, kinds)):
        lines = cell.source.splitlines()
        if cell.cell_type == "markdown" and lines and lines[0].startswith("## "):
            assert kind == "slide", lines[0]
        if cell.cell_type == "code" and cell.source.startswith("helpers.show("):
            before = cells[i - 1]
            assert kind == "subslide" or (
                kind == "fragment"
                and kinds[i - 1] == "subslide"
                and before.source.startswith("**Look for:**")
            ), cell.source
        if cell.cell_type == "code" and (
            "helpers.setup(" in cell.source or re.match(r"answer_\d\d_\d = None", cell.source)
        ):
            assert kind == "skip", cell.source
        if cell.cell_type == "markdown":
            inner = [line for line in lines[1:] if line.startswith("## ")]
            assert not inner, f"a section starts inside a cell: {inner[0]!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_exercises_stay_out_of_the_voila_app(path):
    """Voilà shows no cell tagged "notebook-only" (the course's template): every cell of the
    Exercises section has the tag, since an app has no cell to answer in."""
    cells = nbformat.read(path, as_version=4).cells
    start = next(i for i, c in enumerate(cells) if c.source.startswith("## Exercises"))
    untagged = [
        c.source[:40] for c in cells[start:] if "notebook-only" not in c.metadata.get("tags", [])
    ]
    assert not untagged, untagged


def test_ruff_keeps_one_style_everywhere():
    """`ruff format` and `ruff check` (configured in pyproject.toml: lines of at most 100
    characters) on helpers/, tests/, images/ and the notebooks."""
    for command in (["format", "--check"], ["check"]):
        done = subprocess.run(
            [sys.executable, "-m", "ruff", *command, "."], cwd=ROOT, capture_output=True, text=True
        )
        assert done.returncode == 0, f"ruff {' '.join(command)}:\n{done.stdout}{done.stderr}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_notebook_code_line_is_wider_than_a_projector_shows(path):
    """At 1280 px JupyterLab shows about 100 characters of code, and a printed handout as many."""
    notebook = nbformat.read(path, as_version=4)
    wide = [
        line
        for cell in notebook.cells
        if cell.cell_type == "code"
        for line in cell.source.splitlines()
        if len(line) > 100
    ]
    assert wide == [], f"{len(wide)} code lines over 100 characters, e.g. {wide[:2]}"


KERNEL_METADATA = {
    "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
    "language_info": {
        "codemirror_mode": {"name": "ipython", "version": 3},
        "file_extension": ".py",
        "mimetype": "text/x-python",
        "name": "python",
        "nbconvert_exporter": "python",
        "pygments_lexer": "ipython3",
        "version": "3.11.7",
    },
}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_a_notebook_opens_clean_in_jupyterlab(path):
    """JupyterLab writes the kernel's own kernelspec and language_info into a notebook when its
    kernel starts; a notebook stored with anything else shows as modified the moment it opens
    (chapter 01 did: "Python 3" and a bare language_info). Stored as the course's stack (Python
    3.11.7, ipykernel) writes them; on another Python patch release the version line differs."""
    metadata = nbformat.read(path, as_version=4).metadata
    assert {key: metadata.get(key) for key in KERNEL_METADATA} == KERNEL_METADATA
