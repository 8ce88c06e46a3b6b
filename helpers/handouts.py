"""Offline HTML handouts: ``python -m helpers.handouts [--out DIR] [--no-code] [--jobs N]``.

Executes every notebook in ``notebooks/`` in a fresh kernel with ``HELPERS_STATIC=1`` (so every
interactive figure renders as a captioned gallery of its presets), exports each to HTML with the
``handout`` template (no CDN: MathJax is copied beside the handouts from jupyter-server-mathjax),
and writes an ``index.html`` in lecture order. A handout that would reference another host is an
error, not a warning.
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
MAX_BYTES = 3 * 1024 * 1024
# src=, href= or url() pointing at another host (a protocol-relative //host counts too)
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//|url\(\s*["']?(?:https?:)?//""", re.I)


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
            super().__init__(transport="ipc", ip=os.path.join(self._sockets.name, "kernel"), **kwargs)

    return NotebookClient(notebook, timeout=600, kernel_name="python3", kernel_manager_class=LocalKernelManager,
                          resources={"metadata": {"path": str(path.parent)}})


def execute(path: Path):
    notebook = nbformat.read(path, as_version=4)
    client(notebook, path).execute()
    return notebook


def export(notebook, name: str, no_code: bool) -> str:
    from nbconvert import HTMLExporter
    exporter = HTMLExporter(template_name="handout", extra_template_basedirs=[str(TEMPLATES)],
                            mathjax_url=MATHJAX_URL, exclude_input=no_code,
                            exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(notebook, resources={"metadata": {"name": name}})
    return link_to_handouts(body)


NOTEBOOK_LINK = re.compile(r'href="(\d\d_[A-Za-z0-9_]+)\.ipynb(#[^"]*)?"')


def link_to_handouts(page: str) -> str:
    """A notebook's link to another chapter (``05_residual_connections.ipynb``) points, in a
    handout, at that chapter's handout beside it."""
    return NOTEBOOK_LINK.sub(lambda m: f'href="{m.group(1)}.html{m.group(2) or ""}"', page)


def external_references(page: str) -> list[str]:
    return [page[m.start(): m.start() + 80] for m in EXTERNAL.finditer(page)]


def copy_mathjax(out: Path) -> None:
    import jupyter_server_mathjax
    source = Path(jupyter_server_mathjax.__file__).parent / "static"
    shutil.copytree(source, out / "mathjax", dirs_exist_ok=True)


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
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
        raise RuntimeError(f"--pdf prints with Chromium, and there is none at {CHROMIUM}: "
                           "install it (Debian/Ubuntu: apt-get install chromium) or print the HTML "
                           "handouts from your own browser (File → Print → Save as PDF)")
    from playwright.sync_api import sync_playwright
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # no line per request on the lecturer's terminal
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(out)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    printed = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                for page_path in pages:
                    page = browser.new_page(viewport={"width": PRINT_WIDTH_PX[paper], "height": 1000})
                    page.goto(f"http://127.0.0.1:{server.server_address[1]}/{page_path.name}")
                    page.wait_for_function("!window.MathJax || (MathJax.Hub && MathJax.Hub.queue.pending === 0)",
                                           timeout=60_000)
                    target = page_path.with_suffix(".pdf")
                    page.pdf(path=str(target), format=paper, print_background=True,
                             margin={"top": "15mm", "bottom": "15mm", "left": "12mm", "right": "12mm"})
                    page.close()
                    printed.append(target)
                    print(f"  {target.name}: printed ({paper})", flush=True)
            finally:
                browser.close()
    finally:
        server.shutdown()
    return printed


def index_page(entries) -> str:
    rows = "".join(f'<li><a href="{html.escape(f)}">{html.escape(t)}</a><br><span>{html.escape(s)}</span></li>'
                   for f, t, s in entries)
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Vanishing &amp; Exploding Gradients — handouts</title>
<style>body{{font-family:sans-serif;max-width:800px;margin:2em auto;line-height:1.5}}
li{{margin-bottom:1em}} span{{color:#444}}</style></head><body>
<h1>Vanishing &amp; Exploding Gradients — handouts</h1>
<p>One handout per notebook, in lecture order. Interactive figures appear as galleries of their
presets; everything works offline.</p><ol>{rows}</ol></body></html>"""


def build(notebooks: Path, out: Path, no_code: bool = False, jobs: int = 2,
          only: list[str] | None = None, pdf: bool = False, paper: str = "A4") -> list[tuple[str, int, float]]:
    paths = notebook_paths(notebooks)
    if only:
        paths = [p for p in paths if p.stem in only or p.stem[:2] in only]
    if not paths:
        raise ValueError(f"no notebooks named NN_topic.ipynb in {notebooks}")
    out.mkdir(parents=True, exist_ok=True)
    copy_mathjax(out)
    previous = os.environ.get(STATIC_ENV)
    os.environ[STATIC_ENV] = "1"  # inherited by every kernel started below
    start = time.perf_counter()

    def one(path):
        began = time.perf_counter()
        print(f"  {path.name}: running …", flush=True)
        notebook = execute(path)
        page = export(notebook, path.stem, no_code)
        bad = external_references(page)
        if bad:
            raise RuntimeError(f"{path.name}: the handout would load from another host: {bad[:3]}")
        target = out / f"{path.stem}.html"
        target.write_text(page, encoding="utf-8")
        seconds = time.perf_counter() - began
        print(f"  {target.name}: {len(page) / 1e6:.2f} MB in {seconds:.1f} s", flush=True)
        return path, notebook, len(page.encode()), seconds

    print(f"building {len(paths)} handouts in {out} ({jobs} at a time)", flush=True)
    try:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            results = list(pool.map(one, paths))
    finally:  # only the kernels started here render statically, not the caller's later ones
        if previous is None:
            os.environ.pop(STATIC_ENV, None)
        else:
            os.environ[STATIC_ENV] = previous
    (out / "index.html").write_text(index_page(
        [(f"{p.stem}.html", title(nb), summary(nb)) for p, nb, _, _ in results]), encoding="utf-8")
    too_big = [(p.name, size) for p, _, size, _ in results if size > MAX_BYTES]
    if pdf:
        print_pdfs(out, [out / f"{p.stem}.html" for p, _, _, _ in results], paper)
    print(f"done in {time.perf_counter() - start:.1f} s; open {out / 'index.html'}")
    if too_big:
        raise RuntimeError(f"handouts over 3 MB: {too_big}")
    return [(p.name, size, seconds) for p, _, size, seconds in results]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.handouts", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("build/handouts"), help="output folder (default build/handouts)")
    parser.add_argument("--notebooks", type=Path, default=Path("notebooks"), help="folder of NN_topic.ipynb (default notebooks)")
    parser.add_argument("--no-code", action="store_true", help="leave the code cells out (outputs and text stay)")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks executed at once (default 2)")
    parser.add_argument("--only", nargs="+", help="build only these notebooks (by name or number, e.g. 00 04)")
    parser.add_argument("--pdf", action="store_true", help="also print each handout to a PDF beside it (needs Chromium)")
    parser.add_argument("--paper", choices=sorted(PRINT_WIDTH_PX), default="A4", help="paper size for --pdf (default A4)")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    build(args.notebooks, args.out, args.no_code, args.jobs, args.only, args.pdf, args.paper)
    return 0


if __name__ == "__main__":
    sys.exit(main())
