"""Fixtures for browser tests: built dashboards, a live Voila on 127.0.0.1, a JupyterLab, headless Chromium, axe-core.

The dashboards are built once per test session into a temporary folder and served by the production
configuration (grading/delivery/dashboards/voila/voila.py) on a free port; the server is stopped when the session ends.
axe-core comes from npm (tests/browser/package.json + package-lock.json): the fixture runs `npm ci` the
first time, which needs the npm registry and nothing else.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from pathways.grading import course as courselib
from pathways.grading import nbgrader_run
from pathways.grading.delivery.dashboards import build as dashboards
from pathways.grading.delivery.learner import workspace as learner_workspace
from support.browser import AXE, npm_installed
from support.processes import free_port, stop_process, wait_http
from support.voila import Server, start_server, stop_server


@pytest.fixture(scope="session")
def dashboards_site(tmp_path_factory, released_course) -> Path:
    """Every lesson's dashboard, built once into a temporary folder from the lessons released once per run."""
    return dashboards.build(tmp_path_factory.mktemp("dashboards") / "site", released=released_course / "release")


@pytest.fixture(scope="session")
def voila_server(dashboards_site, tmp_path_factory) -> Iterator[Server]:
    """Voila serving the built dashboards on 127.0.0.1 (production settings, pools of 2, quick refill)."""
    # Production settings, except that a used kernel is replaced after 1 s (not 10): tests visit one after another.
    server = start_server(dashboards_site, tmp_path_factory.mktemp("voila") / "voila.log",
                          overrides=["--VoilaKernelManager.fill_delay=1"])
    server.lessons = sorted(p.parent.name for p in dashboards_site.glob("*/lesson.ipynb"))
    yield server
    stop_server(server)


LAB_TOKEN = "pathways-test-token"


@dataclass
class Lab:
    """A test's own learner workspace inside the shared JupyterLab (fixture `jupyterlab`)."""

    base: str  # http://127.0.0.1:<port>
    root: Path  # the folder JupyterLab serves
    workspace: Path  # this test's learner workspace: a folder of `root`

    def url(self, path: str) -> str:
        """The JupyterLab address that opens `path` (relative to the workspace) in a JupyterLab workspace (tab
        layout) of this test's own, so nothing another test opened is restored."""
        rel = (self.workspace / path).relative_to(self.root).as_posix()
        return f"{self.base}/lab/workspaces/{self.workspace.name}/tree/{rel}?token={LAB_TOKEN}"

    def stop_kernels(self) -> None:
        """Shut down the kernels of this test's notebooks (the server stays up for the next test)."""
        prefix = self.workspace.relative_to(self.root).as_posix() + "/"
        with urllib.request.urlopen(f"{self.base}/api/sessions?token={LAB_TOKEN}", timeout=20) as resp:
            sessions = json.load(resp)
        for session in sessions:
            if session.get("path", "").startswith(prefix):
                request = urllib.request.Request(f"{self.base}/api/sessions/{session['id']}?token={LAB_TOKEN}",
                                                 method="DELETE")
                urllib.request.urlopen(request, timeout=20).close()


@pytest.fixture(scope="session")
def jupyterlab_server(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """One JupyterLab per worker on 127.0.0.1 (the command `make start` runs), over a folder that holds one learner
    workspace per test; stopped when the session ends. Tests use the fixture `jupyterlab`."""
    base = tmp_path_factory.mktemp("jupyterlab")
    root = base / "workspaces"
    root.mkdir()
    port = free_port()
    # The environment the tests' own `_isolate` fixture gives them (this fixture starts before it).
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PATHWAYS_", "VOILA_"))}
    env.update(JUPYTER_CONFIG_DIR=str(base / "jupyter-config"),
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}")
    log = (base / "lab.log").open("w")
    proc = subprocess.Popen(learner_workspace.lab_command(root, port, token=LAB_TOKEN), env=env, stdout=log,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        wait_http(f"http://127.0.0.1:{port}/api/status?token={LAB_TOKEN}", proc)
        yield f"http://127.0.0.1:{port}", root
    finally:
        stop_process(proc, timeout=20)
        log.close()


@pytest.fixture
def jupyterlab(jupyterlab_server, released_course, request, monkeypatch) -> Iterator[Lab]:
    """A fresh learner workspace of this test's own in the shared JupyterLab, made by `make start`'s
    `prepare_workspace` from the lessons released once per run; its kernels are shut down when the test ends."""
    base, root = jupyterlab_server
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", request.node.name)[:80]
    release = released_course / "release"
    with monkeypatch.context() as mp:  # copy the run's release instead of releasing every lesson again
        mp.setattr(nbgrader_run, "release", lambda lessons=None, course=None: [
            release / lesson for lesson in lessons or courselib.lesson_ids()])
        workspace = learner_workspace.prepare_workspace(root / name)
    lab = Lab(base, root, workspace)
    yield lab
    with contextlib.suppress(OSError):  # a kernel that will not stop only costs the next test some CPU
        lab.stop_kernels()


@pytest.fixture(scope="session")
def axe_source() -> str:
    """The axe-core script, installed from the lock file with `npm ci` if it is not there yet."""
    npm_installed(AXE)
    return AXE.read_text(encoding="utf-8")



@dataclass
class Visit:
    """A browser tab plus every request it made (URL) and every console error it printed."""

    page: object
    requests: list[str]
    console_errors: list[str]

    def foreign_requests(self) -> list[str]:
        """Requests to any host other than 127.0.0.1 (there must be none)."""
        return [u for u in self.requests
                if urlsplit(u).scheme not in ("data", "blob", "about") and urlsplit(u).hostname != "127.0.0.1"]


@pytest.fixture
def visit(browser) -> Iterator[Visit]:
    """A fresh browser context whose requests and console errors are recorded; nothing reaches the internet:
    any request to another host is recorded and then aborted."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    errors: list[str] = []

    def guard(route):
        host = urlsplit(route.request.url).hostname
        if host == "127.0.0.1":
            route.continue_()
        else:
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("websocket", lambda ws: requests.append(ws.url))
    yield Visit(page, requests, errors)
    context.close()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Every dashboard browser test shares one server: keep them on one xdist worker.

    tryfirst: xdist's own hook turns the mark into the worker assignment, so the mark must be there before it
    runs (without it, each worker started a Voila with every pool, and a Chromium: the cause of the timeouts)."""
    for item in items:
        if Path(str(item.fspath)).name in ("test_dashboards.py", "test_quick_exit_typing.py") \
                and item.get_closest_marker("xdist_group") is None:  # the JupyterLab tests have a group of their own
            item.add_marker(pytest.mark.xdist_group("dashboards"))

