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
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat

from .figures import STATIC_ENV

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
    started in the notebook's folder."""
    from nbclient import NotebookClient
    return NotebookClient(notebook, timeout=600, kernel_name="python3",
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
    return body


def external_references(page: str) -> list[str]:
    return [page[m.start(): m.start() + 80] for m in EXTERNAL.finditer(page)]


def copy_mathjax(out: Path) -> None:
    import jupyter_server_mathjax
    source = Path(jupyter_server_mathjax.__file__).parent / "static"
    shutil.copytree(source, out / "mathjax", dirs_exist_ok=True)


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
          only: list[str] | None = None) -> list[tuple[str, int, float]]:
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
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    build(args.notebooks, args.out, args.no_code, args.jobs, args.only)
    return 0


if __name__ == "__main__":
    sys.exit(main())
