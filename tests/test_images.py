"""Every committed diagram is what its script draws today (images/make_diagrams.py), and every
notebook that shows one carries exactly that picture as a cell attachment."""

import base64
import importlib.util
import io
from pathlib import Path

import nbformat
import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
IMAGES = ROOT / "images"
spec = importlib.util.spec_from_file_location("make_diagrams", IMAGES / "make_diagrams.py")
make_diagrams = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_diagrams)
STALE = "is stale: run python images/make_diagrams.py and commit what it changed"


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))


def showing(name):
    """(notebook, cell) for every Markdown cell that shows the picture ``name``."""
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "markdown" and f"(attachment:{name})" in cell.source:
                yield path.name, cell


@pytest.mark.parametrize("name", sorted(make_diagrams.DIAGRAMS))
def test_committed_diagram_is_what_the_script_draws(name, tmp_path):
    committed = IMAGES / name
    assert committed.exists(), f"{name} is missing: run python images/make_diagrams.py"
    old, new = (
        pixels(committed.read_bytes()),
        pixels(make_diagrams.save(name, tmp_path).read_bytes()),
    )
    assert old.shape == new.shape, f"{name} {STALE} (its size changed)"
    differing = int((old != new).any(axis=2).sum())
    assert differing == 0, f"{name} {STALE} ({differing} pixels differ)"


@pytest.mark.parametrize("name", sorted(make_diagrams.DIAGRAMS))
def test_every_diagram_is_shown_by_a_notebook_as_the_committed_picture(name):
    cells = list(showing(name))
    assert cells, f"no notebook shows {name} (as ![…](attachment:{name}))"
    committed = pixels((IMAGES / name).read_bytes())
    for notebook, cell in cells:
        attached = cell.get("attachments", {}).get(name, {}).get("image/png")
        assert attached, f"{notebook} shows {name} without attaching it: {STALE}"
        assert np.array_equal(pixels(base64.b64decode(attached)), committed), (
            f"{notebook}'s copy of {name} {STALE}"
        )
