"""How many students one machine serves: ``python -m helpers.bench --class 10 20 40 [--json]``.

Starts Voilà on 127.0.0.1 with the playground notebook (from the repository's root, so that its
template asks no other host for anything), then for each class size N opens N pages at once in
Debian's Chromium (driven by Playwright; nothing is downloaded), as N students would, and waits
for each page's figure. Then every student moves a slider of the playground one step at the same
moment (each page presses its key at one time of day, within milliseconds of the others), and
each page measures, in the page itself, the time from the key press to the new picture. Two ways
(``--mode``): *together*, every student moves the playground's first slider one step to the same
setting, as a class following the lecturer does (one kernel draws that frame, the others wait
for it and read it from the shared frame store, which is empty when Voilà starts: nothing was
filled before the class); *independent*, each student goes their own way, student i moving
slider i mod S (of the sliders not greyed out) with the i-th of the keys that move it (arrows,
Page Up/Down, Home, End), so that up to 6 S different settings are asked for at once and a
shared store helps little. Per N and mode it reports the settings asked for, the pages that
rendered, how long they took to show the figure (median and slowest, from the request), the
median and p95 of that latency, each kernel's resident memory (the largest) and the total (Voilà
and its kernels), the CPU time the kernels, the server and Chromium used during the move (all
share the machine's cores here), how much CPU time the hypervisor took meanwhile and how long a
fixed piece of work took just before and after the move (the machine's speed just then), and how
many cell outputs the server dropped (its log's "Timeout waiting for IOPub output": a page then
lacks that output). It stops at the first N at which a page did not render, an output was
dropped or p95 exceeded 1 s, and keeps that class's server log in ``build/class-bench/``.
Loopback only; every wait is bounded.
"""

from __future__ import annotations

import contextlib
import math
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "10_playground.ipynb"
FAILING_P95_MS = 1000.0
# what nbclient (Voilà's executor) logs when it gives up waiting for a cell's output: the output
# is left out of the page
DROPPED_OUTPUT = b"Timeout waiting for IOPub output"
HUB_FAILING_P95_MS = 1500.0  # through a hub the proxy sits between page and kernel
MODES = ("together", "independent")
# the keys a student may press on a slider, the ones that move it up first
KEYS_UP, KEYS_DOWN = ("ArrowRight", "PageUp", "End"), ("ArrowLeft", "PageDown", "Home")
MAX_STUDENTS = 60

# In each page, from its first script on: note when the figure's picture first appears (the
# time of day, in ms, compared with when the student asked for the page; through a hub, several
# pages come one after another: login, the spawn, nbgitpuller): how long a student waits for the
# app, which the kernel's run of the notebook (its imports, every cell) decides.
LOADED = """new MutationObserver((records, observer) => {
  const image = document.querySelector('.widget-image');
  if (image && image.src && image.src.length > 0) {
    window.__loaded_at = Date.now();
    observer.disconnect();
  }
}).observe(document, {subtree: true, childList: true, attributes: true,
                      attributeFilter: ['src']});"""

# In each page: at time of day ``at`` (ms), focus slider number ``slider`` of the first panel
# (the playground's own; the page holds a second panel, whose picture is not watched) and press
# ``key`` on it (a keydown as the keyboard sends it, which noUiSlider, behind ipywidgets' sliders,
# handles).
PRESS_AT = """([selector, slider, key, at]) => {
  const handle = document.querySelector('.helpers-panel').querySelectorAll(selector)[slider];
  setTimeout(() => {
    handle.focus();
    handle.dispatchEvent(new KeyboardEvent('keydown', {key, code: key, bubbles: true,
                                                       cancelable: true}));
  }, Math.max(0, at - Date.now()));
}"""

# In each page: note when a key goes down in the slider and when the figure's picture changes.
WATCH = """() => {
  const image = document.querySelector('.helpers-panel .widget-image');
  window.__pressed = null; window.__changed = null;
  new MutationObserver(() => { if (window.__pressed !== null && window.__changed === null)
                                 window.__changed = performance.now(); })
      .observe(image, {attributes: true, attributeFilter: ['src']});
  document.addEventListener('keydown', () => {
    if (window.__pressed === null) {
      window.__pressed = performance.now(); window.__pressed_at = Date.now();
    }
  }, true);
}"""


def _wait_for_server(url: str, seconds: float) -> None:
    """Until ``url`` answers. (Ask for a file Voilà serves, not the notebook's page: a page asked
    for starts a kernel, which would then sit among the class's, counted and using memory.)"""
    deadline = time.time() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=5).close()
            return
        except urllib.error.HTTPError:  # it answered (if not with that file): it is up
            return
        except OSError:
            if time.time() > deadline:
                raise RuntimeError(f"Voilà did not answer at {url} within {seconds:.0f} s")
            time.sleep(0.5)


def kernel_processes(server_pid: int) -> list:
    """The live kernel processes Voilà (``server_pid``) has started (psutil processes).

    A kernel that has exited but is not yet reaped (a zombie) or has gone while we look is not
    counted: it holds no memory, and asking for its command line raises. Nor is a kernel's own
    child that has its command line: a process the kernel forks (to run a program, say) is a copy
    of it until it runs that program, and a class server's flood test saw one as a 4th kernel at a
    cap of 3."""
    import psutil

    def is_live_kernel(process) -> bool:
        try:
            return process.status() != psutil.STATUS_ZOMBIE and "ipykernel" in " ".join(
                process.cmdline()
            )
        except (psutil.NoSuchProcess, psutil.AccessDenied):  # ZombieProcess is a NoSuchProcess
            return False

    kernels = [p for p in psutil.Process(server_pid).children(recursive=True) if is_live_kernel(p)]
    pids = {p.pid for p in kernels}

    def parent_pid(process) -> int | None:
        try:
            return process.ppid()
        except psutil.NoSuchProcess:
            return None

    return [p for p in kernels if parent_pid(p) not in pids]


def _memory(server_pid: int) -> tuple[float, float]:
    """(the largest kernel's resident memory, Voilà's and all its kernels' together), in MB."""
    import psutil

    rss = []
    for kernel in kernel_processes(server_pid):
        try:
            rss.append(kernel.memory_info().rss / 2**20)
        except psutil.NoSuchProcess:  # it exited since it was listed
            pass
    total = psutil.Process(server_pid).memory_info().rss / 2**20 + sum(rss)
    return (max(rss) if rss else 0.0), total


def _cpu_seconds(server_pid: int) -> dict:
    """CPU time used so far (user + system, s) by the kernels, by the server (Voilà or the hub
    with the students' servers and the proxy, kernels not counted) and by Chromium: where a
    move's time goes when everything shares the cores; and the time the machine's hypervisor
    gave to others (``stolen``, over all cores: a virtual machine's cores are shared too)."""
    import psutil

    def used(processes) -> float:
        total = 0.0
        for process in processes:
            try:
                times = process.cpu_times()
                total += times.user + times.system
            except psutil.NoSuchProcess:
                pass
        return total

    kernels = kernel_processes(server_pid)
    kernel_ids = {k.pid for k in kernels}
    server = psutil.Process(server_pid)
    around = [server, *(p for p in server.children(recursive=True) if p.pid not in kernel_ids)]
    browsers = [
        p for p in psutil.process_iter(["name"]) if "chrom" in (p.info["name"] or "").lower()
    ]
    return {
        "kernels": used(kernels),
        "server": used(around),
        "browsers": used(browsers),
        "stolen": getattr(psutil.cpu_times(), "steal", 0.0),
    }


def _reference_ms() -> float:
    """How long this machine takes, now, for a fixed piece of Python work (the best of three):
    the same move on a machine in a slow spell (a virtual machine whose host is busy) takes
    longer for every process, and this tells such a run from a slower course."""
    best = math.inf
    for _ in range(3):
        start = time.perf_counter()
        sum(i * i for i in range(200_000))
        best = min(best, time.perf_counter() - start)
    return round(best * 1000, 1)


def _user_memory(hub_pid: int) -> list[float]:
    """Each student's Jupyter server under the hub with all its descendants (kernels), in MB."""
    import psutil

    sizes = []
    for process in psutil.Process(hub_pid).children():
        try:
            if "jupyterhub-singleuser" not in " ".join(process.cmdline()):
                continue
            family = [process, *process.children(recursive=True)]
            sizes.append(sum(p.memory_info().rss for p in family) / 2**20)
        except psutil.NoSuchProcess:  # it stopped since it was listed
            pass
    return sizes


def _percentile(values, q) -> float:
    import numpy as np

    return float(np.percentile(values, q)) if values else float("nan")


def measure(
    students: list[int],
    *,
    modes=MODES,
    preheat: bool = False,
    hub: bool = False,
    log=lambda message: print(message, file=sys.stderr, flush=True),
) -> dict:
    """The load test described in the module's docstring, for each class size in ``students``.
    ``preheat``: Voilà runs the notebook in a pool of N kernels before the pages are opened (as a
    lecturer starts it before the class: ``voila --preheat_kernel=True --pool_size=N``), and
    refills the pool only after PREHEAT_REFILL_S, so that the refill does not compete with
    the class. ``modes``: any of MODES, each class size measured in each. ``hub``: instead of
    Voilà alone, a local JupyterHub from the repository's ``jupyterhub/jupyterhub_config.py``
    (``helpers.hub``): each student logs in, follows the README's nbgitpuller link (which clones
    the course into their home and opens the playground as a Voilà app in their own server)."""
    from playwright.sync_api import sync_playwright

    from .handouts import CHROMIUM, CHROMIUM_ARGS

    if not students or any(not isinstance(n, int) or not 1 <= n <= MAX_STUDENTS for n in students):
        raise ValueError(
            f"class sizes must be whole numbers from 1 to {MAX_STUDENTS}; got {students!r}"
        )
    if not modes or any(mode not in MODES for mode in modes):
        raise ValueError(f"modes must be among {', '.join(MODES)}; got {modes!r}")
    if hub and preheat:
        raise ValueError("preheat is Voilà's own pool of kernels; a hub has none: choose one")
    if not Path(CHROMIUM).exists():
        raise RuntimeError(
            f"the class load test drives Chromium, and there is none at {CHROMIUM} "
            "(Debian/Ubuntu: apt-get install chromium)"
        )
    limit = HUB_FAILING_P95_MS if hub else FAILING_P95_MS
    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for mode in modes:
                for n in sorted(students):
                    where = "a local JupyterHub" if hub else "Voilà"
                    log(f"class of {n} ({mode}): starting {where}, opening {n} pages …")
                    with _server(hub, n if preheat else 0, log) as (open_page, pid, server_log):
                        row = _one_class(browser, open_page, n, pid, log, mode, hub)
                        row["outputs_dropped"] = server_log.read_bytes().count(DROPPED_OUTPUT)
                        if _failed(row, limit):  # the server's side of it, kept for a look
                            row["server_log"] = kept = str(_keep(server_log, f"{mode}-{n}"))
                            log(f"class of {n} ({mode}) failed; its server's log: {kept}")
                    rows.append(row)
                    log(
                        f"class of {n} ({mode}): {row['rendered']}/{n} rendered, median "
                        f"{row['median_ms']:.0f} ms, p95 {row['p95_ms']:.0f} ms, largest kernel "
                        f"{row['kernel_rss_mb_max']:.0f} MB, total {row['total_rss_mb']:.0f} MB"
                    )
                    if _failed(row, limit):
                        break
        finally:
            browser.close()
    return {
        "class": rows,
        "first_failing_students": {
            mode: next(
                (r["students"] for r in rows if r["mode"] == mode and _failed(r, limit)), None
            )
            for mode in modes
        },
        "failing_p95_ms": limit,
        "notebook": NOTEBOOK.name,
        "cpus": os.cpu_count(),
        "preheated": preheat,
        "server": "jupyterhub" if hub else "voila",
    }


@contextlib.contextmanager
def _server(hub: bool, pool: int, log):
    """A fresh server for one class: yields (how a student opens the playground, a function of
    the page and the student's number; the process whose descendants are the kernels; the
    server's log, with its kernels' and the students' servers')."""
    if not hub:
        with _voila(pool, log) as (origin, pid, server_log):
            yield (
                (lambda page, student: page.goto(origin, timeout=60_000, wait_until="commit")),
                pid,
                server_log,
            )
        return
    from urllib.parse import quote

    from .hub import local_hub

    with local_hub(log) as running:
        login = (
            running["origin"]
            + "hub/login?next="
            + quote(running["link"].removeprefix(running["origin"].rstrip("/")), safe="")
        )

        def open_page(page, student):
            page.goto(login, timeout=60_000)
            page.fill("#username_input", f"student-{student + 1}")
            page.fill("#password_input", running["password"])
            page.locator("#login_submit").click(no_wait_after=True)

        yield open_page, running["pid"], running["runtime"] / "jupyterhub.log"


def _keep(server_log: Path, name: str) -> Path:
    """A copy of a server's log in build/class-bench/ (the original goes with its server)."""
    kept = ROOT / "build" / "class-bench" / f"{time.strftime('%Y%m%d-%H%M%S')}-{name}.log"
    kept.parent.mkdir(parents=True, exist_ok=True)
    kept.write_bytes(server_log.read_bytes())
    return kept


PREHEAT_REFILL_S = 600.0


@contextlib.contextmanager
def _voila(pool: int = 0, log=None):
    """Voilà with the playground on 127.0.0.1 (started in the repository's root, so that its
    template asks no other host for anything): yields (origin, its process id, its log).
    ``pool``: that many kernels preheated, yielded once they have run the notebook."""
    from .presenting import free_port

    port = free_port()
    origin = f"http://127.0.0.1:{port}/"
    options = (
        [
            "--preheat_kernel=True",
            f"--pool_size={pool}",
            f"--VoilaKernelManager.fill_delay={PREHEAT_REFILL_S}",
        ]
        if pool
        else []
    )
    store = tempfile.TemporaryDirectory(prefix="class-frames-")  # empty: the kernels draw
    server_log = Path(store.name) / "voila.log"  # (beside the frames: removed with them)
    with open(server_log, "wb") as output:  # (Voilà writes to its own copy of the file)
        voila = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "voila",
                str(NOTEBOOK),
                "--no-browser",
                f"--port={port}",
                "--Voila.ip=127.0.0.1",
                *options,
            ],
            cwd=ROOT,
            env={**os.environ, "HELPERS_FRAMES": store.name},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for_server(origin + "voila/static/voila.js", 60)
        if pool:
            start = time.time()
            _wait_for_idle_kernels(voila.pid, pool, deadline=start + 60 + 15 * pool)
            if log:
                log(f"the pool of {pool} kernels ran the notebook in {time.time() - start:.0f} s")
        yield origin, voila.pid, server_log
    finally:
        voila.terminate()
        try:
            voila.wait(timeout=20)
        except subprocess.TimeoutExpired:
            voila.kill()
        store.cleanup()


def _wait_for_idle_kernels(server_pid: int, count: int, deadline: float) -> None:
    """Until ``count`` kernels run under Voilà and have all been idle (under 5 % of a core) for
    two seconds: a preheated pool has run the notebook. (Voilà says when it has *started* the
    pool's kernels, not when they have run it.)"""
    quiet_since = None
    while time.time() < deadline:
        kernels = kernel_processes(server_pid)
        busy = len(kernels) < count or any(p.cpu_percent(interval=0.25) > 5 for p in kernels)
        quiet_since = None if busy else (quiet_since or time.time())
        if quiet_since and time.time() - quiet_since >= 2:
            return
        time.sleep(0.25)
    raise RuntimeError(
        f"Voilà's pool of {count} kernels did not finish running the notebook in time"
    )


def _failed(row: dict, limit: float = FAILING_P95_MS) -> bool:
    """A page that did not render or whose picture never changed, an output the server dropped,
    or p95 over ``limit`` ms."""
    return (
        row["rendered"] < row["students"]
        or row.get("outputs_dropped", 0) > 0
        or row["moved"] < row["rendered"]
        or not row["p95_ms"] <= limit
    )


def _one_class(browser, open_page, n: int, server_pid: int, log, mode: str, hub=False) -> dict:
    contexts = [
        browser.new_context() for _ in range(n)
    ]  # one student each: no shared cache or cookies
    for context in contexts:
        context.add_init_script(LOADED)
    pages = [context.new_page() for context in contexts]
    try:
        asked, opened = [], []
        for student, page in enumerate(pages):  # a page returns at once; its kernel then runs
            asked.append(time.time())  # the notebook (through a hub: the server starts first)
            try:
                open_page(page, student)
                opened.append(page)
            except Exception as error:  # not answered in time: a page that did not render
                log(f"student {student + 1}: the page did not open ({type(error).__name__})")
        # the kernels share the cores: allow for the queue (and for each student's server)
        deadline = time.time() + 60 + 20 * n
        rendered, loaded = [], []
        for page, asked_at in zip(pages, asked):
            if page not in opened:
                continue
            try:
                page.wait_for_function(
                    "document.querySelector('.widget-image') && "
                    "document.querySelector('.widget-image').src.length > 0",
                    timeout=max(1_000, (deadline - time.time()) * 1000),
                )
                rendered.append(page)
                at = page.evaluate("window.__loaded_at || null")
                if at is not None:
                    loaded.append(at / 1000 - asked_at)
            except Exception:  # say what the student sees instead
                with contextlib.suppress(Exception):
                    seen = page.evaluate("document.body ? document.body.innerText : ''")
                    log(f"a page did not render; it shows {' '.join(seen.split())[:160]!r}")
        # the move is measured once the class has settled: every kernel has run the notebook
        with contextlib.suppress(RuntimeError):
            _wait_for_idle_kernels(server_pid, len(rendered), deadline=time.time() + 120)
        log(f"class of {n}: {len(rendered)} pages rendered; every student moves the slider …")
        kernel_max, total = _memory(server_pid)
        users = _user_memory(server_pid) if hub else []
        for page in rendered:
            page.evaluate(WATCH)
        # the first panel's sliders (the playground's own; the page holds another panel, whose
        # picture is not the one watched)
        sliders = ".widget-slider .noUi-handle"
        presses = [
            _what_to_press(page.locator(".helpers-panel").first.locator(sliders), i, mode)
            for i, page in enumerate(rendered)
        ]
        reference_before = _reference_ms()
        cpu_before = _cpu_seconds(server_pid)
        # The same moment: each page is told to press its key at one time of day, 1 s plus
        # 50 ms a page from now (Playwright speaks to the pages one after another; a key
        # pressed through it in each page in turn would spread the presses over seconds).
        at = time.time() * 1000 + 1000 + 50 * len(rendered)
        for page, (slider, key) in zip(rendered, presses):
            page.evaluate(PRESS_AT, [sliders, slider, key, at])
        latencies = []
        moved_by = time.time() + 30 + n  # the move's own time: what the loading took is spent
        for page, (slider, key) in zip(rendered, presses):
            try:
                page.wait_for_function(
                    "window.__changed !== null", timeout=max(1_000, (moved_by - time.time()) * 1000)
                )
                latencies.append(page.evaluate("window.__changed - window.__pressed"))
            except Exception:  # say what the student pressed and what the page shows
                with contextlib.suppress(Exception):
                    status = page.evaluate(
                        "[window.__pressed !== null, (document.querySelector("
                        "'.helpers-status') || {}).textContent || '', (document.querySelector("
                        "'.helpers-panel pre') || {}).textContent || '']"
                    )
                    log(
                        f"a picture did not change after {key} on slider {slider}: key seen "
                        f"{status[0]}, status {status[1][:120]!r}, error {status[2][:200]!r}"
                    )
        move_seconds = time.time() - at / 1000  # from the presses
        pressed_at = []  # when each page saw its key (time of day): how close "at once" was
        for page in rendered:
            with contextlib.suppress(Exception):
                pressed_at.append(page.evaluate("window.__pressed_at || null"))
        pressed_at = [t for t in pressed_at if t is not None]
        cpu_after = _cpu_seconds(server_pid)
        reference_after = _reference_ms()
        row = {
            "students": n,
            "mode": mode,
            "settings": len(set(presses)),
            "rendered": len(rendered),
            "moved": len(latencies),
            "median_ms": round(_percentile(latencies, 50), 1),
            "p95_ms": round(_percentile(latencies, 95), 1),
            "load_s_median": round(_percentile(loaded, 50), 2),
            "load_s_max": round(max(loaded, default=math.nan), 2),
            "kernel_rss_mb_max": round(kernel_max, 1),
            "total_rss_mb": round(total, 1),
            # CPU seconds spent during the move (from the first press to the last new picture
            # seen), and the core-seconds there were: the machine's two cores are shared
            "move_cpu_s": {k: round(cpu_after[k] - cpu_before[k], 2) for k in cpu_after},
            "move_core_s": round(move_seconds * (os.cpu_count() or 1), 2),
            # from the first student's key press to the last one's, as each page saw it (each
            # was told to press at one time of day: PRESS_AT)
            "press_spread_ms": round(max(pressed_at) - min(pressed_at)) if pressed_at else None,
            # a fixed piece of work just before and just after the move (ms): the machine's speed
            "reference_ms": [reference_before, reference_after],
        }
        if hub:  # each student's Jupyter server with its kernels: what the hub's limit bounds
            row["user_rss_mb_max"] = round(max(users, default=0.0), 1)
        return row
    finally:
        for context in contexts:
            context.close()


def _what_to_press(handles, student: int, mode: str) -> tuple[int, str]:
    """(which slider, which key) this student presses, decided before anyone presses."""
    if mode == "together":
        return 0, "ArrowRight"
    # only the sliders that move: a greyed-out one (a parameter the setting ignores) does not
    enabled = handles.evaluate_all(
        "hs => hs.map((h, i) => h.closest('[disabled]') ? -1 : i).filter(i => i >= 0)"
    )
    slider = enabled[student % len(enabled)]
    now, low, high = (
        float(handles.nth(slider).get_attribute(a) or 0)
        for a in ("aria-valuenow", "aria-valuemin", "aria-valuemax")
    )
    keys = (KEYS_UP if now < high else ()) + (KEYS_DOWN if now > low else ())
    return slider, keys[(student // len(enabled)) % len(keys)]


def table(report: dict) -> str:
    lines = [
        f"{'mode':>11} {'students':>8} {'settings':>8} {'rendered':>8} {'moved':>6} "
        f"{'load s (median, max)':>21} {'median ms':>10} {'p95 ms':>8} {'kernel MB':>10} "
        f"{'total MB':>9} {'dropped':>7}"
    ]
    for r in report["class"]:
        load = f"{r['load_s_median']:.1f}, {r['load_s_max']:.1f}"
        lines.append(
            f"{r['mode']:>11} {r['students']:8d} {r['settings']:8d} {r['rendered']:8d} "
            f"{r['moved']:6d} {load:>21} {r['median_ms']:10.0f} {r['p95_ms']:8.0f} "
            f"{r['kernel_rss_mb_max']:10.0f} {r['total_rss_mb']:9.0f} "
            f"{r.get('outputs_dropped', 0):7d}"
        )
    if report.get("server") == "jupyterhub":
        lines.append(
            "(through a local JupyterHub: each student logged in and followed the nbgitpuller "
            "link; largest student's server with its kernels: "
            + ", ".join(f"{r.get('user_rss_mb_max', 0):.0f} MB" for r in report["class"])
            + ")"
        )
    for r in report["class"]:
        if "move_cpu_s" in r:
            cpu = r["move_cpu_s"]
            lines.append(
                f"({r['mode']}, {r['students']}: during the move the kernels used "
                f"{cpu['kernels']:.1f} CPU s, the server {cpu['server']:.1f}, Chromium "
                f"{cpu['browsers']:.1f}, of {r['move_core_s']:.1f} core-seconds "
                f"({cpu.get('stolen', 0):.1f} taken by the hypervisor); the key "
                f"presses spread over {r.get('press_spread_ms')} ms; a fixed piece of work took "
                f"{' and '.join(f'{ms:.0f}' for ms in r.get('reference_ms', [math.nan] * 2))} ms "
                f"before and after)"
            )
    if report.get("preheated"):
        lines.append("(Voilà preheated a pool of N kernels before the pages were opened)")
    failed = ", ".join(
        f"{mode} {n if n else 'none of those tried'}"
        for mode, n in report["first_failing_students"].items()
    )
    lines.append(
        f"first failing class size: {failed} "
        f"(a page that did not render or whose picture did not change, an output the server "
        f"dropped, or p95 over "
        f"{report['failing_p95_ms']:.0f} ms); "
        f"{report['cpus']} CPUs, notebook {report['notebook']}"
    )
    return "\n".join(lines)
