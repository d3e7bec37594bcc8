"""Fixtures for browser tests: built dashboards, a live Voila on 127.0.0.1, headless Chromium, axe-core.

The dashboards are built once per test session into a temporary folder and served by the production
configuration (grading/voila/voila.py) on a free port; the server is stopped when the session ends.
axe-core comes from npm (tests/browser/package.json + package-lock.json): the fixture runs `npm ci` the
first time, which needs the npm registry and nothing else.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from dashboard_support import AXE, CHROMIUM, CHROMIUM_ARGS, HERE, Server, start_server, stop_server
from pathways.grading import dashboards


@pytest.fixture(scope="session")
def dashboards_site(tmp_path_factory) -> Path:
    """Every lesson's dashboard, built once into a temporary folder."""
    return dashboards.build(tmp_path_factory.mktemp("dashboards") / "site")


@pytest.fixture(scope="session")
def voila_server(dashboards_site, tmp_path_factory) -> Iterator[Server]:
    """Voila serving the built dashboards on 127.0.0.1 (production settings, pools of 2, quick refill)."""
    # Production settings, except that a used kernel is replaced after 1 s (not 10): tests visit one after another.
    server = start_server(dashboards_site, tmp_path_factory.mktemp("voila") / "voila.log",
                          overrides=["--VoilaKernelManager.fill_delay=1"])
    server.lessons = sorted(p.parent.name for p in dashboards_site.glob("*/lesson.ipynb"))
    yield server
    stop_server(server)


@pytest.fixture(scope="session")
def axe_source() -> str:
    """The axe-core script, installed from the lock file with `npm ci` if it is not there yet."""
    if not AXE.is_file():
        npm = shutil.which("npm")
        if not npm:
            pytest.fail("npm is needed to install axe-core for the accessibility audit (apt-get install -y npm)")
        run = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=HERE,
                             capture_output=True, text=True, timeout=600)
        if run.returncode != 0 or not AXE.is_file():
            pytest.fail(f"npm ci failed in {HERE}:\n{run.stdout}\n{run.stderr}")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright (never `playwright install`)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


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
        if Path(str(item.fspath)).name in ("test_dashboards.py", "test_quick_exit_typing.py"):
            item.add_marker(pytest.mark.xdist_group("dashboards"))

