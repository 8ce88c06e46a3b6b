"""The class server: Voilà's kernels, capped to what the machine can hold.

jupyter_server has no limit of its own on kernels: every page load starts one (340–810 MB for
a course chapter), so a class refreshing its pages can exhaust a machine's memory. The
repository's ``voila.json`` makes Voilà use ``CappedKernelManager``: at most ``max_kernels``
kernels (by default as many as three quarters of the machine's memory holds at the served
notebook's ``KERNEL_MB`` each, or at the largest of them when Voilà serves the folder); a page
load beyond that is answered at once with HTTP 503 and the page "The class server is full: N of
N places taken", instead of a hang. Idle kernels of closed pages are culled by jupyter_server's
own culler (``voila.json`` sets its timeout).

    voila notebooks/10_playground.ipynb --CappedKernelManager.max_kernels=20
"""

from __future__ import annotations

import os

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web
from traitlets import Integer, default

# The memory to reserve for a kernel of each chapter, in MB: its largest resident size while the
# notebook runs (its high-water mark, measured 2026-12-06 with HELPERS_FRAMES=off, so every
# picture is drawn), with room to spare. tests/test_classserver.py runs every notebook and fails
# the day one grows past its number. (04 holds the lecture's six 4096 × 4096 weight matrices,
# 400 MB, in one section; 03 profiles eight activations' 30-layer networks.)
KERNEL_MB = {
    "00": 400,  # high-water mark 339
    "01": 450,  # 378
    "02": 450,  # 374
    "03": 700,  # 630
    "04": 900,  # 809
    "05": 600,  # 517
    "06": 600,  # 531
    "07": 450,  # 405
    "08": 450,  # 403
    "09": 450,  # 366
    "10": 400,  # 365 (in Voilà, where the six training checks are left out, 373 resident)
    "11": 400,  # 348
}


def kernel_mb(notebook_path: str | os.PathLike | None) -> int:
    """The memory to reserve for one kernel of ``notebook_path`` (a course chapter, by its number);
    for any other notebook, or none (Voilà serving a folder, whose pages may open any chapter),
    the largest."""
    chapter = os.path.basename(os.fspath(notebook_path or ""))[:2]
    return KERNEL_MB.get(chapter, max(KERNEL_MB.values()))


def machine_memory_mb() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    except (ValueError, OSError, AttributeError):
        return 4096


class CappedKernelManager(AsyncMappingKernelManager):
    """A kernel manager that starts at most ``max_kernels`` kernels at once."""

    max_kernels = Integer(
        help="The most kernels running at once; a page load beyond them gets a 'full' page "
        "(default: three quarters of the machine's memory at the served notebook's KERNEL_MB "
        "per kernel)"
    ).tag(config=True)

    @default("max_kernels")
    def _max_kernels_for_this_machine(self) -> int:
        # Voilà makes its kernel manager with itself as the parent: the notebook it serves
        served = getattr(self.parent, "notebook_path", None)
        return max(1, int(0.75 * machine_memory_mb() / kernel_mb(served)))

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._starting = 0  # kernels being started: counted before they are listed

    async def start_kernel(self, *args, kernel_id=None, **kwargs):
        if kernel_id is None:  # a new kernel (not a restart of one that holds its place)
            taken = len(self.list_kernel_ids()) + self._starting
            if taken >= self.max_kernels:
                # the reason is what Voilà's error page shows the student (and the status line)
                full = f"the class server is full: {taken} of {self.max_kernels} places taken"
                raise web.HTTPError(
                    503, reason=f"Sorry, {full}; try again in a few minutes", log_message=full
                )
        self._starting += 1
        try:
            return await super().start_kernel(*args, kernel_id=kernel_id, **kwargs)
        finally:
            self._starting -= 1
