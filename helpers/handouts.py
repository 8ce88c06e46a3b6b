"""Offline HTML handouts: ``python -m helpers.handouts [--out DIR] [--no-code] [--jobs N] [--pdf]``;
``python -m helpers.handouts --frames-only`` fills the frame store alone (before a class).

First draws every interactive figure's frames (presets x explored values, in ``--jobs`` worker
processes) into the frame store, skipping those it holds already; then executes every notebook
in ``notebooks/`` in a fresh kernel with ``HELPERS_STATIC=1``, so that every interactive figure
is an explorable block (``display/explorable.py``) made of the stored frames; exports each to
HTML with the ``handout`` template (no CDN: MathJax is copied beside the handouts from
jupyter-server-mathjax), checks the size budgets and that nothing references another host, and
only then writes the handouts and an ``index.html`` in lecture order.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat

from .figures import STATIC_ENV
from .validation import check_choice

TEMPLATES = Path(__file__).parent / "templates"
MATHJAX_URL = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"
MB = 1024 * 1024
MAX_HANDOUT_BYTES = 6 * MB  # one handout, every figure explorable (MathJax not counted)
MAX_TOTAL_BYTES = 40 * MB  # all of them together
# src=, href= or url() pointing at another host (a protocol-relative //host counts too)
EXTERNAL = re.compile(
    r"""(?:src|href)\s*=\s*["'](?:https?:)?//|url\(\s*["']?(?:https?:)?//""", re.I
)


def summary(notebook) -> str:
    """The notebook's one-line summary, kept in its metadata (``course.summary``)."""
    return notebook.metadata.get("course", {}).get("summary", "")


def title(notebook) -> str:
    first = next(c for c in notebook.cells if c.cell_type == "markdown").source
    return first.splitlines()[0].lstrip("# ").strip()


def notebook_paths(folder: Path) -> list[Path]:
    """The course's notebooks in ``folder``, in lecture order (NN_topic.ipynb)."""
    return sorted(folder.glob("[0-9][0-9]_*.ipynb"))


def client(notebook, path: Path):
    """An nbclient runner for ``notebook`` (read from ``path``), in a fresh python3 kernel
    started in the notebook's folder. The kernel talks to us over local sockets (IPC), not
    TCP: nothing to encrypt, and no warning that it is not encrypted."""
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient

    class LocalKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs):
            # an IPC address is a file path: absolute, since the kernel starts in another folder
            # (removed with the manager)
            self._sockets = tempfile.TemporaryDirectory(prefix="handout-kernel-")
            super().__init__(
                transport="ipc", ip=os.path.join(self._sockets.name, "kernel"), **kwargs
            )

    return NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        kernel_manager_class=LocalKernelManager,
        resources={"metadata": {"path": str(path.parent)}},
    )


def execute(path: Path):
    notebook = nbformat.read(path, as_version=4)
    client(notebook, path).execute()
    return notebook


def export(notebook, name: str, no_code: bool) -> str:
    from nbconvert import HTMLExporter

    notebook.metadata["title"] = title(
        notebook
    )  # the page's <title>: the chapter's, not its file's
    exporter = HTMLExporter(
        template_name="handout",
        extra_template_basedirs=[str(TEMPLATES)],
        mathjax_url=MATHJAX_URL,
        exclude_input=no_code,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    body, _ = exporter.from_notebook_node(notebook, resources={"metadata": {"name": name}})
    return link_to_handouts(body)


NOTEBOOK_LINK = re.compile(r'href="(\d\d_[A-Za-z0-9_]+)\.ipynb(#[^"]*)?"')


def link_to_handouts(page: str) -> str:
    """A notebook's link to another chapter (``05_residual_connections.ipynb``) points, in a
    handout, at that chapter's handout beside it."""
    return NOTEBOOK_LINK.sub(lambda m: f'href="{m.group(1)}.html{m.group(2) or ""}"', page)


def external_references(page: str) -> list[str]:
    return [page[m.start() : m.start() + 80] for m in EXTERNAL.finditer(page)]


def copy_mathjax(out: Path) -> None:
    import jupyter_server_mathjax

    source = Path(jupyter_server_mathjax.__file__).parent / "static"
    shutil.copytree(source, out / "mathjax", dirs_exist_ok=True)


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The printable width at 96 px/inch with 12 mm side margins: 210 − 24 mm on A4, 8.5 in − 24 mm
# on Letter. The page is laid out (and MathJax breaks long equations) at this width, as printed.
PRINT_WIDTH_PX = {"A4": 703, "Letter": 725}


def print_pdfs(out: Path, pages: list[Path], paper: str = "A4") -> list[Path]:
    """Print each handout page in ``out`` to a PDF beside it, with Chromium (Debian's, driven by
    Playwright; nothing is downloaded), served from 127.0.0.1 so that the local MathJax and its
    fonts load. Waits for MathJax to finish before printing."""
    import functools
    import http.server
    import threading

    check_choice("paper", paper, PRINT_WIDTH_PX)
    if not Path(CHROMIUM).exists():
        raise RuntimeError(
            f"--pdf prints with Chromium, and there is none at {CHROMIUM}: "
            "install it (Debian/Ubuntu: apt-get install chromium) or print the HTML "
            "handouts from your own browser (File → Print → Save as PDF)"
        )
    from playwright.sync_api import sync_playwright

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # no line per request on the lecturer's terminal
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(out))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    printed = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                for page_path in pages:
                    page = browser.new_page(
                        viewport={"width": PRINT_WIDTH_PX[paper], "height": 1000}
                    )
                    page.goto(f"http://127.0.0.1:{server.server_address[1]}/{page_path.name}")
                    page.wait_for_function(
                        "!window.MathJax || (MathJax.Hub && MathJax.Hub.queue.pending === 0)",
                        timeout=60_000,
                    )
                    target = page_path.with_suffix(".pdf")
                    page.pdf(
                        path=str(target),
                        format=paper,
                        print_background=True,
                        margin={"top": "15mm", "bottom": "15mm", "left": "12mm", "right": "12mm"},
                    )
                    page.close()
                    printed.append(target)
                    print(f"  {target.name}: printed ({paper})", flush=True)
            finally:
                browser.close()
    finally:
        server.shutdown()
    return printed


EXPLORABLE_START = re.compile(r'<div class="explorable" data-figure="([^"]+)"')
EXPLORABLE_END = "</script></div>"  # the block's last element is its frames' script


def figure_sizes(page: str) -> dict[str, int]:
    """The bytes each explorable figure takes in a handout page, by figure name."""
    sizes = {}
    for match in EXPLORABLE_START.finditer(page):
        end = page.find(EXPLORABLE_END, page.find('class="explorable-frames"', match.start()))
        sizes[match.group(1)] = sizes.get(match.group(1), 0) + (end - match.start())
    return sizes


def over_budget(
    pages: dict[str, str], per_page: int = MAX_HANDOUT_BYTES, total: int = MAX_TOTAL_BYTES
) -> list[str]:
    """What breaks the size budgets, said so that one knows what to shrink: each page over
    ``per_page`` with its largest figures, and the total over ``total``."""
    problems = []
    sizes = {name: len(page.encode()) for name, page in pages.items()}
    for name, size in sizes.items():
        if size > per_page:
            figures = sorted(figure_sizes(pages[name]).items(), key=lambda item: -item[1])
            largest = (
                ", ".join(f"{figure} {bytes_ / MB:.1f} MB" for figure, bytes_ in figures[:3])
                or "no figure"
            )
            problems.append(
                f"{name}.html is {size / MB:.1f} MB, over the {per_page / MB:.0f} MB a handout may "
                f"take "
                f"(largest figures: {largest}; give them fewer explore values or presets in "
                f"helpers/chapters)"
            )
    if sum(sizes.values()) > total:
        problems.append(
            f"the handouts take {sum(sizes.values()) / MB:.1f} MB together, over {total / MB:.0f} "
            f"MB"
        )
    return problems


def index_page(entries, pdf: bool = False) -> str:
    """The handouts' front page, in lecture order: each handout, its summary and (when the PDFs
    are built beside them) its PDF; the credit to the lecture notes and the licence."""
    rows = "".join(
        f'<li><a href="{html.escape(f)}">{html.escape(t)}</a>'
        + (f' · <a href="{html.escape(f[:-5])}.pdf">PDF</a>' if pdf else "")
        + f"<br><span>{html.escape(s)}</span></li>"
        for f, t, s in entries
    )
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Vanishing &amp; Exploding Gradients — handouts</title>
<style>body{{font-family:sans-serif;max-width:800px;margin:2em auto;padding:0 1em;line-height:1.5}}
li{{margin-bottom:1em}} span,footer{{color:#444}}
a{{color:#0b57a4;text-decoration:underline}}</style>
</head><body><main>
<h1>Vanishing &amp; Exploding Gradients — handouts</h1>
<p>One handout per notebook, in lecture order. Every interactive figure still moves: pick a
preset, then drag its slider (or use the arrow keys); no Python and no network needed. Printed,
each figure shows one picture per preset.</p><ol>{rows}</ol></main>
<footer><p>Built on S. Alireza Mousavizade's lecture notes <cite>Vanishing and Exploding
Gradient</cite>, which the handouts follow and quote (in quotation marks, as "the lecture").
Text and figures: <a href="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a>; code: MIT
licence; the quoted passages are their author's.</p></footer></body></html>"""


def build(
    notebooks: Path,
    out: Path,
    no_code: bool = False,
    jobs: int = 2,
    only: list[str] | None = None,
    pdf: bool = False,
    paper: str = "A4",
) -> list[tuple[str, int, float]]:
    paths = notebook_paths(notebooks)
    if only:
        paths = [p for p in paths if p.stem in only or p.stem[:2] in only]
    if not paths:
        raise ValueError(f"no notebooks named NN_topic.ipynb in {notebooks}")
    start = time.perf_counter()
    fill_frames([p.stem for p in paths], jobs)
    previous = os.environ.get(STATIC_ENV)
    os.environ[STATIC_ENV] = "1"  # inherited by every kernel started below

    def one(path):
        began = time.perf_counter()
        print(f"  {path.name}: running …", flush=True)
        notebook = execute(path)
        page = export(notebook, path.stem, no_code)
        bad = external_references(page)
        if bad:
            raise RuntimeError(f"{path.name}: the handout would load from another host: {bad[:3]}")
        seconds = time.perf_counter() - began
        print(
            f"  {path.stem}.html: {len(page.encode()) / MB:.2f} MB in {seconds:.1f} s", flush=True
        )
        return path, notebook, page, seconds

    print(f"building {len(paths)} handouts in {out} ({jobs} at a time)", flush=True)
    try:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            results = list(pool.map(one, paths))
    finally:  # only the kernels started here render statically, not the caller's later ones
        if previous is None:
            os.environ.pop(STATIC_ENV, None)
        else:
            os.environ[STATIC_ENV] = previous
    problems = over_budget({p.stem: page for p, _, page, _ in results})
    if problems:  # said before anything is written
        raise RuntimeError("the handouts are over their size budget:\n  " + "\n  ".join(problems))
    out.mkdir(parents=True, exist_ok=True)
    copy_mathjax(out)
    for path, _, page, _ in results:
        (out / f"{path.stem}.html").write_text(page, encoding="utf-8")
    (out / "index.html").write_text(
        index_page(
            [(f"{p.stem}.html", title(nb), summary(nb)) for p, nb, _, _ in results], pdf=pdf
        ),
        encoding="utf-8",
    )
    if pdf:
        print_pdfs(out, [out / f"{p.stem}.html" for p, _, _, _ in results], paper)
    total = sum(len(page.encode()) for _, _, page, _ in results)
    print(
        f"done in {time.perf_counter() - start:.1f} s ({total / MB:.1f} MB of handouts); "
        f"open {out / 'index.html'}"
    )
    return [(p.name, len(page.encode()), seconds) for p, _, page, seconds in results]


def fill_frames(notebooks: list[str] | None = None, jobs: int = 2) -> dict:
    """Draw the frames of the interactive figures of ``notebooks`` (stems; default all) that the
    frame store lacks, ``jobs`` at a time. Returns what ``frames.fill`` reports."""
    from .display.frames import fill
    from .figures import FIGURES
    from .framestore import default_store
    from .seeding import seed_from_environment, set_course_seed

    store = default_store()
    figures = [f for f in FIGURES.values() if notebooks is None or f.notebook in notebooks]
    if store is None or not figures:
        return {"drawn": 0, "found": 0, "seconds": 0.0}
    set_course_seed(seed_from_environment(0))  # the seed the notebooks' setup() will use
    print(f"frames of {len(figures)} figures → {store.folder}", flush=True)
    report = fill(figures, store, jobs)
    print(
        f"  {report['drawn']} drawn, {report['found']} already stored, "
        f"in {report['seconds']:.1f} s",
        flush=True,
    )
    return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.handouts", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("build/handouts"),
        help="output folder (default build/handouts)",
    )
    parser.add_argument(
        "--notebooks",
        type=Path,
        default=Path("notebooks"),
        help="folder of NN_topic.ipynb (default notebooks)",
    )
    parser.add_argument(
        "--no-code", action="store_true", help="leave the code cells out (outputs and text stay)"
    )
    parser.add_argument(
        "--jobs", type=int, default=2, help="notebooks executed at once (default 2)"
    )
    parser.add_argument(
        "--only", nargs="+", help="build only these notebooks (by name or number, e.g. 00 04)"
    )
    parser.add_argument(
        "--pdf",
        action="store_true",
        help="also print each handout to a PDF beside it (needs Chromium)",
    )
    parser.add_argument(
        "--paper",
        choices=sorted(PRINT_WIDTH_PX),
        default="A4",
        help="paper size for --pdf (default A4)",
    )
    parser.add_argument(
        "--frames-only",
        action="store_true",
        help="only fill the frame store (for a fast live panel in class); write no handouts",
    )
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    if args.frames_only:
        stems = [
            p.stem
            for p in notebook_paths(args.notebooks)
            if not args.only or p.stem in args.only or p.stem[:2] in args.only
        ]
        fill_frames(stems, args.jobs)
        return 0
    build(args.notebooks, args.out, args.no_code, args.jobs, args.only, args.pdf, args.paper)
    return 0


if __name__ == "__main__":
    sys.exit(main())
