"""The lecture hall, driven by a browser: JupyterLab's slide decks and Voilà apps at a
projector's 1280 × 720, in Debian's Chromium through Playwright.

Used by the browser tests (every slide of every deck fits the screen, each live figure's slide
shows its controls and picture, each key press shows something new) and by the README's
screenshots::

    python -m helpers.presenting --screenshots images/screenshots

JupyterLab runs on a copy of ``notebooks/`` and ``images/`` with settings and workspaces of its
own, so that running a deck never writes outputs into the repository's notebooks (JupyterLab
autosaves) and a presenter's own settings do not change what is measured.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from .handouts import CHROMIUM, CHROMIUM_ARGS  # Debian's Chromium, never a download

ROOT = Path(__file__).resolve().parents[1]
PROJECTOR = {"width": 1280, "height": 720}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def lab_server(root: Path | None = None):
    """JupyterLab started as the README says (``jupyter lab``, no flags against the news
    prompt: the course's settings turn it off), serving a copy of the course in a temporary
    folder. Yields its address."""
    with tempfile.TemporaryDirectory(prefix="course-lab-") as folder:
        sandbox = Path(folder)
        for part in ("notebooks", "images"):
            shutil.copytree((root or ROOT) / part, sandbox / part)
        port = free_port()
        env = {
            **os.environ,
            "JUPYTERLAB_SETTINGS_DIR": str(sandbox / ".settings"),
            "JUPYTERLAB_WORKSPACES_DIR": str(sandbox / ".workspaces"),
        }
        lab = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyter",
                "lab",
                "--no-browser",
                f"--port={port}",
                "--ServerApp.ip=127.0.0.1",
                "--IdentityProvider.token=",
                "--ServerApp.password=",
                "--ServerApp.allow_root=True",
                f"--ServerApp.root_dir={sandbox}",
            ],
            cwd=sandbox,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            yield f"http://127.0.0.1:{port}/"
        finally:
            lab.terminate()
            try:
                lab.wait(timeout=20)
            except subprocess.TimeoutExpired:
                lab.kill()


def goto_once_up(page, url: str, seconds: float = 60, **goto) -> None:
    """Open ``url`` as soon as the server just started answers (retrying for ``seconds``)."""
    deadline = time.time() + seconds
    while True:
        try:
            page.goto(url, timeout=60_000, **goto)
            return
        except Exception:
            if time.time() > deadline:
                raise
            time.sleep(0.5)


def wait_until_kernels_idle(origin: str, seconds: float = 180) -> None:
    """Wait until every kernel of the server has been idle for two seconds (the server's own
    account: a notebook's prompts are not all in the page while JupyterLab windows it)."""
    deadline, idle_since = time.time() + seconds, None
    while time.time() < deadline:
        with urllib.request.urlopen(origin + "api/kernels", timeout=10) as answer:
            kernels = json.load(answer)
        if kernels and all(k["execution_state"] == "idle" for k in kernels):
            idle_since = idle_since or time.time()
            if time.time() - idle_since >= 2:
                return
        else:
            idle_since = None
        time.sleep(0.25)
    raise TimeoutError(f"the notebook was still running after {seconds:.0f} s")


def toolbar(page, command: str) -> None:
    """Click the notebook toolbar's button for a JupyterLab command (the command palette's
    shortcut is lost while the page is busy)."""
    button = page.locator(f".jp-NotebookPanel-toolbar [data-command='{command}']").first
    button.wait_for(timeout=30_000)
    button.click()


def open_notebook(page, origin: str, notebook: str) -> None:
    """Open ``notebook`` in a fresh workspace (``?reset``: nothing restored from a last
    session) and wait until its cells are there."""
    goto_once_up(page, f"{origin}lab/tree/notebooks/{notebook}?reset", wait_until="load")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
    page.wait_for_timeout(1_500)  # the kernel starts, the widgets' manager loads


def is_dirty(page) -> bool:
    """JupyterLab marks a notebook with unsaved changes on its tab (● instead of ×)."""
    return page.locator(".lm-TabBar-tab.jp-mod-dirty").count() > 0


def run_all(page, origin: str) -> None:
    """Restart the kernel and run every cell, until every code cell is numbered ([12], not [ ] or
    [*]) and the kernel is idle (an idle kernel alone is no sign: it is idle too while it
    restarts). Asked again once if the first run does not finish in two minutes: in a clean-clone
    run of .ci/run, chapter 00's first run hung at its first cell with the kernel "Unknown" in
    both JupyterLab tests at once (a restart meeting a kernel still starting, most likely; not
    reproduced). A notebook that really hangs fails the second time too."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt, seconds in enumerate((120, 180)):
        toolbar(page, "notebook:restart-run-all")
        accept = page.locator(".jp-Dialog-button.jp-mod-accept").first
        accept.wait_for(timeout=10_000)
        accept.click()
        try:
            page.wait_for_function(
                """() => { const p = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
                           return p.length && p.every(e => /\\[\\d+\\]/.test(e.innerText)); }""",
                timeout=seconds * 1000,
                polling=500,
            )
            break
        except PlaywrightTimeout:
            if attempt == 1:
                raise
    wait_until_kernels_idle(origin)
    page.wait_for_timeout(1_000)  # the last outputs are drawn


# One step of a deck, as the page shows it: the cells laid out on the slide (their index in the
# notebook, top and bottom in pixels, shown yet or a fragment still to come), and where the
# live figure's picture and its controls are when one is shown.
STEP = """() => {
  const cells = [...document.querySelectorAll('.jp-Deck .jp-Notebook .jp-Cell')];
  const rect = el => { const r = el.getBoundingClientRect(); return [r.top, r.bottom]; };
  const laid = cells.filter(c => c.classList.contains('jp-deck-mod-onscreen')
                                 && c.getBoundingClientRect().height > 0);
  const shown = c => c.classList.contains('jp-deck-mod-visible');
  const picture = [...document.querySelectorAll('.jp-Deck .helpers-panel .widget-image')]
      .find(i => shown(i.closest('.jp-Cell')));
  const controls = picture ? [...picture.closest('.helpers-panel').querySelectorAll(
      '.widget-slider, .widget-dropdown, .widget-checkbox, .widget-toggle-buttons')]
      .filter(e => e.getBoundingClientRect().height > 0).map(rect) : [];
  return {
    active: cells.findIndex(c => c.classList.contains('jp-mod-active')),
    cells: laid.map(c => [cells.indexOf(c), ...rect(c), shown(c)]),
    picture: picture ? rect(picture) : null,
    controls: controls.length ? [Math.min(...controls.map(r => r[0])),
                                 Math.max(...controls.map(r => r[1]))] : null,
    height: innerHeight,
  };
}"""


@dataclass
class DeckStep:
    active: int  # the notebook cell the deck is at
    cells: list  # [index, top, bottom, shown] of every cell laid out on the slide
    picture: list | None  # [top, bottom] of a shown live figure's picture
    controls: list | None  # [top, bottom] of its controls
    height: int

    @property
    def shown(self) -> set[int]:
        return {c[0] for c in self.cells if c[3]}

    @property
    def extent(self) -> tuple[float, float]:
        tops, bottoms = [c[1] for c in self.cells], [c[2] for c in self.cells]
        return (min(tops), max(bottoms)) if self.cells else (0.0, 0.0)


PRESENTING = "body[data-jp-deck-mode='presenting']"


def start_deck(page) -> None:
    """Start Deck (the toolbar's button), unless the deck is presenting already: JupyterLab
    keeps it on in its settings from one notebook to the next."""
    if page.locator(PRESENTING).count() == 0:
        toolbar(page, "deck:toggle")
    page.wait_for_selector(PRESENTING, timeout=30_000, state="attached")
    page.wait_for_timeout(1_000)


def walk_deck(page, on_step=None, limit: int = 400) -> list[DeckStep]:
    """Press space (the deck's "next") from the first slide to the last; the state after every
    press. ``on_step(number, step)`` is called at each, e.g. to take a screenshot."""
    steps = []
    for number in range(limit):
        step = DeckStep(**page.evaluate(STEP))
        steps.append(step)
        if on_step:
            on_step(number, step)
        if len(steps) > 1 and step.active == steps[-2].active:
            steps.pop()  # the last slide: space moved nowhere
            return steps
        page.keyboard.press("Space")
        page.wait_for_timeout(250)
    raise AssertionError(f"the deck did not end after {limit} presses")


def deck_problems(steps: list[DeckStep], margin: float = 0) -> list[str]:
    """What the room would notice: a slide taller than the screen, a key press that shows
    nothing new, a live figure whose picture or controls are off the screen."""
    problems = []
    for number, step in enumerate(steps):
        top, bottom = step.extent
        where = f"press {number} (cell {step.active})"
        if top < -margin or bottom > step.height + margin:
            problems.append(f"{where}: the slide runs from {top:.0f} to {bottom:.0f} px")
        if number and step.shown == steps[number - 1].shown:
            problems.append(f"{where}: the press showed nothing new")
        if step.picture is not None:
            for part, span in (("picture", step.picture), ("controls", step.controls)):
                if span is None or span[0] < 0 or span[1] > step.height:
                    problems.append(f"{where}: the live figure's {part} is off the screen {span}")
    return problems


def screenshots(folder: Path) -> list[Path]:
    """The README's pictures of what a lecturer sees at 1280 × 720: a deck's title slide, a
    slide with derivation and measurement, a live figure's slide, and the playground in Voilà."""
    from playwright.sync_api import sync_playwright

    folder.mkdir(parents=True, exist_ok=True)
    made = []
    with sync_playwright() as p, lab_server() as origin:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=PROJECTOR)
        open_notebook(page, origin, "01_vanishing_gradients.ipynb")
        run_all(page, origin)
        start_deck(page)
        wanted = {"deck-title": 0}

        def shoot(number, step):
            if number == 0 or (step.picture is not None and "deck-live-figure" not in wanted):
                name = "deck-title" if number == 0 else "deck-live-figure"
                wanted[name] = number
                page.wait_for_timeout(300)
                page.screenshot(path=str(folder / f"{name}.png"))
                made.append(folder / f"{name}.png")

        walk_deck(page, on_step=shoot)
        page.close()
        browser.close()
    made.append(voila_screenshot(folder / "voila-playground.png"))
    return made


def voila_screenshot(path: Path, notebook: str = "10_playground.ipynb") -> Path:
    """The playground as a Voilà app at 1280 × 720, started in the repository's root as the
    README says."""
    from playwright.sync_api import sync_playwright

    port = free_port()
    voila = subprocess.Popen(
        [sys.executable, "-m", "voila", f"notebooks/{notebook}", "--no-browser", f"--port={port}"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport=PROJECTOR)
            goto_once_up(page, f"http://127.0.0.1:{port}/")
            page.wait_for_function(
                "() => { const i = document.querySelector('.widget-image');"
                " return i && i.src.length > 0; }",
                timeout=120_000,
            )
            # as a lecturer shows it: the panel at the top of the screen, controls and picture
            page.locator(".helpers-panel").first.evaluate("e => e.scrollIntoView({block: 'start'})")
            page.wait_for_timeout(500)
            page.screenshot(path=str(path))
            browser.close()
    finally:
        voila.terminate()
        voila.wait(timeout=20)
    return path


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--screenshots", type=Path, required=True, metavar="FOLDER")
    args = parser.parse_args(argv)
    for path in screenshots(args.screenshots):
        print(path)


if __name__ == "__main__":
    main()
