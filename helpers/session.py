"""``setup()``: the one visible line at the top of every notebook."""

from __future__ import annotations

import gc
import os
import random

import numpy as np
import torch

from .plots import apply_style
from .seeding import ENVIRONMENT_VARIABLE, seed_from_environment, set_course_seed


def setup(seed: int = 0, threads: int = 1) -> int:
    """Seed Python, numpy and torch and every stream ``helpers`` draws from; fix torch's thread
    count (one thread gives the same numbers run after run on one machine, and is fastest for
    the course's small nets; another processor may round the last bits differently, and a long
    training run grows that into other numbers, which is why claims are checked at many seeds);
    apply the lecture plot style. Returns the seed in force, which is ``seed``
    unless the environment variable ``COURSE_SEED`` overrides it for the whole run (notebooks
    use the returned value for the random numbers they draw themselves)."""
    seed = seed_from_environment(seed)
    set_course_seed(seed)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    apply_style()
    try:
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        # The lecture style lays figures out with constrained layout, so the inline backend's
        # default bbox_inches="tight" would only draw every figure a second time.
        set_matplotlib_formats("png", bbox_inches=None)
        describe_inline_figures()
    except Exception:  # outside IPython there is no inline backend to configure
        pass
    # torch, numpy and matplotlib leave ~250,000 long-lived objects, and a full garbage
    # collection walks them all: 140 ms, now and then in the middle of a slider drag. They
    # live as long as the kernel anyway, so take them out of the collector's walks.
    gc.freeze()
    mode = "static handout" if os.environ.get("HELPERS_STATIC") else "live"
    source = (
        f" (from {ENVIRONMENT_VARIABLE})"
        if os.environ.get(ENVIRONMENT_VARIABLE, "").strip()
        else ""
    )
    if not in_app():  # (a Voilà app's page shows the lesson, not the set-up)
        print(
            f"helpers ready: seed {seed}{source} · torch {torch.__version__} · "
            f"{threads} thread(s) · {mode} figures"
        )
    return seed


def describe_inline_figures() -> None:
    """Every figure a notebook shows with ``plt.show()`` carries its text alternative: the
    inline backend's PNG goes out with ``{"alt": describe(fig)}`` as its metadata, which the
    handouts (nbconvert) write as the picture's alt text — the figure's numbers, read from what
    it draws, instead of "No description has been provided for this image"."""
    from IPython import get_ipython
    from matplotlib.figure import Figure

    from .describe import describe

    shell = get_ipython()
    if shell is None:
        return
    formatter = shell.display_formatter.formatters["image/png"]
    drawing = formatter.lookup_by_type(Figure)
    if getattr(drawing, "describes", False):
        return  # set up already

    def png_with_alt(fig):
        data = drawing(fig)
        return None if data is None else (data, {"alt": describe(fig)})

    png_with_alt.describes = True
    formatter.for_type(Figure, png_with_alt)


def in_app() -> bool:
    """Whether this kernel runs the notebook for a Voilà app (Voilà gives its kernels these
    variables; a notebook in JupyterLab, nbval or nbclient has none of them). An app serves a
    class its panels: a notebook may leave out there what only a reader of the notebook needs."""
    return any(
        name in os.environ for name in ("VOILA_BASE_URL", "VOILA_PREHEAT", "VOILA_REQUEST_URL")
    ) or os.environ.get("SERVER_SOFTWARE", "").startswith("voila/")
