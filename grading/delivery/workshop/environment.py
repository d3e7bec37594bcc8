"""The shared hub environment (default /opt/pathways-workshop): what JupyterHub and every learner's server run.

A venv made from Debian's /usr/bin/python3.11 (a Python under root's private home cannot be run by learners)
with the pinned versions of constraints.txt (as they are: Debian 12's Python installs every pin), this project
installed as a copy (never a link into the checkout, which learners cannot read; its source lessons, package data,
are shut to learners by the workshop's ACL), and configurable-http-proxy from npm with its lock file; readable by
everyone, writable by root only. `make test` and `make workshop` build it beforehand (`pathways workshop
prepare`); `pathways workshop start` brings it up to date if anything changed.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
import tomllib
from pathlib import Path

from .common import HUB_FILES, REPO, SYSTEM_PYTHON, WorkshopError, mkdir, run, shared_env


def _digest(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts) \
            if path.is_dir() else [path]
        for f in files:
            h.update(str(f.relative_to(REPO)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()


def _project_copy(dest: Path) -> Path:
    """A copy of what `pip install` needs, so building never writes into the checkout (its build/ holds courses)."""
    for name in ("pyproject.toml", "README.md", "constraints.txt"):
        shutil.copy2(REPO / name, dest / name)
    for name in ("widgets", "grading", "lessons"):
        shutil.copytree(REPO / name, dest / name, ignore=shutil.ignore_patterns("__pycache__", "node_modules"))
    return dest


def missing_tools() -> str | None:
    """Why the environment cannot be built here (not root, a tool missing), or None."""
    if os.geteuid() != 0:
        return "not root (the workshop's accounts and /opt need root)"
    if not Path(SYSTEM_PYTHON).is_file():
        return f"{SYSTEM_PYTHON} is missing: the hub environment is built from Debian's Python " \
               "(apt-get install python3.11-venv)"
    if not shutil.which("npm"):
        return "npm is missing (apt-get install npm): the hub's proxy is configurable-http-proxy"
    return None


def _dependencies() -> bytes:
    """What pyproject.toml says about dependencies (a change elsewhere in it, such as the package list, only
    reinstalls the project)."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    deps = {"build": project.get("build-system"), "python": project["project"].get("requires-python"),
            "deps": project["project"].get("dependencies"),
            "extras": project["project"].get("optional-dependencies")}
    return json.dumps(deps, sort_keys=True).encode()


def _wanted() -> dict[str, str]:
    deps = _digest([REPO / "constraints.txt"])
    return {"deps": hashlib.sha256(deps.encode() + _dependencies()).hexdigest(),
            "src": _digest([REPO / "widgets", REPO / "grading", REPO / "lessons", REPO / "pyproject.toml"])}


def _stamp(shared: Path) -> dict:
    path = shared / "venv" / ".pathways-stamp.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def _proxy_bin(shared: Path) -> Path:
    return shared / "proxy" / "node_modules" / ".bin" / "configurable-http-proxy"


def environment_status(shared: Path | None = None) -> list[str]:
    """What building would do now: [] when up to date, else some of 'build' (minutes), 'update' (the project's
    code changed: seconds) and 'proxy'."""
    shared = shared_env(shared)
    stamp, want = _stamp(shared), _wanted()
    todo = []
    if stamp.get("deps") != want["deps"] or not (shared / "venv" / "bin" / "jupyterhub").exists():
        todo.append("build")
    elif stamp.get("src") != want["src"]:
        todo.append("update")
    lock = shared / "proxy" / "package-lock.json"
    if not _proxy_bin(shared).exists() or not lock.is_file() \
            or lock.read_bytes() != (HUB_FILES / "package-lock.json").read_bytes():
        todo.append("proxy")
    return todo


def _pip(venv: Path) -> list[str]:
    return [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]


def _build_venv(venv: Path, log) -> None:
    log(f"Building the shared hub environment in {venv} (a few minutes the first time) ...")
    shutil.rmtree(venv, ignore_errors=True)
    run([SYSTEM_PYTHON, "-m", "venv", str(venv)])
    run([*_pip(venv), "install", "--upgrade", "pip>=24"])
    with tempfile.TemporaryDirectory(prefix="pathways-hubenv-") as tmp:
        src = _project_copy(Path(tmp))
        run([*_pip(venv), "install", "-c", str(src / "constraints.txt"), f"{src}[workshop]"], cwd=tmp)


def _update_project(venv: Path, log) -> None:
    log("Updating Pathways in the shared hub environment ...")
    with tempfile.TemporaryDirectory(prefix="pathways-hubenv-") as tmp:
        src = _project_copy(Path(tmp))
        run([*_pip(venv), "install", "--no-deps", "--force-reinstall", str(src)], cwd=tmp)


def _install_proxy(proxy: Path, log) -> None:
    log(f"Installing configurable-http-proxy into {proxy} ...")
    mkdir(proxy, 0o755)
    shutil.copy2(HUB_FILES / "package.json", proxy / "package.json")
    shutil.copy2(HUB_FILES / "package-lock.json", proxy / "package-lock.json")
    run(["npm", "ci", "--prefix", str(proxy), "--omit=dev", "--no-audit", "--no-fund", "--ignore-scripts"])


@contextlib.contextmanager
def _locked(shared: Path):
    """Hold the environment while it is built or updated: two `make` runs on one machine (two checkouts, or CI
    beside a developer) take turns instead of installing into the same venv at once."""
    shared.parent.mkdir(parents=True, exist_ok=True)
    with open(shared.parent / f".{shared.name}.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_environment(shared: Path | None = None, log=lambda line: None) -> dict[str, str]:
    """Build (or bring up to date) the shared hub environment; return the paths of its programs.

    The venv is rebuilt when constraints.txt or pyproject.toml change, and the project reinstalled (a copy,
    not a link to the checkout) when its code changes; the proxy is reinstalled when its lock file changes.
    """
    why = missing_tools()
    if why:
        raise WorkshopError(f"cannot build the shared hub environment: {why}")
    shared = shared_env(shared)
    with _locked(shared):
        _bring_up_to_date(shared, log)
    return programs(shared)


def _bring_up_to_date(shared: Path, log) -> None:
    venv = shared / "venv"
    todo = environment_status(shared)
    old_umask = os.umask(0o022)
    try:
        mkdir(shared, 0o755)
        if "build" in todo:
            _build_venv(venv, log)
        elif "update" in todo:
            _update_project(venv, log)
        if "build" in todo or "update" in todo:
            (venv / ".pathways-stamp.json").write_text(json.dumps(_wanted()))
        if "proxy" in todo:
            _install_proxy(shared / "proxy", log)
    finally:
        os.umask(old_umask)


def programs(shared: Path | None = None) -> dict[str, str]:
    """The paths of the shared hub environment's programs (and of its installed source lessons)."""
    shared = shared_env(shared)
    venv = shared / "venv"
    bin_ = venv / "bin"
    return {"python": str(bin_ / "python"), "bin": str(bin_), "jupyterhub": str(bin_ / "jupyterhub"),
            "singleuser": str(bin_ / "jupyterhub-singleuser"), "proxy": str(_proxy_bin(shared)),
            "proxy_bin": str(_proxy_bin(shared).parent), "lessons": str(installed_lessons(venv))}


def installed_lessons(venv: Path) -> Path:
    """The source lessons (with model answers) inside the hub environment's installed package: learners' group is
    denied them (hub.start), like the checkout's."""
    return next((venv / "lib").glob("python3*/site-packages"), venv / "lib" / "python3.11" / "site-packages") \
        / "pathways" / "lessons"
