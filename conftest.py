"""Shared by the unit tests and the notebooks (the nbval items), so it lives at the root."""
import pytest


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items):
    """Under pytest-xdist (``--dist loadgroup``), keep each notebook's cells together and in
    order on one worker (they share one kernel); every other test may go to any worker."""
    for item in items:
        if item.nodeid.endswith(".ipynb") or ".ipynb::" in item.nodeid:
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))
