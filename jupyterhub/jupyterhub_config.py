"""JupyterHub for a class on one machine: every student their own Jupyter server, the course's
Voilà in each, limits from the course's measurements, idle servers culled.

    export COURSE_HUB_PASSWORD='a class password, 8 characters or more'
    jupyterhub -f jupyterhub/jupyterhub_config.py          # from the repository's root

Students open the README's nbgitpuller link (or http://127.0.0.1:8000/), log in with any name
and the class password, and get the playground as a Voilà app in their own server.
``python -m helpers.bench --class 8 --hub`` starts the hub from this file and measures it.

Two choices here are for one trusted class on one machine, and are the ones to replace for
anything more (the README's *A class on JupyterHub* says with what):
- the authenticator is JupyterHub's shared-password one: anyone with the password logs in, as
  any name (fine for a lecture room; use your university's login, e.g. OAuthenticator or an LTI
  authenticator, for accounts);
- the spawner is JupyterHub's SimpleLocalProcessSpawner: every student's server runs as the hub's
  own system user, in a folder of its own, with no isolation between students, and the memory and
  CPU limits below are advisory (passed to the server as MEM_LIMIT/CPU_LIMIT, not enforced).
  The Littlest JupyterHub's systemd spawner, or Kubernetes (``z2jh-values.yaml`` beside this
  file, same limits), enforces them.
"""

import os
import sys
from pathlib import Path

c = get_config()  # noqa: F821 (JupyterHub's config loader provides get_config)

HERE = Path(__file__).resolve().parent
RUNTIME = Path(os.environ.get("COURSE_HUB_RUNTIME", HERE.parent / "build" / "hub"))
RUNTIME.mkdir(parents=True, exist_ok=True)

# --- per student, from the course's measurements (README, "Teaching a class"): the student's
# Jupyter server holds ~180 MB and one chapter's kernel 340-810 MB (the playground's ~370 MB,
# chapter 04's the largest); two chapters open at once may go over 1 GB. A redraw is a fraction
# of a second of one core.
MEM_LIMIT = "1G"
MEM_GUARANTEE = "512M"
CPU_LIMIT = 1.0
CPU_GUARANTEE = 0.25  # 8 students on 2 cores (measured: 10 moving together stayed under 1 s)
USER_MB = 1024


def machine_memory_mb() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    except (ValueError, OSError, AttributeError):
        return 4096


# --- where the hub listens: this machine only, unless asked (--JupyterHub.bind_url=http://:8000
# and TLS in front, see the README); the hub's own state outside the repository's sources
c.JupyterHub.bind_url = "http://127.0.0.1:8000"
c.JupyterHub.db_url = f"sqlite:///{RUNTIME / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(RUNTIME / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = str(RUNTIME / "jupyterhub-proxy.pid")
# configurable-http-proxy from npm, pinned in package.json here (npm ci --prefix jupyterhub)
proxy = HERE / "node_modules" / ".bin" / "configurable-http-proxy"
if proxy.exists():
    c.ConfigurableHTTPProxy.command = [str(proxy)]

# --- who may log in: any name, with the class password
password = os.environ.get("COURSE_HUB_PASSWORD", "")
if len(password) < 8:
    sys.exit(
        "jupyterhub_config.py: set COURSE_HUB_PASSWORD to the class password "
        "(8 characters or more) before starting the hub"
    )
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = password
c.Authenticator.allow_all = True

# --- each student's server
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = str(RUNTIME / "users" / "{username}")
c.Spawner.mem_limit = MEM_LIMIT
c.Spawner.mem_guarantee = MEM_GUARANTEE
c.Spawner.cpu_limit = CPU_LIMIT
c.Spawner.cpu_guarantee = CPU_GUARANTEE
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120  # a class logging in at once queues on the cores
c.Spawner.http_timeout = 120
c.Spawner.args = [
    # Voilà is a server extension of every student's server (/user/<name>/voila/render/…),
    # with the course's template, which asks no other host for anything
    "--VoilaConfiguration.template=course",
    # a class logging in at once starts its kernels together: on 2 cores a kernel took over
    # Voilà's default 60 s to answer, and its page then stayed at "Running …" for good
    "--VoilaExecutor.startup_timeout=300",
    # … and its messages came late: a cell's output (the playground's panel) that reached the
    # server more than nbclient's default 4 s after the cell's reply was dropped, and the page
    # showed no figure (2 of 20 pages, and 4 of 20, in a class of 20 on 2 cores)
    "--VoilaExecutor.iopub_timeout=120",
    # a kernel of a closed tab is shut down after 10 idle minutes, checked every minute
    "--MappingKernelManager.cull_idle_timeout=600",
    "--MappingKernelManager.cull_interval=60",
    "--MappingKernelManager.cull_connected=False",
]
if os.geteuid() == 0:
    # a hub run by root (a container, a CI runner) spawns, with this spawner, servers as root,
    # which Jupyter refuses unless told: a real deployment spawns as each student's own user
    c.Spawner.args.append("--allow-root")
# a link to a student's server that is not running starts it (the nbgitpuller link does this)
c.JupyterHub.implicit_spawn_seconds = 0.5

# --- the whole machine: no more servers than its memory holds at USER_MB each (three quarters
# of it, as the course's Voilà cap does); a class logging in at once spawns a few at a time
c.JupyterHub.active_server_limit = max(1, int(0.75 * machine_memory_mb() / USER_MB))
c.JupyterHub.concurrent_spawn_limit = 10

# --- idle students' servers stopped after an hour without activity (jupyterhub-idle-culler)
c.JupyterHub.load_roles = [
    {
        "name": "jupyterhub-idle-culler-role",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": ["jupyterhub-idle-culler-service"],
    }
]
c.JupyterHub.services = [
    {
        "name": "jupyterhub-idle-culler-service",
        "command": [sys.executable, "-m", "jupyterhub_idle_culler", "--timeout=3600"],
    }
]
