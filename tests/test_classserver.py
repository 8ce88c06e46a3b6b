"""The class server's cap on kernels fits the machine's memory for whichever chapter it serves.

``helpers.classserver.KERNEL_MB`` holds, per chapter, the most memory one kernel takes; the cap
is three quarters of the machine's memory at that size. The unit tests check how Voilà picks the
number; ``test_no_chapters_kernel_outgrows_its_share`` (marked slow: every notebook again, about
a minute of the two cores; ``.ci/run`` runs it) checks the numbers themselves."""

from pathlib import Path

import pytest

from helpers import classserver
from helpers.handouts import client, notebook_paths

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = notebook_paths(ROOT / "notebooks")


def test_every_chapter_has_a_kernel_size_and_anything_else_gets_the_largest():
    assert sorted(classserver.KERNEL_MB) == [nb.name[:2] for nb in NOTEBOOKS]
    largest = max(classserver.KERNEL_MB.values())
    assert classserver.kernel_mb("notebooks/10_playground.ipynb") == classserver.KERNEL_MB["10"]
    assert classserver.kernel_mb(None) == largest  # Voilà serving the folder: any chapter
    assert classserver.kernel_mb("my_own_notebook.ipynb") == largest


# Voilà set up as `voila <path>` is in the repository's root, for each path given, printing its
# manager's cap. In a process of its own: setting up also installs Voilà's SIGTERM handler, which
# a test process must not keep (a multiprocessing pool forked after it could not stop its
# workers, and the test suite hung).
CAP_OF_VOILA = """
import sys
from voila.app import Voila
from helpers.classserver import CappedKernelManager

for served in sys.argv[1:]:
    app = Voila()
    app.initialize([served, "--no-browser", "--port=0"])
    app.init_settings()
    assert isinstance(app.kernel_manager, CappedKernelManager), type(app.kernel_manager).__mro__
    print(app.kernel_manager.max_kernels)
    Voila.clear_instance()
"""


def test_voila_caps_its_kernels_by_the_notebook_it_serves():
    """Started as the README says (voila.json selects the capped manager), Voilà gives the
    manager itself as its parent, and the cap follows the notebook: the playground's small
    kernels fit more students than chapter 04's large ones, and the folder is capped for the
    largest chapter."""
    import subprocess
    import sys

    pytest.importorskip("voila")
    memory = classserver.machine_memory_mb()
    expected = {
        "notebooks/10_playground.ipynb": classserver.KERNEL_MB["10"],
        "notebooks/04_weight_initialization.ipynb": classserver.KERNEL_MB["04"],
        "notebooks": max(classserver.KERNEL_MB.values()),
    }
    run = subprocess.run(
        [sys.executable, "-c", CAP_OF_VOILA, *(str(ROOT / served) for served in expected)],
        cwd=ROOT,  # where voila.json is, as the README starts Voilà
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    caps = [int(line) for line in run.stdout.split()]
    assert caps == [max(1, int(0.75 * memory / size)) for size in expected.values()], caps


def high_water_mb(pid: int) -> float:
    """The most resident memory process ``pid`` has held so far (Linux's VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for process {pid}")


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda nb: nb.name[:2])
def test_no_chapters_kernel_outgrows_its_share(notebook):
    """The notebook run top to bottom in a fresh kernel, every picture drawn (no frame store);
    then its kernel's high-water mark, the most resident memory it ever held, is within the
    chapter's KERNEL_MB. (Measured in a plain kernel: the Voilà app of the playground leaves out
    six training runs, and its kernel measured 373 MB against 365 MB here.)"""
    import nbformat

    if not Path("/proc/self/status").exists():
        pytest.skip("reads the kernel's high-water mark from Linux's /proc")
    nb = nbformat.read(notebook, as_version=4)
    runner = client(nb, notebook)  # a fresh kernel in the notebook's folder, as the handouts run
    with runner.setup_kernel():
        for index, cell in enumerate(nb.cells):
            runner.execute_cell(cell, index)
        peak_mb = high_water_mb(runner.km.provisioner.process.pid)
    share = classserver.KERNEL_MB[notebook.name[:2]]
    print(f"\n{notebook.name}: the kernel's largest resident size {peak_mb:.0f} MB of {share} MB")
    assert 100 < peak_mb <= share, (notebook.name, round(peak_mb))
