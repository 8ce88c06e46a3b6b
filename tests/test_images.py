"""Every committed diagram is what its script draws today (images/make_diagrams.py)."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

IMAGES = Path(__file__).resolve().parents[1] / "images"
spec = importlib.util.spec_from_file_location("make_diagrams", IMAGES / "make_diagrams.py")
make_diagrams = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_diagrams)


@pytest.mark.parametrize("name", sorted(make_diagrams.DIAGRAMS))
def test_committed_diagram_is_what_the_script_draws(name, tmp_path):
    committed = IMAGES / name
    assert committed.exists(), f"{name} is missing: run python images/make_diagrams.py"
    fresh = make_diagrams.save(name, tmp_path)
    old, new = (np.asarray(Image.open(p).convert("RGBA")) for p in (committed, fresh))
    assert old.shape == new.shape, f"{name} is stale (size changed): run python images/make_diagrams.py"
    differing = int((old != new).any(axis=2).sum())
    assert differing == 0, f"{name} is stale ({differing} pixels differ): run python images/make_diagrams.py"


@pytest.mark.parametrize("name", sorted(make_diagrams.DIAGRAMS))
def test_every_diagram_is_used_by_a_notebook(name):
    notebooks = (IMAGES.parent / "notebooks").glob("*.ipynb")
    assert any(f"../images/{name}" in p.read_text() for p in notebooks), f"no notebook shows {name}"
