"""The workshop that test_attacks.py and test_workshop.py share (in that order: name order): one hub for three
learners, started with `pathways workshop start`, removed (and checked removed) whatever happens. Starting a hub
takes seconds and each learner's server ~150 MB, so the attacks run on the same one before the stops are tested."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hub_support import (
    LEARNERS,
    PREFIX,
    REPO,
    TIMINGS,
    Learner,
    leftovers,
    missing,
    shared_environment,
    start_workshop,
    sweep,
)
from hub_support import free_port as _free_port


@pytest.fixture(scope="package")
def hub(released_course, tmp_path_factory):
    """A running workshop for three learners, started with `pathways workshop start`; removed (and checked
    removed) whatever happens."""
    why = missing()
    if why:
        pytest.skip(why)
    from pathways.grading.delivery import workshop

    shared_environment()
    base = tmp_path_factory.mktemp("workshop")
    course = base / "course"
    shutil.copytree(released_course, course)
    roster = base / "class.csv"
    roster.write_text("id,name\n" + "".join(f"{sid},{name}\n" for sid, name in LEARNERS.items()), encoding="utf-8")
    # not in /tmp: each learner's server has a /tmp of her own (limits.private_temp), in which her home must be found
    root = Path(tempfile.mkdtemp(prefix="pathways-ws-test-", dir="/srv"))
    installed = workshop.installed_lessons(workshop.shared_env() / "venv")  # package data of the hub env
    # the folders hide_from shuts learners out of: the checkout, its lessons, the course, the hub env's lessons
    hidden = [str(REPO), str(REPO / "lessons"), str(course), str(installed)]
    state = {"root": root, "course": course, "roster": roster, "workshop": workshop, "installed_lessons": installed,
             "base": base}
    try:
        start_workshop(state, "127.0.0.1", _free_port())
        yield state
    finally:
        for name in ("jupyterhub.log", "formgrader.log"):  # kept with the test's files, to read after a failure
            if (root / "state" / name).exists():
                shutil.copyfile(root / "state" / name, base / f"last-{name}")
        t1 = time.monotonic()
        sweep(workshop, root, hidden)
        TIMINGS["sweep"] = time.monotonic() - t1
        left = leftovers(root, hidden)
        timings = json.dumps({k: round(v, 1) for k, v in TIMINGS.items()})
        (base / "timings.json").write_text(timings)  # kept with the test's files (pytest keeps the last runs')
        print(f"\nworkshop test timings (s): {timings}")
        assert not left, f"left behind: {left}"


@pytest.fixture(scope="package")
def learners(hub) -> dict[str, Learner]:
    """The three learners logged in, each with their server started (all three at once)."""
    out = {}
    for sid in LEARNERS:
        user = f"{PREFIX}{sid}"
        out[sid] = Learner(hub["url"], user, hub["passphrases"][user])
        assert out[sid].login() == 302
    t0 = time.monotonic()
    with ThreadPoolExecutor(3) as pool:
        waits = list(pool.map(lambda le: le.start_server(), out.values()))
    TIMINGS["servers_ready"] = time.monotonic() - t0
    TIMINGS["slowest_server"] = max(waits)
    return out


