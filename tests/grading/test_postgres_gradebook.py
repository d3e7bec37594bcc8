"""The gradebook on a real PostgreSQL server (a course with several graders), started by this test on 127.0.0.1.

Skipped, with the reason, only when the PostgreSQL server programs or the Python driver are absent
(Debian: `apt-get install postgresql`; Python: psycopg2-binary, in the test extras).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from pathways.grading.instructor import gradebook, workflow
from support import learner
from support.processes import stop_process

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("grading-postgres")]

REPO = Path(__file__).resolve().parents[2]
LESSON = "01-why-dont-they-leave"


def _pg_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def postgres(tmp_path):
    """A throw-away PostgreSQL server on 127.0.0.1; yields its URL for a fresh database, stops it after."""
    initdb, server = _pg_bin("initdb"), _pg_bin("postgres")
    if not initdb or not server:
        pytest.skip("PostgreSQL server programs (initdb, postgres) are not installed: apt-get install postgresql")
    pytest.importorskip("psycopg2", reason="the PostgreSQL driver psycopg2 is not installed (pip install "
                        "psycopg2-binary)")
    # Outside pytest's private temporary folder: the server may run as another user.
    home = Path(tempfile.mkdtemp(prefix="pathways-pg-"))
    data, sock = home / "pgdata", home / "pgsock"
    sock.mkdir()
    as_user: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root: use its own system account
        as_user = ["runuser", "-u", "postgres", "--"]
        data.mkdir()
        for path in (home, data, sock):
            shutil.chown(path, "postgres")
    subprocess.run([*as_user, initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
                   check=True, capture_output=True, timeout=120)
    port = _free_port()
    log = open(tmp_path / "pg.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([*as_user, server, "-D", str(data), "-h", "127.0.0.1", "-p", str(port),
                             "-k", str(sock), "-c", "fsync=off"], stdout=log, stderr=subprocess.STDOUT)
    import psycopg2

    try:
        for _ in range(100):
            try:
                con = psycopg2.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres")
                break
            except psycopg2.OperationalError:
                if proc.poll() is not None:
                    raise RuntimeError((tmp_path / "pg.log").read_text()) from None
                time.sleep(0.2)
        else:
            raise RuntimeError("PostgreSQL did not start: " + (tmp_path / "pg.log").read_text())
        con.autocommit = True
        con.cursor().execute("CREATE DATABASE pathways")
        con.close()
        # SQLAlchemy 2.1 reads a bare postgresql:// as psycopg 3: name the driver Pathways installs.
        yield f"postgresql+psycopg2://postgres@127.0.0.1:{port}/pathways"
    finally:
        stop_process(proc, timeout=30)
        log.close()
        shutil.rmtree(home, ignore_errors=True)


def test_whole_workflow_on_postgresql(postgres, tmp_path, monkeypatch):
    """With PATHWAYS_DB_URL naming a PostgreSQL database, do release, grade, export and the checks all work?"""
    lessons = tmp_path / "lessons"
    shutil.copytree(REPO / "lessons" / LESSON, lessons / LESSON, ignore=shutil.ignore_patterns("responses.json"))
    root = tmp_path / "course"
    monkeypatch.setenv("PATHWAYS_LESSONS", str(lessons))
    monkeypatch.setenv("PATHWAYS_COURSE", str(root))
    monkeypatch.setenv("PATHWAYS_DB_URL", postgres)
    init = workflow.init_course(root)
    assert init.released == [LESSON] and not (root / "gradebook.db").exists()

    rel = root / "release" / LESSON / "lesson.ipynb"
    model = learner.model_activities(lessons / LESSON)
    wrong = learner.with_wrong_checks(model, ["q1"])
    up = tmp_path / "up"
    learner.write_submission(up / "ana" / LESSON, rel, model)
    learner.write_submission(up / "ben" / LESSON, rel, wrong)
    learner.write_submission(up / "cy" / LESSON, rel, None)
    workflow.collect(up, root)
    rep = workflow.grade(root, progress=False)
    assert sorted(rep.graded) == [("ana", LESSON), ("ben", LESSON), ("cy", LESSON)]
    assert rep.integrity == [] and rep.backup is None
    assert any("pg_dump" in w for w in rep.warnings)  # a server gradebook is backed up with its own tools

    scores = gradebook.scores(postgres)
    assert scores[("ana", LESSON)]["score"] == 13 and scores[("ben", LESSON)]["score"] == 12
    assert scores[("cy", LESSON)]["score"] == 0
    out = workflow.export(root, tmp_path / "grades.csv")
    assert "\nben,,ben,92.3,12,13,0,awaiting reflection," in out.read_text(encoding="utf-8")
    assert gradebook.integrity_problems(postgres) == []
