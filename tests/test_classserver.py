"""The class server's cap on kernels fits the machine's memory for whichever chapter it serves.

``helpers.classserver.KERNEL_MB`` holds, per chapter, the most memory one kernel takes; the cap
is three quarters of the machine's memory at that size. The unit tests check how Voilà picks the
number; ``test_no_chapters_kernel_outgrows_its_share`` (marked slow: every notebook again, about
a minute of the two cores; ``.ci/run`` runs it) checks the numbers themselves."""

import threading
import time
from pathlib import Path

import pytest

from helpers import classserver

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_every_chapter_has_a_kernel_size_and_anything_else_gets_the_largest():
    assert sorted(classserver.KERNEL_MB) == [nb.name[:2] for nb in NOTEBOOKS]
    largest = max(classserver.KERNEL_MB.values())
    assert classserver.kernel_mb("notebooks/10_playground.ipynb") == classserver.KERNEL_MB["10"]
    assert classserver.kernel_mb(None) == largest  # Voilà serving the folder: any chapter
    assert classserver.kernel_mb("my_own_notebook.ipynb") == largest


def test_voila_caps_its_kernels_by_the_notebook_it_serves():
    """Started as the README says (voila.json selects the capped manager), Voilà gives the
    manager itself as its parent, and the cap follows the notebook: the playground's small
    kernels fit more students than chapter 04's large ones, and the folder is capped for the
    largest chapter."""
    pytest.importorskip("voila")
    from voila.app import Voila

    memory = classserver.machine_memory_mb()
    expected = {
        "notebooks/10_playground.ipynb": int(0.75 * memory / classserver.KERNEL_MB["10"]),
        "notebooks/04_weight_initialization.ipynb": int(
            0.75 * memory / classserver.KERNEL_MB["04"]
        ),
        "notebooks": int(0.75 * memory / max(classserver.KERNEL_MB.values())),
    }
    for served, cap in expected.items():
        app = Voila()
        try:
            app.initialize([str(ROOT / served), "--no-browser", "--port=0"])
            app.init_settings()
            assert isinstance(app.kernel_manager, classserver.CappedKernelManager)
            assert app.kernel_manager.max_kernels == max(1, cap), served
        finally:
            Voila.clear_instance()


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda nb: nb.name[:2])
def test_no_chapters_kernel_outgrows_its_share(notebook):
    """The notebook run top to bottom in a fresh kernel, every picture drawn (no frame store),
    its kernel's resident memory sampled every 0.1 s: the largest stays within KERNEL_MB."""
    import nbformat
    import psutil
    from nbclient import NotebookClient

    nb = nbformat.read(notebook, as_version=4)
    client = NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(notebook.parent)}},
    )
    peak, done = [0], threading.Event()

    def sample():
        while not done.is_set():
            try:
                process = psutil.Process(client.km.provisioner.process.pid)
                peak[0] = max(peak[0], process.memory_info().rss)
            except (AttributeError, psutil.Error):  # not started yet, or gone
                pass
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        client.execute()
    finally:
        done.set()
        sampler.join()
    peak_mb = peak[0] / 2**20
    share = classserver.KERNEL_MB[notebook.name[:2]]
    print(f"\n{notebook.name}: the kernel's largest resident size {peak_mb:.0f} MB of {share} MB")
    assert 100 < peak_mb <= share, (notebook.name, round(peak_mb))
