"""A class on JupyterHub: the nbgitpuller link that gives a student the course, and a local hub
started from the repository's own ``jupyterhub/jupyterhub_config.py`` (for the class bench,
``python -m helpers.bench --class 8 --hub``).

The link is JupyterHub's ``/hub/user-redirect/git-pull``: after logging in, the student's server
starts, nbgitpuller clones the course into the student's home (or merges the lecturer's new
commits into it, keeping the student's own changes), and the browser lands on ``urlpath``, here
the chapter as a Voilà app in that server.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HUB_CONFIG = ROOT / "jupyterhub" / "jupyterhub_config.py"
PROXY = ROOT / "jupyterhub" / "node_modules" / ".bin" / "configurable-http-proxy"
COURSE_FOLDER = "vanishing-gradients-course"  # where nbgitpuller puts the course in a home


def nbgitpuller_link(
    hub_url: str,
    repo: str,
    notebook: str = "10_playground.ipynb",
    *,
    branch: str = "main",
    app: str = "voila",
) -> str:
    """The link that opens ``notebooks/<notebook>`` of the course ``repo`` (a git URL) for a
    student of the hub at ``hub_url``: as a Voilà app (``app="voila"``) or in JupyterLab
    (``app="lab"``)."""
    if app not in ("voila", "lab"):
        raise ValueError(f"app must be 'voila' or 'lab'; got {app!r}")
    if not notebook.endswith(".ipynb") or "/" in notebook:
        raise ValueError(
            "notebook must be a file name in notebooks/, like 10_playground.ipynb; "
            f"got {notebook!r}"
        )
    if not hub_url.startswith(("http://", "https://")):
        raise ValueError(f"hub_url must start with http:// or https://; got {hub_url!r}")
    path = f"{COURSE_FOLDER}/notebooks/{notebook}"
    urlpath = f"voila/render/{path}" if app == "voila" else f"lab/tree/{path}"
    query = urllib.parse.urlencode(
        {"repo": repo, "branch": branch, "targetpath": COURSE_FOLDER, "urlpath": urlpath}
    )
    return f"{hub_url.rstrip('/')}/hub/user-redirect/git-pull?{query}"


def _course_repository(runtime: Path) -> str:
    """A bare git repository in ``runtime`` holding this checkout's committed state as branch
    ``main``: what nbgitpuller clones, as it would the course's GitHub (whatever this checkout's
    branch, even a CI's detached or shallow one)."""
    bare = runtime / "course.git"

    def git(*arguments):
        subprocess.run(["git", *arguments], check=True, capture_output=True)

    git("init", "-q", "--bare", str(bare))
    git("-C", str(bare), "config", "receive.shallowUpdate", "true")
    git("-C", str(ROOT), "push", "-q", str(bare), "HEAD:refs/heads/main")
    return bare.as_uri()


@contextlib.contextmanager
def local_hub(log=None, start_timeout: float = 90.0):
    """JupyterHub from the repository's configuration, on 127.0.0.1 at free ports, its state in
    a temporary folder. Yields a dict: ``origin`` (the hub's public URL), ``pid`` (the hub's
    process), ``password`` (the class password, made up), ``link`` (the nbgitpuller link of the
    playground, cloning this checkout's committed state), ``runtime`` (the folder of
    the hub's state and log, and of the students' homes: ~4 MB a student, removed when the
    hub stops, but kept, and named, if anything failed)."""
    if not PROXY.exists():
        raise RuntimeError(
            f"the hub needs configurable-http-proxy at {PROXY}: npm ci --prefix jupyterhub"
        )
    runtime = Path(tempfile.mkdtemp(prefix="course-hub-"))
    from .presenting import free_port

    public, api, hub = free_port(), free_port(), free_port()
    origin = f"http://127.0.0.1:{public}/"
    password = secrets.token_urlsafe(12)
    environment = {
        **os.environ,
        "COURSE_HUB_RUNTIME": str(runtime),
        "COURSE_HUB_PASSWORD": password,
    }
    environment.pop("HELPERS_FRAMES", None)  # the students share the checkout's frame store
    output = open(runtime / "jupyterhub.log", "wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterhub",
            "-f",
            str(HUB_CONFIG),
            f"--JupyterHub.bind_url={origin}",
            f"--JupyterHub.hub_bind_url=http://127.0.0.1:{hub}",
            f"--ConfigurableHTTPProxy.api_url=http://127.0.0.1:{api}",
        ],
        cwd=ROOT,
        env=environment,
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.time() + start_timeout
        while True:
            try:
                urllib.request.urlopen(origin + "hub/api", timeout=5).close()
                break
            except OSError:
                if process.poll() is not None or time.time() > deadline:
                    raise RuntimeError(
                        f"JupyterHub did not answer at {origin} within {start_timeout:.0f} s; "
                        f"its log: {runtime / 'jupyterhub.log'}"
                    ) from None
                time.sleep(0.5)
        if log:
            log(f"JupyterHub is up at {origin} (its state and log in {runtime} while it runs)")
        yield {
            "origin": origin,
            "pid": process.pid,
            "password": password,
            "link": nbgitpuller_link(origin, _course_repository(runtime)),
            "runtime": runtime,
        }
        failed = False
    except BaseException:
        failed = True
        raise
    finally:
        process.terminate()  # the hub stops its proxy; the students' servers it stops too
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
        output.close()
        if failed:
            if log:
                log(f"the hub's state and log are kept in {runtime}")
        else:
            shutil.rmtree(runtime, ignore_errors=True)
