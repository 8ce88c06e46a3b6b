"""A class on JupyterHub: the repository's hub configuration, its Kubernetes values file and the
nbgitpuller link. (The hub itself, started from that configuration with eight students logging
in from Chromium, is run by ``python -m helpers.bench --class 8 --hub``; a browser test runs it
with two.)"""

import re
import urllib.parse
from pathlib import Path

import pytest
import yaml
from traitlets.config import Config

from helpers.hub import COURSE_FOLDER, HUB_CONFIG, nbgitpuller_link

ROOT = Path(__file__).resolve().parent.parent
VALUES = ROOT / "jupyterhub" / "z2jh-values.yaml"

# The keys of Zero to JupyterHub's values (chart 4.x) this course sets, as z2jh's configuration
# reference documents them (https://z2jh.jupyter.org/en/stable/resources/reference.html), with
# the type it gives each; `hub.config` and `extraFiles.*.data` and `extraEnv` take free-form
# mappings (traitlets configuration, a file's content, environment variables).
Z2JH_KEYS = {
    "singleuser.image.name": str,
    "singleuser.image.tag": str,
    "singleuser.memory.limit": str,
    "singleuser.memory.guarantee": str,
    "singleuser.cpu.limit": (int, float),
    "singleuser.cpu.guarantee": (int, float),
    "singleuser.defaultUrl": str,
    "singleuser.startTimeout": int,
    "singleuser.extraEnv": dict,
    "singleuser.extraFiles": dict,
    "hub.config": dict,
    "cull.enabled": bool,
    "cull.timeout": int,
    "cull.every": int,
}
FREE_FORM = ("singleuser.extraEnv", "singleuser.extraFiles", "hub.config")


def leaf_keys(mapping, prefix=""):
    for key, value in mapping.items():
        path = f"{prefix}{key}"
        if path in FREE_FORM or not isinstance(value, dict):
            yield path, value
        else:
            yield from leaf_keys(value, path + ".")


def load_hub_config(monkeypatch, tmp_path, password="a class password"):
    """jupyterhub_config.py, run as JupyterHub runs it (a `get_config` in its namespace)."""
    monkeypatch.setenv("COURSE_HUB_RUNTIME", str(tmp_path))
    monkeypatch.setenv("COURSE_HUB_PASSWORD", password)
    config = Config()
    namespace = {"get_config": lambda: config, "__file__": str(HUB_CONFIG)}
    exec(compile(HUB_CONFIG.read_text(), str(HUB_CONFIG), "exec"), namespace)
    return config, namespace


def test_the_hub_configuration_sets_what_a_class_needs(monkeypatch, tmp_path):
    config, namespace = load_hub_config(monkeypatch, tmp_path)
    assert config.JupyterHub.bind_url == "http://127.0.0.1:8000"  # this machine, unless asked
    assert config.JupyterHub.authenticator_class == "shared-password"
    assert config.JupyterHub.spawner_class == "simple"
    assert str(tmp_path) in config.JupyterHub.db_url  # the hub's state is not in the sources
    arguments = config.Spawner.args
    assert "--VoilaConfiguration.template=course" in arguments
    assert "--MappingKernelManager.cull_idle_timeout=600" in arguments
    services = {s["name"]: s for s in config.JupyterHub.services}
    assert "jupyterhub_idle_culler" in services["jupyterhub-idle-culler-service"]["command"]
    role = config.JupyterHub.load_roles[0]
    assert role["services"] == ["jupyterhub-idle-culler-service"]
    assert "delete:servers" in role["scopes"]
    # the machine holds no more students' servers than three quarters of its memory at 1 GiB
    memory_mb = namespace["machine_memory_mb"]()
    assert config.JupyterHub.active_server_limit == max(1, int(0.75 * memory_mb / 1024))


def test_the_hub_refuses_to_start_without_a_class_password(monkeypatch, tmp_path):
    with pytest.raises(SystemExit, match="set COURSE_HUB_PASSWORD"):
        load_hub_config(monkeypatch, tmp_path, password="short")


def test_the_kubernetes_values_use_documented_keys_and_the_same_limits(monkeypatch, tmp_path):
    values = yaml.safe_load(VALUES.read_text())
    found = dict(leaf_keys(values))
    unknown = sorted(set(found) - set(Z2JH_KEYS))
    assert not unknown, f"keys z2jh does not document (a typo?): {unknown}"
    for key, value in found.items():
        assert isinstance(value, Z2JH_KEYS[key]), f"{key}: {value!r}"
    config, _ = load_hub_config(monkeypatch, tmp_path)
    assert found["singleuser.memory.limit"] == config.Spawner.mem_limit
    assert found["singleuser.memory.guarantee"] == config.Spawner.mem_guarantee
    assert found["singleuser.cpu.limit"] == config.Spawner.cpu_limit
    assert found["singleuser.cpu.guarantee"] == config.Spawner.cpu_guarantee
    assert found["singleuser.defaultUrl"] == config.Spawner.default_url
    server = found["singleuser.extraFiles"]["course-server-config"]["data"]
    assert server["VoilaConfiguration"]["template"] == "course"
    startup = server["VoilaExecutor"]["startup_timeout"]
    assert f"--VoilaExecutor.startup_timeout={startup}" in config.Spawner.args
    culled = server["MappingKernelManager"]["cull_idle_timeout"]
    assert f"--MappingKernelManager.cull_idle_timeout={culled}" in config.Spawner.args


def test_the_nbgitpuller_link_opens_the_playground_in_voila():
    link = nbgitpuller_link("https://hub.example.edu/", "https://github.com/o/r", branch="main")
    parsed = urllib.parse.urlparse(link)
    assert parsed.path == "/hub/user-redirect/git-pull"
    query = dict(urllib.parse.parse_qsl(parsed.query))
    assert query == {
        "repo": "https://github.com/o/r",
        "branch": "main",
        "targetpath": COURSE_FOLDER,
        "urlpath": f"voila/render/{COURSE_FOLDER}/notebooks/10_playground.ipynb",
    }
    lab = nbgitpuller_link("http://h", "r", "03_exploding.ipynb", app="lab")
    assert f"lab%2Ftree%2F{COURSE_FOLDER}%2Fnotebooks%2F03_exploding.ipynb" in lab
    with pytest.raises(ValueError, match="app must be 'voila' or 'lab'"):
        nbgitpuller_link("http://h", "r", app="classic")
    with pytest.raises(ValueError, match="notebook must be a file name in notebooks/"):
        nbgitpuller_link("http://h", "r", "notebooks/10_playground.ipynb")
    with pytest.raises(ValueError, match="hub_url must start with http"):
        nbgitpuller_link("hub.example.edu", "r")


def test_the_readme_link_is_the_one_the_helper_makes():
    """The README's nbgitpuller link (for the course's GitHub repository) cannot drift from the
    one the bench follows on a real hub."""
    readme = (ROOT / "README.md").read_text()
    links = re.findall(r"https://[^\s)`]*/hub/user-redirect/git-pull\?[^\s)`]*", readme)
    assert links, "the README shows no nbgitpuller link"
    expected = nbgitpuller_link("https://HUB", "https://github.com/OWNER/REPOSITORY")
    assert expected in links


def test_voila_alone_on_the_hub_and_on_kubernetes_wait_as_long_for_a_loaded_kernel(
    monkeypatch, tmp_path
):
    """A class opening its pages at once starts its kernels together, and on 2 cores they answer
    late. A kernel took more than Voilà's default 60 s to start, and its page stayed at
    "Running …" for good: every server waits 300 s. A cell's output that reached the server more
    than nbclient's default 4 s after the cell's reply was dropped ("Timeout waiting for IOPub
    output"), and the page showed the notebook's text without its figure (2 and 4 of 20 pages
    in a class of 20): every server waits 120 s for it. The same in voila.json (for
    `voila notebooks/…`), the hub's spawner arguments and the Kubernetes values."""
    import json

    voila = json.loads((ROOT / "voila.json").read_text())["VoilaExecutor"]
    config, _ = load_hub_config(monkeypatch, tmp_path)
    values = yaml.safe_load(VALUES.read_text())
    server_config = values["singleuser"]["extraFiles"]["course-server-config"]["data"]
    assert voila["startup_timeout"] >= 300 and voila["iopub_timeout"] >= 60, voila
    for name in ("startup_timeout", "iopub_timeout"):
        assert f"--VoilaExecutor.{name}={voila[name]}" in config.Spawner.args, name
        assert server_config["VoilaExecutor"][name] == voila[name], name
