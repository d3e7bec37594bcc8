"""Fixtures for browser tests: built dashboards, a live Voila on 127.0.0.1, headless Chromium, axe-core.

The dashboards are built once per test session into a temporary folder and served by the production
configuration (grading/voila/voila.py) on a free port; the server is stopped when the session ends.
axe-core comes from npm (tests/browser/package.json + package-lock.json): the fixture runs `npm ci` the
first time, which needs the npm registry and nothing else.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from pathways.grading import dashboards

HERE = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"


def free_port() -> int:
    """A TCP port nobody listens on right now (127.0.0.1)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    """Wait until `url` answers 200, or fail with the server's output if it dies or takes too long."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"Voila exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


@dataclass
class Server:
    """A running Voila: its base URL, the folder it serves, its process and log file."""

    url: str
    root: Path
    proc: subprocess.Popen
    log: Path
    lessons: list[str] = field(default_factory=list)

    def lesson_url(self, lesson: str) -> str:
        """The dashboard page of a lesson."""
        return f"{self.url}voila/render/{lesson}/lesson.ipynb"


def start_server(root: Path, log: Path, overrides: list[str] | None = None, pool: int = 2) -> Server:
    """Start Voila on a free port with the production config (plus overrides) and wait until it answers."""
    port = free_port()
    home = log.parent / "jupyter-config"
    env = {"JUPYTER_CONFIG_DIR": str(home), "PATHWAYS_RESOURCES": None, "PATHWAYS_COURSE": None}
    proc = dashboards.start(root, port, [f"--VoilaConfiguration.default_pool_size={pool}", *(overrides or [])],
                            extra_env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}/", root, proc, log)
    try:
        wait_http(server.url, proc)
    except Exception:
        stop_server(server)
        raise RuntimeError(f"Voila did not start:\n{log.read_text(errors='replace')[-4000:]}") from None
    return server


def stop_server(server: Server) -> None:
    """Stop Voila (and with it every kernel it started)."""
    if server.proc.poll() is None:
        server.proc.terminate()
        try:
            server.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait()


@pytest.fixture(scope="session")
def dashboards_site(tmp_path_factory) -> Path:
    """Every lesson's dashboard, built once into a temporary folder."""
    return dashboards.build(tmp_path_factory.mktemp("dashboards") / "site")


@pytest.fixture(scope="session")
def voila_server(dashboards_site, tmp_path_factory) -> Iterator[Server]:
    """Voila serving the built dashboards on 127.0.0.1 (production settings, small pools)."""
    server = start_server(dashboards_site, tmp_path_factory.mktemp("voila") / "voila.log")
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


def scenario_files(notebook: Path) -> list[str]:
    """The scenario files a lesson notebook plays, in order (from its `roleplay("...")` calls)."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    found = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            found += re.findall(r"roleplay\(\s*[\"']([^\"']+)[\"']", "".join(cell["source"]))
    return found


def pytest_collection_modifyitems(items):
    """Every dashboard browser test shares one server: keep them on one xdist worker."""
    for item in items:
        if Path(str(item.fspath)).name == "test_dashboards.py":
            item.add_marker(pytest.mark.xdist_group("dashboards"))

