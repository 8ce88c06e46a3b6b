"""What a fork on GitHub gets: a workflow GitHub accepts that runs the same script as this
repository's CI, the handouts published with Pages, a licence, a citation file, Binder's
Python, and a distribution name of the course's own. Checked offline: the schemas are the ones
check-jsonschema ships (GitHub's workflow schema and the Citation File Format's)."""

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from ruamel.yaml import YAML  # check-jsonschema's own YAML reader

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))


def check_jsonschema(schema: str, *files: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, *map(str, files)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_there_is_a_workflow():
    assert WORKFLOWS, "no workflow in .github/workflows"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_workflow_is_valid_for_github(path):
    check_jsonschema("vendor.github-workflows", path)


def test_a_broken_workflow_is_refused(tmp_path):
    """The check can fail: a job without runs-on is not a workflow GitHub runs."""
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  test:\n    steps:\n      - run: bash .ci/run\n")
    with pytest.raises(AssertionError):
        check_jsonschema("vendor.github-workflows", broken)


def _workflow():
    (path,) = WORKFLOWS
    return YAML(typ="safe").load(path.read_text())


def test_the_workflow_runs_the_same_script_as_this_repositorys_ci():
    """One source of truth: on every push and pull request the test job runs .ci/run (as CI does
    here), in Debian with Python 3.11, where .ci/run installs Chromium and poppler-utils from
    apt, and pip's downloads are cached."""
    workflow = _workflow()
    assert {"push", "pull_request"} <= set(workflow["on"])
    test = workflow["jobs"]["test"]
    runs = [step.get("run", "").strip() for step in test["steps"]]
    assert "bash .ci/run" in runs
    assert "3.11" in test["container"] and "bookworm" in test["container"]
    assert any("actions/cache" in step.get("uses", "") for step in test["steps"])
    ci = (ROOT / ".ci" / "run").read_text()
    assert "apt-get install" in ci and "chromium" in ci and "poppler-utils" in ci
    # the hub test's proxy: npm installs it at the lock's version, on a Node that runs it
    assert "npm ci --prefix jupyterhub" in ci
    assert any("actions/setup-node" in step.get("uses", "") for step in test["steps"])


def test_main_publishes_every_handout_with_github_pages():
    """On main, after the tests: the README's handout command (with PDFs) builds the site, and
    GitHub's own actions upload and deploy it, with the permissions and environment Pages
    asks for."""
    jobs = _workflow()["jobs"]
    build, deploy = jobs["handouts"], jobs["deploy"]
    assert "refs/heads/main" in build["if"] and build["needs"] == "test"
    runs = " ".join(step.get("run", "") for step in build["steps"])
    assert "python -m helpers.handouts --pdf" in runs and "pip install -r requirements.txt" in runs
    readme = (ROOT / "README.md").read_text()
    assert "python -m helpers.handouts --pdf" in readme
    uses = [step.get("uses", "") for step in build["steps"] + deploy["steps"]]
    assert any(u.startswith("actions/upload-pages-artifact@") for u in uses)
    assert any(u.startswith("actions/deploy-pages@") for u in uses)
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"


def test_the_citation_file_is_valid_cff():
    check_jsonschema("vendor.citation-file-format", ROOT / "CITATION.cff")
    citation = YAML(typ="safe").load((ROOT / "CITATION.cff").read_text())
    assert citation["cff-version"] == "1.2.0"
    assert set(citation["license"]) == {"MIT", "CC-BY-4.0"}
    credited = [a for r in citation["references"] for a in r["authors"]]
    assert {"given-names": "S. Alireza", "family-names": "Mousavizade"} in credited


def test_the_licence_and_the_credit_are_stated():
    licence = (ROOT / "LICENSE").read_text()
    assert "MIT License" in licence and "CC BY 4.0" in licence and "Mousavizade" in licence
    readme = (ROOT / "README.md").read_text()
    assert "Mousavizade" in readme and "CC BY 4.0" in readme and "MIT" in readme


def test_the_distribution_has_a_name_of_its_own_and_installs_as_helpers():
    """`helpers` on PyPI is a stranger's project (helpers 0.2.0): `pip install -U helpers` must
    not replace the course's package. The import name stays `helpers`."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["name"] == "vanishing-exploding-gradients-course"
    import helpers

    assert Path(helpers.__file__).resolve().parent == ROOT / "helpers"
    assert "-e ." in (ROOT / "requirements.txt").read_text().splitlines()


def test_binder_gets_python_3_11():
    assert (ROOT / "runtime.txt").read_text().strip() == "python-3.11"
