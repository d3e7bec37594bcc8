"""Shared fixtures. Tests never touch build/ or workspace/: every course lives in a temporary folder.

Also one hook: the `xdist_group` marks must reach pytest-xdist's `--dist loadgroup` scheduler (see
`pytest_collection_modifyitems` below), or every module-scoped fixture runs again on every worker.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from support.schedule import LONGEST_FIRST

_ENV_BEFORE = pytest.StashKey[dict]()


def _pathways_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k.startswith("PATHWAYS_")}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    """Note the PATHWAYS_* variables before the test's fixtures run (see pytest_runtest_teardown)."""
    item.stash[_ENV_BEFORE] = _pathways_env()
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After every fixture of the test is finalised (monkeypatch undone), fail a test that left a PATHWAYS_*
    variable changed, and put it back: no test may change what the tests after it in the same worker see, such as
    the language of every widget (i18n.set_language writes os.environ directly)."""
    yield
    before, after = item.stash.get(_ENV_BEFORE, None), _pathways_env()
    if before is None or after == before:
        return
    for key in after.keys() - before.keys():
        del os.environ[key]
    os.environ.update(before)
    raise AssertionError(f"the test left PATHWAYS_* variables changed: {before} before, {after} after; use "
                         "monkeypatch.setenv, or restore them")


@pytest.fixture(autouse=True)
def _isolate(monkeypatch, tmp_path_factory):
    """Keep tests away from the developer's own Jupyter config, resources override and storage mode."""
    home = tmp_path_factory.mktemp("home")
    for var in ("JUPYTER_CONFIG_DIR", "PATHWAYS_RESOURCES", "PATHWAYS_STORAGE", "PATHWAYS_COURSE", "PATHWAYS_LESSONS",
                "PATHWAYS_LANG", "VOILA_PREHEAT", "VOILA_BASE_URL", "VOILA_KERNEL_ID"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(home / ".jupyter"))
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright (never `playwright install`), one per worker for every test that
    needs it (browser/, site/, workshop/): Playwright's sync API allows one instance at a time in a process."""
    from support.browser import chromium_browser

    with chromium_browser() as chromium:
        yield chromium


@pytest.fixture(scope="session")
def released_course(tmp_path_factory) -> Path:
    """A course with every lesson released by nbgrader, made once per test run and shared by the xdist workers
    (they share the run's temporary folder). Read only: a test copies what it changes."""
    from support.course import release_every_lesson_once

    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):  # each worker's folder is in the run's folder
        base = base.parent
    return release_every_lesson_once(base)


@pytest.fixture
def course(tmp_path, monkeypatch) -> Path:
    """An empty course folder; nbgrader commands run by the test use it (via PATHWAYS_COURSE)."""
    folder = tmp_path / "course"
    folder.mkdir()
    monkeypatch.setenv("PATHWAYS_COURSE", str(folder))
    return folder


@pytest.fixture
def in_tmp(tmp_path, monkeypatch) -> Path:
    """Run the test with a fresh temporary working folder (where responses.json is written)."""
    monkeypatch.chdir(tmp_path)
    import pathways.activities.responses as responses

    monkeypatch.setattr(responses, "_STORE", None)
    return tmp_path


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """On an xdist worker with `--dist loadgroup`, make sure each test's node id ends with its `@group`.

    pytest-xdist tells its scheduler a test's group by appending `@group` to the node id (in its own hook,
    which runs before this one). It writes `item._nodeid`, which pytest 9.2 no longer reads (node ids became
    structured: pytest-dev/pytest-xdist#1386), so the marks were silently ignored: the tests of one group were
    spread over both workers and each module-scoped fixture (a class graded, a server started) ran again and
    again. Where the suffix is missing this adds it the way pytest 9.2 stores ids; elsewhere it does nothing.
    """
    if not config.getoption("loadgroup", default=False):  # set on xdist workers only
        return
    _longest_first(items)
    for item in items:
        names = sorted({str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                        for m in item.iter_markers("xdist_group")})
        suffix = "@" + "_".join(names)
        if not names or item.nodeid.endswith(suffix):
            continue
        if hasattr(item, "_id"):  # pytest >= 9.2
            item._id = type(item._id).parse(item.nodeid + suffix)
        else:
            item._nodeid = item.nodeid + suffix


def _longest_first(items: list) -> None:
    """Reorder `items` in place: the files of LONGEST_FIRST first, in that order; every other test after them,
    in the order collected. The same on every worker (xdist requires it)."""
    def rank(item) -> int:
        path = Path(str(item.fspath)).as_posix()
        return next((i for i, name in enumerate(LONGEST_FIRST) if path.endswith("tests/" + name)), len(LONGEST_FIRST))

    items.sort(key=rank)  # stable: each file keeps its own order
