"""The seed sweep: every claim of the notebooks, run at many course seeds.

``python -m helpers.bench --seeds 0-19 [--only 06 08] [--json]`` runs each notebook top to bottom
in a fresh kernel once per seed (``COURSE_SEED``), two notebooks at a time, with the claims
*recording* instead of raising (``HELPERS_CLAIMS_RECORD``, see ``helpers.claims``), so one
failing claim does not hide the ones after it. It reports, for every claim, in how many of the
seeds it held. A claim that fails at one seed in twenty holds by luck: reword it to what holds,
with its spread. The developers run this before calling a chapter done; CI runs two extra seeds.

A claim is known by its notebook and its place among the notebook's claims (its text may carry
numbers that change with the seed); a cell that raises is reported with the seed, and the claims
it kept from running count as not held.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from .claims import RECORD_VARIABLE
from .seeding import ENVIRONMENT_VARIABLE as SEED_VARIABLE

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def parse_seeds(text: str) -> list[int]:
    """``"0-19"``, ``"3"`` or ``"0,5,7-9"`` → the seeds, in order; a ValueError names the form."""
    seeds = []
    try:
        for part in text.split(","):
            low, _, high = part.strip().partition("-")
            first, last = int(low), int(high or low)
            if first < 0 or last < first:
                raise ValueError
            seeds.extend(range(first, last + 1))
    except ValueError:
        raise ValueError(
            f"seeds are whole numbers ≥ 0 written like 0-19, 7 or 0,5,7-9; got {text!r}"
        ) from None
    return list(dict.fromkeys(seeds))


def notebooks(only=None, folder: Path = NOTEBOOKS) -> list[Path]:
    """The notebooks to sweep: all, or those whose number or name is in ``only``."""
    from .handouts import notebook_paths

    paths = notebook_paths(folder)
    if not only:
        return paths
    chosen = [
        p
        for p in paths
        if any(p.stem == o or p.stem.startswith(f"{o}_") or p.name == o for o in only)
    ]
    missing = [
        o
        for o in only
        if not any(p.stem == o or p.stem.startswith(f"{o}_") or p.name == o for p in paths)
    ]
    if missing:
        raise ValueError(
            f"no notebook {missing} in {folder}; choose from {[p.stem[:2] for p in paths]}"
        )
    return chosen


def run_once(path: str, text: str, seed: int) -> dict:
    """One notebook (``text``, as read from ``path`` when the sweep began, so that editing it
    meanwhile changes nothing) at one seed, in a fresh kernel: its recorded claims and any error."""
    import nbformat
    from nbclient.exceptions import CellExecutionError

    from .handouts import client

    with tempfile.NamedTemporaryFile("r", suffix=".jsonl", prefix="claims-") as record:
        os.environ[SEED_VARIABLE] = str(seed)
        os.environ[RECORD_VARIABLE] = record.name
        os.environ.setdefault("HELPERS_FRAMES", "off")
        os.environ["TQDM_DISABLE"] = "1"
        notebook = nbformat.reads(text, as_version=4)
        error = None
        try:
            client(notebook, Path(path)).execute()
        except CellExecutionError as failure:
            error = str(failure).strip().splitlines()[-1][:300]
        claims = [json.loads(line) for line in record.read().splitlines() if line.strip()]
    return {"notebook": Path(path).stem, "seed": seed, "claims": claims, "error": error}


def sweep(seeds: list[int], only=None, jobs: int = 2, progress=True) -> dict:
    from tqdm.auto import tqdm

    paths = notebooks(only)
    tasks = [(str(p), p.read_text(encoding="utf-8"), s) for p in paths for s in seeds]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(run_once, *task) for task in tasks]
        runs = [f.result() for f in tqdm(futures, desc="notebook × seed", disable=not progress)]
    report = {"seeds": seeds, "notebooks": []}
    for path in paths:
        mine = [r for r in runs if r["notebook"] == path.stem]
        keyed = {r["seed"]: _by_key(r["claims"]) for r in mine}
        errors = {r["seed"]: r["error"] for r in mine if r["error"]}
        keys = list(dict.fromkeys(k for r in mine for k in _by_key(r["claims"])))
        claims = []
        for key in keys:
            ran = {seed: found[key] for seed, found in keyed.items() if key in found}
            # a claim missing where no cell raised was skipped on purpose (a claim about a run that
            # did not happen at that seed); missing after an error, it did not get to run
            failed = [
                s
                for s in seeds
                if (s in ran and not ran[s]["holds"]) or (s not in ran and s in errors)
            ]
            skipped = [s for s in seeds if s not in ran and s not in errors]
            first = next(iter(ran.values()))
            claims.append(
                {
                    "statement": first["statement"],
                    "held": len(seeds) - len(failed) - len(skipped),
                    "failed_at": failed,
                    "skipped_at": skipped,
                    "measured": {s: c["measured"] for s, c in ran.items()},
                }
            )
        report["notebooks"].append({"notebook": path.stem, "claims": claims, "errors": errors})
    return report


def _by_key(claims: list) -> dict:
    """A run's claims by key: the statement with its numbers blanked (an f-string's numbers change
    with the seed) and, for statements alike, their order."""
    keyed, seen = {}, {}
    for claim in claims:
        text = re.sub(r"[-+]?\d[\d.,e+-]*", "#", claim["statement"])
        seen[text] = seen.get(text, 0) + 1
        keyed[text, seen[text]] = claim
    return keyed


def table(report: dict) -> str:
    n = len(report["seeds"])
    seeds = report["seeds"]
    named = (
        f"{seeds[0]}–{seeds[-1]}"
        if seeds == list(range(seeds[0], seeds[-1] + 1))
        else ", ".join(map(str, seeds))
    )
    lines = [f"seeds {named} ({n}): claims held / {n}"]
    total = held_everywhere = 0
    for book in report["notebooks"]:
        lines.append(book["notebook"])
        for k, c in enumerate(book["claims"], 1):
            total += 1
            held_everywhere += not c["failed_at"]
            skipped = c.get("skipped_at", [])
            mark = "  " if not c["failed_at"] else "✘ "
            where = f"   fails at {c['failed_at']}" if c["failed_at"] else ""
            if skipped:
                where += f"   (not asked at {skipped}: its precondition did not hold)"
            if c["failed_at"]:  # the numbers where it failed, beside those of the first seed
                shown = {s: c["measured"][s] for s in c["failed_at"][:3] if s in c["measured"]}
                where += "".join(f"\n          seed {s}: {m}" for s, m in shown.items())
            text = c["statement"] if len(c["statement"]) <= 90 else c["statement"][:89] + "…"
            lines.append(f" {mark}{k:2}. {c['held']:2}/{n}  {text}{where}")
        for seed, error in book["errors"].items():
            lines.append(f" ✘ seed {seed}: a cell raised: {error}")
    lines.append(f"{held_everywhere} of {total} claims held at every seed they were asked at")
    return "\n".join(lines)
