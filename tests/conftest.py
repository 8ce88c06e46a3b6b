import os

import matplotlib
import pytest
import torch

matplotlib.use("Agg")


@pytest.fixture(autouse=True, scope="session")
def _a_frame_store_of_its_own(tmp_path_factory):
    """The tests' panels and notebooks keep the frames they draw in a store of this test run
    (the handout build's test fills the repository's own, ``build/frames``, on purpose): a
    developer's store never decides what a test sees, and a test never fills it."""
    previous = os.environ.get("HELPERS_FRAMES")
    os.environ["HELPERS_FRAMES"] = str(tmp_path_factory.mktemp("frames"))
    yield
    if previous is None:
        os.environ.pop("HELPERS_FRAMES", None)
    else:
        os.environ["HELPERS_FRAMES"] = previous


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)
