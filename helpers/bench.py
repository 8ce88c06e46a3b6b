"""Slider latency: ``python -m helpers.bench [--json] [--repeats N] [--figure NAME]``;
notebook run times: ``python -m helpers.bench --notebooks [--repeats N]``; every claim at many
seeds: ``python -m helpers.bench --seeds 0-19 [--only 06 08]`` (see ``helpers.seedsweep``);
what one machine serves a class: ``python -m helpers.bench --class 10 20 40 [--preheat | --hub]
[--json]`` (see ``helpers.classload``).

For every interactive figure (found in ``helpers.FIGURES``, so a new chapter needs no code here)
and for two settings — its defaults and its most expensive values — move the figure's main
slider the way a lecturer drags it, through ``repeats`` values it has not seen (so no cache of
results can flatter the numbers), and time each change to the new PNG being ready (compute +
render), through the real control panel.
In the same run, time the naive way for the same changes: ``ipywidgets.interact`` style, a new
pyplot figure per change, everything recomputed, rendered as the inline backend does
(``bbox_inches="tight"``). Targets (README): median < 100 ms, p95 < 250 ms, ≤ half the naive time.
And a preset click onto a frame the frame store holds ("stored"): the picture without drawing.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import sys
import time

import numpy as np

TARGET_MEDIAN_MS, TARGET_P95_MS, TARGET_NAIVE_FRACTION = 100.0, 250.0, 0.5


def _clear_caches() -> None:
    """Forget every cached computation: the probe's and the chapters' own."""
    from .seeding import forget_cached_draws

    forget_cached_draws()


def slider_of(figure):
    """The parameter a lecturer drags: the first numeric one."""
    from .figures import FloatParam, IntParam

    return next(
        ((n, p) for n, p in figure.params.items() if isinstance(p, (IntParam, FloatParam))), None
    )


def fresh_values(param, start, count, grid=None):
    """``count`` distinct in-range values a drag from ``start`` passes through: first stepping up
    from ``start``, then (the lecturer grabs the slider again) stepping down from it. Every value
    is new, so no cache of computed results can flatter the numbers. ``grid``: the values the
    control can hold (a log slider's), stepped through in order."""
    from .figures import FloatParam

    def value(k):
        if grid is not None:
            index = grid.index(start) + k
            return grid[index] if 0 <= index < len(grid) else math.inf
        if isinstance(param, FloatParam) and param.log:
            return start * 10 ** (k * param.step)
        return start + k * param.step

    up = [v for v in map(value, range(1, count + 1)) if param.low <= v <= param.high]
    down = [v for v in map(value, range(-1, -count - 1, -1)) if param.low <= v <= param.high]
    half = max(count - len(down), (count + 1) // 2)
    return (up[:half] + down)[:count]


def drag_values(panel, count):
    """The values a drag of the panel's main slider passes through (see ``fresh_values``)."""
    from .display.panel import control_values

    name, param = slider_of(panel.figure)
    return name, fresh_values(
        param, panel.values[name], count, control_values(panel.controls[name])
    )


def time_panel(figure, setting, repeats):
    """A drag through values nobody has drawn: each is drawn, sent and kept in an empty frame
    store (as the live panel keeps what it draws, for the other kernels of a class)."""
    import tempfile

    from .display.panel import ControlPanel
    from .framestore import FrameStore, wait_for_writes

    _clear_caches()
    with tempfile.TemporaryDirectory(prefix="bench-frames-") as folder:
        panel = ControlPanel(figure, store=FrameStore(folder), **setting)
        name, values = drag_values(panel, repeats)
        times = []
        for value in values:
            start = time.perf_counter()
            panel.controls[name].value = value  # headless: the redraw happens inside this call
            times.append((time.perf_counter() - start) * 1000)
            if panel.error.value:
                raise RuntimeError(f"{figure.name}: redraw failed at {name}={value}")
        wait_for_writes()  # (the panel keeps the frames it drew: before the folder goes)
        if panel.stored_count:
            raise RuntimeError(f"{figure.name}: a drag onto new values found stored frames")
    return times


def time_stored(figure, repeats):
    """A preset click that lands on a frame the store holds (the handout builder, or
    ``--frames-only`` before class, filled it): from the click to the picture's bytes being set,
    through the real control panel."""
    import tempfile

    from .display.frames import frame
    from .display.panel import ControlPanel
    from .framestore import FrameStore, wait_for_writes

    presets = list(figure.presets)
    with tempfile.TemporaryDirectory(prefix="bench-frames-") as folder:
        store = FrameStore(folder)
        for preset in presets:
            frame(figure, figure.preset(preset), store)
        panel = ControlPanel(figure, store=store)
        times = []
        for k in range(repeats):
            target = presets[(k + 1) % len(presets)]
            if panel.presets.value == target:
                continue
            start = time.perf_counter()
            panel.presets.value = target
            times.append((time.perf_counter() - start) * 1000)
        wait_for_writes()  # (the panel keeps the frames it drew: before the folder goes)
        if panel.stored_count < len(times):
            raise RuntimeError(f"{figure.name}: a stored preset was drawn instead of shown")
    return times


def time_naive(figure, setting, repeats):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .plots import lecture_style

    values = figure.resolve(**setting)
    name, param = slider_of(figure)
    times = []
    with lecture_style():
        for value in fresh_values(param, values[name], repeats):
            _clear_caches()  # interact recomputes everything on every change
            start = time.perf_counter()
            fig = plt.figure(figsize=figure.figsize)
            figure.draw(fig, **{**values, name: value})
            fig.savefig(io.BytesIO(), format="png", dpi=100, bbox_inches="tight")
            plt.close(fig)
            times.append((time.perf_counter() - start) * 1000)
    return times


def summarise(samples):
    return {
        "median_ms": round(float(np.median(samples)), 1),
        "p95_ms": round(float(np.percentile(samples, 95)), 1),
    }


def run(repeats: int = 15, only: str | None = None) -> dict:
    from . import FIGURES, setup

    with contextlib.redirect_stdout(io.StringIO()):  # keep --json output pure JSON
        setup(seed=0)
    results = []
    for figure in sorted(FIGURES.values(), key=lambda f: (f.notebook, f.name)):
        if only and figure.name != only or slider_of(figure) is None:
            continue
        settings = {"default": {}, "expensive": figure.expensive}
        per_setting = {
            label: summarise(time_panel(figure, s, repeats)) for label, s in settings.items()
        }
        naive = summarise(time_naive(figure, {}, max(5, repeats // 3)))
        stored = summarise(time_stored(figure, repeats))
        median = max(r["median_ms"] for r in per_setting.values())
        p95 = max(r["p95_ms"] for r in per_setting.values())
        results.append(
            {
                "name": figure.name,
                "notebook": figure.notebook,
                "slider": slider_of(figure)[0],
                "median_ms": median,
                "p95_ms": p95,
                "naive_median_ms": naive["median_ms"],
                "stored_median_ms": stored["median_ms"],
                "stored_p95_ms": stored["p95_ms"],
                "default": per_setting["default"],
                "expensive": per_setting["expensive"],
                "meets_target": median < TARGET_MEDIAN_MS
                and p95 < TARGET_P95_MS
                and per_setting["default"]["median_ms"]
                <= TARGET_NAIVE_FRACTION * naive["median_ms"],
            }
        )
    return {
        "figures": results,
        "repeats": repeats,
        "targets": {
            "median_ms": TARGET_MEDIAN_MS,
            "p95_ms": TARGET_P95_MS,
            "naive_fraction": TARGET_NAIVE_FRACTION,
        },
    }


NOTEBOOK_BUDGET_S = 15.0


def time_notebooks(repeats: int = 1) -> dict:
    """Each notebook run top to bottom in a fresh kernel: from starting the kernel to the last
    cell's result (what a lecturer waits for after "Restart Kernel and Run All Cells"; the
    kernel's shutdown afterwards, ~1.5 s, is not counted). The slowest of ``repeats`` runs is
    reported."""
    from pathlib import Path

    import nbformat

    from .handouts import client, notebook_paths

    results = []
    for path in notebook_paths(Path(__file__).resolve().parent.parent / "notebooks"):
        runs = []
        for _ in range(repeats):
            notebook = nbformat.read(path, as_version=4)
            runner = client(notebook, path)
            start = time.perf_counter()
            with runner.setup_kernel():
                for index, cell in enumerate(notebook.cells):
                    runner.execute_cell(cell, index)
                runs.append(time.perf_counter() - start)
        results.append(
            {
                "notebook": path.stem,
                "seconds": round(max(runs), 1),
                "runs": [round(r, 1) for r in runs],
                "meets_target": max(runs) < NOTEBOOK_BUDGET_S,
            }
        )
    return {"notebooks": results, "budget_s": NOTEBOOK_BUDGET_S}


def notebook_table(report: dict) -> str:
    lines = [f"{'notebook':30} {'seconds':>8}  runs"]
    for r in report["notebooks"]:
        lines.append(
            f"{r['notebook']:30} {r['seconds']:8.1f}  {', '.join(map(str, r['runs']))}"
            f"{'' if r['meets_target'] else '   OVER ' + str(report['budget_s']) + ' s'}"
        )
    return "\n".join(lines)


def table(report: dict) -> str:
    lines = [
        f"{'figure':28} {'notebook':26} {'median':>7} {'p95':>7} {'naive':>7} {'stored':>7}"
        "  target",
        f"{'':28} {'':26} {'ms':>7} {'ms':>7} {'ms':>7} {'ms':>7}",
    ]
    for r in report["figures"]:
        lines.append(
            f"{r['name']:28} {r['notebook']:26} {r['median_ms']:7.0f} {r['p95_ms']:7.0f} "
            f"{r['naive_median_ms']:7.0f} {r['stored_median_ms']:7.1f}  "
            f"{'met' if r['meets_target'] else 'MISSED'}"
        )
    lines.append(
        f"(median and p95: the worse of default and most expensive settings, {report['repeats']} "
        f"changes each;"
        " stored: the median preset click onto a frame in the frame store)"
    )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.bench", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument(
        "--repeats",
        type=int,
        help="slider changes per setting (default 15); with --notebooks, runs of each (default 1)",
    )
    parser.add_argument("--figure", help="benchmark only this figure")
    parser.add_argument(
        "--notebooks", action="store_true", help="time each notebook in a fresh kernel instead"
    )
    parser.add_argument(
        "--class",
        dest="students",
        type=int,
        nargs="+",
        metavar="N",
        help="load-test Voilà with the playground for classes of N students each instead",
    )
    parser.add_argument(
        "--seeds",
        metavar="SEEDS",
        help="the seed sweep instead: every notebook claim at these course seeds (e.g. 0-19)",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="NN",
        help="with --seeds: only these notebooks (by number or name, e.g. 06 08)",
    )
    parser.add_argument(
        "--preheat",
        action="store_true",
        help="with --class: Voilà runs the notebook in a pool of N kernels before the students "
        "come",
    )
    parser.add_argument(
        "--hub",
        action="store_true",
        help="with --class: through a local JupyterHub started from "
        "jupyterhub/jupyterhub_config.py "
        "(each student logs in and follows the nbgitpuller link) instead of Voilà alone",
    )
    parser.add_argument(
        "--mode",
        choices=["together", "independent", "both"],
        default="both",
        help="with --class: every student moves to the same setting, each to their own, or both "
        "(default)",
    )
    args = parser.parse_args(argv)
    if args.seeds:
        from . import seedsweep

        try:
            report = seedsweep.sweep(seedsweep.parse_seeds(args.seeds), args.only)
        except ValueError as error:
            parser.error(str(error))
        print(
            json.dumps(report, indent=2, ensure_ascii=False)
            if args.json
            else seedsweep.table(report)
        )
        return 0
    if args.students:
        from . import classload

        try:
            modes = classload.MODES if args.mode == "both" else (args.mode,)
            report = classload.measure(
                args.students, modes=modes, preheat=args.preheat, hub=args.hub
            )
        except ValueError as error:
            parser.error(str(error))
        print(json.dumps(report, indent=2) if args.json else classload.table(report))
        return 0
    if args.notebooks:
        if args.repeats is not None and args.repeats < 1:
            parser.error("--repeats must be at least 1")
        report = time_notebooks(args.repeats or 1)
        print(json.dumps(report, indent=2) if args.json else notebook_table(report))
        return 0
    repeats = 15 if args.repeats is None else args.repeats
    if repeats < 3:
        parser.error("--repeats must be at least 3")
    report = run(repeats, args.figure)
    print(json.dumps(report, indent=2) if args.json else table(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
