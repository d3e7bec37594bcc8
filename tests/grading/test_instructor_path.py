"""Does the README's instructor path tell the truth about every hand-in, as a new instructor reads it?

The class the grading tests share (tests/support/graded_class.py) went through collect -> grade -> feedback ->
export -> report once; among its learners: DAMAGED e-mailed a zip of `lesson (1).ipynb` cut short on the way,
ria and sol skipped items for wellbeing, vic skipped the reflection, and nobody's reflection is graded yet.
Each test reads what one output says about them; the last ones work on a copy of the course (the reflection graded
as the formgrader would, a purge then a re-collect), through the `pathways` command line as the README writes it.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from pathways.grading import cli
from pathways.grading.instructor import workflow
from support.graded_class import DAMAGED, GROUP, LESSON

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group(GROUP)]

TITLE = "Lesson 1 · Why don't they leave?"


def _page(run, sid: str) -> str:
    return (run.root / "feedback" / sid / LESSON / "lesson.html").read_text(encoding="utf-8")


def _text(page: str) -> str:
    """A page's words, tags and styles removed (entities read)."""
    import html

    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", "", page,
                                                                            flags=re.S))))


def test_a_damaged_zip_is_collected_flagged_and_reported(graded_class):
    """Is a zipped notebook cut short recognised as damaged (not 'which lesson?'), imported, and flagged NOT
    GRADED with its reason by grade, export and report?"""
    run = graded_class
    collected = "\n".join(run.collected.lines())
    assert f"{DAMAGED}.zip ({LESSON}): notebook is damaged" in collected and "cannot tell which lesson" not in collected
    assert (run.root / "submitted" / DAMAGED / LESSON / "lesson.ipynb").is_file()  # kept
    graded = "\n".join(run.first.lines())
    assert f"NOT GRADED {DAMAGED} / {LESSON}: notebook is damaged and cannot be read" in graded
    row = run.rows[DAMAGED]
    assert row[f"{LESSON} status"] == "not graded" and "NOT GRADED - notebook is damaged" in row["flags"]
    assert f"<tr><td>{DAMAGED}</td><td>{TITLE.replace(chr(39), '&#39;')}</td><td>not graded</td>" in run.page
    assert not (run.root / "feedback" / DAMAGED).exists()


def test_grades_csv_is_instructor_shaped(graded_class):
    """Does grades.csv give, for the lesson the class handed in only, a percentage, points out of what counts,
    skips and a status in words, with the e-mail beside the id?"""
    header = next(csv.reader(io.StringIO(graded_class.csv)))
    assert header == ["student_id", "email", "name", f"{LESSON} %", f"{LESSON} points", f"{LESSON} out of",
                      f"{LESSON} skipped for wellbeing", f"{LESSON} status", "flags"]
    rows = graded_class.rows
    assert [rows["ria"][f"{LESSON} {c}"] for c in ("%", "points", "out of", "skipped for wellbeing", "status")] == \
        ["100", "8", "8", "2", "awaiting reflection"]
    assert rows["vic"][f"{LESSON} status"] == "graded"  # the reflection skipped: nothing awaits
    assert rows["ben"][f"{LESSON} %"] == "84.6"


def test_feedback_is_a_page_a_learner_can_read(graded_class):
    """Is a learner's page the lesson in its own words (title, prompts, their answers, the role-play's scenes and
    choices, the sorting, the reflection awaiting grading, skipped items left out), with no code, no grade id, no
    script and nothing loaded from elsewhere?"""
    run = graded_class
    ria = _page(run, "ria")
    words = _text(ria)
    assert f"<title>Your feedback: {TITLE.replace(chr(39), '&#39;')}</title>" in ria
    assert "Your total: 8 of 8 points (100%)" in words and "2 items you skipped for your wellbeing" in words
    assert words.count("You skipped this for your wellbeing. It is not counted") == 2  # role-play and question 2
    assert "Awaiting grading by your instructor (out of 3)" in words and "What you wrote:" in words
    assert "Sam, 16, meets an adult online" in words and "(your answer)" in words
    assert "You placed under" in words and "Why each answer is right or not" not in words  # each beside its item
    ana = _text(_page(run, "ana"))
    assert "You chose:" in ana and "Ending:" in ana and "This honours" in ana
    for page in (ria, _page(run, "ana")):
        assert "Content-Security-Policy" in page and "script-src" not in page and "default-src 'none'" in page
        assert not re.search(r"<(script|link|iframe|img|object|embed)\b", page)  # every asset is the page's own
        assert "https://" not in page.replace('href="https://', "") and "http://" not in page
        for leak in ("test-q1", "check_points", "In [", "grade_id", "Test cell", "mathjax", "MathJax"):
            assert leak not in page
    lines = "\n".join(run.feedback.lines())
    assert "reflection(s) await grading" in lines and "pathways formgrader" in lines
    assert "may still take hand-ins" in lines  # no due date was set: the keys would go to late learners


def _copy(run, tmp_path, monkeypatch):
    root = tmp_path / "course"
    shutil.copytree(run.root, root, symlinks=True)
    monkeypatch.setenv("PATHWAYS_LESSONS", str(run.lessons))
    monkeypatch.setenv("PATHWAYS_COURSE", str(root))
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(run.base / "jupyter-config"))
    monkeypatch.delenv("PATHWAYS_DB_URL", raising=False)
    return root


def _pathways(*args: str) -> tuple[int, str]:
    """`pathways ARGS` as the README writes it (this process's command line), and what it printed."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = cli.main(list(args))
    return code, out.getvalue()


def test_a_graded_reflection_reaches_feedback_export_and_report(graded_class, tmp_path, monkeypatch):
    """Once the instructor grades a reflection (what the formgrader writes: a manual score and a comment), do the
    feedback, grades.csv and the report count it and show the comment, and say how many others still wait? Does
    a reflection that is markup reach its page as text only?"""
    import json

    from nbgrader.api import Gradebook

    root = _copy(graded_class, tmp_path, monkeypatch)
    with Gradebook(workflow.db_url(root)) as gb:
        gb.find_grade("reflection-task", "lesson", LESSON, "ana").manual_score = 2
        gb.find_comment("reflection-task", "lesson", LESSON, "ana").manual_comment = "Two ideas <named> well."
        gb.db.commit()
    answers = root / "autograded" / "tom" / LESSON / "responses.json"
    data = json.loads(answers.read_text(encoding="utf-8"))
    data["activities"]["reflection-why-stay"]["text"] = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    answers.write_text(json.dumps(data), encoding="utf-8")
    assert [les for les, _due in workflow.set_due([LESSON], "2020-01-01")] == [LESSON]  # hand-ins closed
    code, said = _pathways("feedback")
    assert code == 0 and "may still take hand-ins" not in said, said  # the due date has passed
    waiting = len(graded_class.feedback.files) - 2  # ana's is graded, vic skipped theirs
    assert f"{waiting} reflection(s) await grading" in said
    ana = _text(_page(SimpleRoot(root), "ana"))
    assert "Points: 2 of 3." in ana and "Your instructor's comment: Two ideas <named> well." in ana
    assert "Your total: 15 of 16 points" in ana
    tom = (root / "feedback" / "tom" / LESSON / "lesson.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x" in tom and "<script" not in tom
    assert _pathways("export")[0] == 0 and _pathways("report")[0] == 0
    rows = {r["student_id"]: r for r in csv.DictReader((root / "grades.csv").open(encoding="utf-8"))}
    assert (rows["ana"][f"{LESSON} status"], rows["ana"][f"{LESSON} out of"]) == ("graded", "16")
    assert f"{waiting} reflections await grading" in (root / "report.html").read_text(encoding="utf-8")


class SimpleRoot:
    """A run-like object naming a course folder (for `_page`)."""

    def __init__(self, root):
        self.root = root


def test_a_purged_learner_stays_purged_unless_re_enrolled(graded_class, tmp_path, monkeypatch):
    """After `course purge --learner ana`, does collecting the same upload again refuse ana's hand-in (and say
    why), does the class list not bring her back, and does `--re-enrol` take her back on purpose?"""
    root = _copy(graded_class, tmp_path, monkeypatch)
    upload = graded_class.base / "upload"
    code, said = _pathways("course", "purge", "--learner", "ana", "--yes")
    assert code == 0, said
    code, said = _pathways("collect", str(upload))
    assert code == 0 and "REFUSED: a learner whose data was deleted on request" in said
    assert f"  - ana/{LESSON}: this learner's data was deleted on request" in said
    assert not (root / "submitted" / "ana").exists()
    code, said = _pathways("course", "init", "--roster", str(graded_class.base / "class.csv"), "--no-release")
    assert "ana: this learner's data was deleted on request" in said
    assert _pathways("export")[0] == 0
    assert "\nana," not in (root / "grades.csv").read_text(encoding="utf-8")
    code, said = _pathways("collect", str(upload), "--re-enrol", "ana")
    assert code == 0 and "REFUSED" not in said and (root / "submitted" / "ana" / LESSON).is_dir()


def _status(url: str) -> int:
    """The HTTP status of a GET, redirects not followed."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    con = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        con.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""))
        return con.getresponse().status
    finally:
        con.close()


def test_the_formgrader_is_the_instructors_alone(graded_class, tmp_path, monkeypatch):
    """Does `pathways formgrader` serve nbgrader's formgrader on 127.0.0.1 only to the address with its token,
    with terminals, kernels and the Autograde and feedback buttons refused, and stop when it is sent SIGTERM?"""
    from support.processes import free_port, stop_process, wait_http

    root = _copy(graded_class, tmp_path, monkeypatch)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "pathways.grading.cli", "formgrader", "--course", str(root),
                             "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = next(line.strip() for line in proc.stdout if "token=" in line)
        base, token = f"http://127.0.0.1:{port}", url.split("token=")[1]
        assert url == f"{base}/formgrader?token={token}" and len(token) >= 32
        wait_http(url, proc)
        with urllib.request.urlopen(url, timeout=10) as answer:
            assert "formgrader" in answer.read().decode("utf-8", "replace").lower()
        import json

        with urllib.request.urlopen(f"{base}/formgrader/api/assignments?token={token}", timeout=10) as answer:
            lessons = {a["name"]: a["num_submissions"] for a in json.load(answer)}
        assert lessons[LESSON] > 20  # the course, read through nbgrader_config.py
        assert _status(f"{base}/formgrader") in (302, 401, 403)  # no token: to the log-in page, never in
        assert _status(f"{base}/api/status") == 403
        assert _status(f"{base}/api/terminals?token={token}") in (403, 404)  # terminals off, and the guard refuses
        for button in (f"submission/{LESSON}/ana/autograde", f"assignment/{LESSON}/generate_feedback"):
            press = urllib.request.Request(f"{base}/formgrader/api/{button}", data=b"{}", method="POST",
                                           headers={"Authorization": f"token {token}"})
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(press, timeout=10)
            assert refused.value.code == 403, button  # learner code never runs here; Pathways' pages never replaced
        start = urllib.request.Request(f"{base}/api/kernels", data=b"{}", method="POST",
                                       headers={"Authorization": f"token {token}"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(start, timeout=10)
        assert refused.value.code == 403  # no kernel: nothing runs as the instructor there
        proc.terminate()
        assert proc.wait(timeout=30) is not None
    finally:
        if proc.poll() is None:
            stop_process(proc)
