"""Shared by the unit tests and the notebooks (the nbval items), so it lives at the root."""

import os

import pytest

# The tests and the notebooks under nbval draw every picture themselves: a frame store filled by
# an earlier handout build would answer the live panels and hide what the drawing code does now.
# (The frame store's own tests, and the handout build, name their store.)
os.environ.setdefault("HELPERS_FRAMES", "off")


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items):
    """Under pytest-xdist (``--dist loadgroup``), keep each notebook's cells together and in
    order on one worker (they share one kernel); every other test may go to any worker."""
    for item in items:
        if item.nodeid.endswith(".ipynb") or ".ipynb::" in item.nodeid:
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))
