"""The shared hub environment (support.hub_env: a venv from Debian's /usr/bin/python3.11 outside the checkout,
readable by every user, into which `pathways workshop prepare` installs this checkout as a copy) holds a whole,
working `pathways`: the lessons, the Voila files and the preview travel with it, and another user (`nobody`, in a
folder of their own, with the checkout out of reach) can check the scenarios and build a dashboard.

A multi-user server (JupyterHub) needs exactly this: learners cannot run a Python under root's private home, and
an editable install points into a checkout. `make test` brings the environment up to date before pytest.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from support.hub_env import hub_environment

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("shared_install")]

ROOT = Path(__file__).resolve().parents[2]
NOBODY, NOGROUP = 65534, 65534
LESSON = "01-why-dont-they-leave"
#: Where each source folder lands in the installed package.
PACKAGE_OF = {"widgets": "pathways", "grading": "pathways/grading", "lessons": "pathways/lessons"}
#: Tracked files that are the developers', not the package's (a guide; the source of the built JupyterLab extension;
#: the workshop's hub files and its Zero to JupyterHub recipe: a workshop runs from a checkout, which it installs into
#: its own hub environment, copying the hub's configuration from the checkout, and an image is built from one).
NOT_SHIPPED = ("grading/GRADING.md", "grading/delivery/learner/autorun/", "grading/delivery/workshop/hub_config/",
               "grading/delivery/workshop/z2jh/")


def tracked(*folders: str) -> list[str]:
    """The files git tracks under `folders` (what a fresh clone holds)."""
    out = subprocess.run(["git", "ls-files", "-z", "--", *folders], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    return [name for name in out.split("\0") if name]


def site_packages(env: Path) -> Path:
    return next((env / "lib").glob("python3*/site-packages"))


@pytest.fixture(scope="module")
def installed():
    """The shared hub environment's venv, with this checkout installed in it."""
    if not shutil.which("setpriv"):
        pytest.skip("setpriv (util-linux) is missing")
    found = hub_environment()
    if isinstance(found, str):
        pytest.skip(f"no shared hub environment: {found}")
    return found / "venv"


@pytest.fixture
def stranger(installed):
    """Run a command as `nobody`, in a private folder of theirs, with only the shared environment on PATH."""
    home = Path(tempfile.mkdtemp(prefix="pathways-install-", dir="/var/tmp"))
    os.chown(home, NOBODY, NOGROUP)
    env = {"HOME": str(home), "PATH": f"{installed}/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}

    def run(*command: str) -> subprocess.CompletedProcess:
        return subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOGROUP}", "--clear-groups", "--",
                               *command], cwd=home, env=env, capture_output=True, text=True, timeout=300)

    run.home = home
    yield run
    shutil.rmtree(home, ignore_errors=True)


PROBE = """
import importlib.util, json, pathlib, pathways, pathways.grading
from pathways.grading import course
from pathways.grading.authoring import commands
from pathways.grading.delivery.dashboards import build as site
print(json.dumps({
    "pathways": pathways.__file__, "grading": pathways.grading.__file__,
    "lessons": importlib.util.find_spec("pathways.lessons").submodule_search_locations[0],
    "lesson_ids": course.lesson_ids(),
    "preview": commands.PREVIEW.is_file(), "voila": (site.VOILA_DIR / "voila.py").is_file(),
}))
"""


def test_the_installed_package_holds_every_file_it_needs(installed):
    """Is every tracked file of widgets/, grading/ and lessons/ (code, lessons, Voila files, preview, templates)
    in the installed package, byte for byte, and readable by every user?"""
    site = site_packages(installed)
    missing, differ = [], []
    for name in tracked(*PACKAGE_OF):
        if name.startswith(NOT_SHIPPED):
            continue
        top, rest = name.split("/", 1)
        target = site / PACKAGE_OF[top] / rest
        if not target.is_file():
            missing.append(name)
        elif target.read_bytes() != (ROOT / name).read_bytes():
            differ.append(name)
    assert missing == [] and differ == [], f"not installed: {missing}; installed but different: {differ}"
    closed = [str(p) for p in (site / "pathways").rglob("*") if not p.stat().st_mode & 0o004]
    assert closed == [], f"not readable by other users: {closed[:5]}"


def test_another_user_gets_a_working_pathways(stranger, installed):
    """Does `nobody`, away from the checkout, import pathways from the shared environment and find the lessons,
    the preview and the Voila files there?"""
    done = stranger("python", "-c", PROBE)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    for key in ("pathways", "grading", "lessons"):
        assert found[key].startswith(str(installed)), f"{key} comes from {found[key]}, not the shared environment"
    assert found["lesson_ids"] == sorted(p.parent.name for p in (ROOT / "lessons").glob("*/lesson.ipynb"))
    assert found["preview"] and found["voila"]


def test_another_user_checks_the_scenarios_and_builds_a_dashboard(stranger):
    """Does `pathways check` pass and `pathways dashboards build` write a lesson's dashboard (with no model
    answers in it) when run by another user from the installed package alone?"""
    checked = stranger("pathways", "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    built = stranger("pathways", "dashboards", "build", "--out", "site", "--lesson", LESSON)
    assert built.returncode == 0, built.stdout + built.stderr
    notebooks = list((stranger.home / "site").rglob("*.ipynb"))
    assert notebooks, f"no dashboard written: {built.stdout}"
    text = "".join(p.read_text(encoding="utf-8") for p in notebooks)
    assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text
