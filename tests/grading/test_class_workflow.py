"""A whole simulated class, every bad case included, through collect -> grade -> feedback -> export -> report.

The class is built from Lesson 1's released notebook; model answers come from the lesson's own
solution cell. One class, graded once per worker and shared with test_identity.py and test_excusal_totals.py
(tests/support/graded_class.py, fixture `graded_class`), does the work; each test asserts one part.
"""

from __future__ import annotations

import json
import shutil

import nbformat
import pytest
from pathways.grading.instructor import gradebook, workflow
from pathways.grading.instructor.ledger import label_id
from support.graded_class import DAMAGED, EXCUSAL, FULL, GROUP, HOSTILE, LESSON, SCRIPTS

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group(GROUP)]

#: The shared class's hand-ins given to a learner: this module's, zed's (not on the class list), the other two
#: modules' (Chloé Dupont's among SCRIPTS); the twins' one hand-in is set aside, lea's two count once.
HANDED_IN = len(HOSTILE) + 1 + len(SCRIPTS) + len(EXCUSAL) + 1  # + DAMAGED's zip


@pytest.fixture
def run(graded_class):
    return graded_class


def test_the_class_is_graded_on_one_worker(request):
    """With `pytest -n 2 --dist loadgroup` (make test), does pytest-xdist see one group for every test of the
    three modules that use the shared class, so the class is graded once and not once per worker that gets one
    of these tests?"""
    if not request.config.getoption("loadgroup", default=False):
        pytest.skip("not run by pytest-xdist with --dist loadgroup")
    assert request.node.nodeid.endswith(f"@{GROUP}"), request.node.nodeid
    users = [item for item in request.session.items if "graded_class" in getattr(item, "fixturenames", ())]
    files = {item.nodeid.split("::")[0].rsplit("/", 1)[-1] for item in users}
    assert {"test_class_workflow.py", "test_identity.py", "test_excusal_totals.py"} <= files, files
    outside = [item.nodeid for item in users if not item.nodeid.endswith(f"@{GROUP}")]
    assert outside == [], f"these use the shared class but are not in its group: {outside}"


def _row(run, name):
    return run.rows[label_id(name) if name not in run.rows else name]


def _points(row) -> float:
    """A learner's points on the lesson in grades.csv (none: not graded, 0)."""
    return float(row[f"{LESSON} points"] or 0)


def test_collect_reports_every_problem(run):
    """Did collect import everyone, give names their ids, and report the duplicate, the stranger and the junk?"""
    assert not run.init.problems
    text = "\n".join(run.collected.lines())
    imported = {sid for sid, _, _ in run.collected.imported}
    chloe = label_id("Chloé Dupont")
    assert chloe.startswith("chloe-dupont-") and label_id("李雷").startswith("learner-")
    assert {"ana", chloe, label_id("李雷"), "lea", "zed", "fay", "kim"} <= imported
    assert f"'Chloé Dupont' -> {chloe}" in text and f"'李雷' -> {label_id('李雷')}" in text
    assert "lea (01-why-dont-they-leave): handed in twice: graded lea+" in text and "11:00:00" in text
    assert "zed" in "\n".join(run.collected.unknown_students)
    assert any("notes.txt" in p for p in run.collected.unreadable)
    assert any("lesson.ipynb: too large to import" in p for p in run.collected.unreadable)


@pytest.mark.parametrize("name, score, flag", [
    ("ana", FULL, ""),
    ("ben", FULL - 2, ""),
    ("Chloé Dupont", FULL, ""),
    ("dan", 0.0, "no response file"),
    ("eve", FULL - 4, "role-play transcript is not a possible path"),
    ("fay", 0.0, "NOT GRADED - notebook is damaged"),
    ("gus", FULL, "3 cell(s) of the lesson deleted"),
    ("hal", 0.0, "response file rejected"),
    ("ivy", FULL, "ran longer than 3 s and were stopped"),
    ("kim", 0.0, "NOT GRADED - lesson.ipynb too large to import"),
    ("lea", FULL, "handed in twice"),
    ("max", FULL, "written by the learner were run"),
    ("ned", 0.0, "code cell(s) the lesson does not contain: not run"),
    ("zed", FULL, "not on the class list"),
])
def test_each_student_score_and_flag(run, name, score, flag):
    """Is every student graded (or not) with the right score, and flagged with the reason?"""
    row = _row(run, name)
    assert _points(row) == pytest.approx(score)
    assert row[f"{LESSON} status"] == ("not graded" if "NOT GRADED" in flag else "awaiting reflection")
    if flag:
        assert flag in row["flags"]
    else:
        assert row["flags"] == ""


def test_a_lost_roleplay_scores_its_share(run):
    """Does a legal but poor role-play walk earn its share of the points (non-Latin name, too)?"""
    row = _row(run, "李雷")
    assert _points(row) == pytest.approx(run.lost) and row["name"] == "李雷"


def test_tampering_is_flagged_even_when_scores_are_right(run):
    """Are an edited test cell and learner code that was not run both named in the flags?"""
    assert "locked cell(s) edited (test-q2)" in _row(run, "gus")["flags"]
    first_ivy = [f for s, lesson, f in run.first.flagged if s == "ivy"]
    assert first_ivy and "1 code cell(s) the lesson does not contain: not run" in first_ivy[0]


def test_bad_submissions_do_not_stop_the_others(run):
    """Were the two hopeless hand-ins the only ones not graded, and the gradebook sound after each run?"""
    assert sorted(s for s, _, _ in run.first.failed) == sorted(["fay", "kim", DAMAGED])
    assert len(run.first.graded) == HANDED_IN - 3  # all but fay, kim and DAMAGED
    for rep in (run.first, run.second):
        assert rep.integrity == [] and rep.backup and rep.backup.is_file()
    assert gradebook.integrity_problems(run.url) == []
    assert run.again.graded == [] and run.again.skipped == HANDED_IN


def test_student_code_cannot_reach_the_course(run):
    """With learner code run on purpose, can it read other students, write a gradebook or use the network?"""
    nb = nbformat.read(run.root / "autograded" / "max" / LESSON / "lesson.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert "PROBE" in printed, printed[:2000]
    found = eval(printed.split("PROBE", 1)[1].strip().splitlines()[0])  # noqa: S307 - our own test's output
    level = run.second.isolation
    if "hidden" not in level:
        pytest.skip(f"this machine allows only this isolation: {level}")
    for key in ("list-real", "read-other", "write-real", "read-lessons"):
        assert found[key].startswith("denied:"), (key, found[key])
    if "separate user" in level:
        assert found["write-scratch"].startswith("denied:")
    if "no network" in level:
        assert found["network"].startswith("denied:")
    # The others' grades are untouched by what max's code tried.
    assert _points(_row(run, "ana")) == FULL


def test_default_grading_ignores_learner_code(run):
    """Does a learner who patched the grading functions gain nothing when their code is not run?"""
    assert _points(_row(run, "ned")) == 0.0
    assert run.scores_first[("ned", LESSON)]["score"] == 0.0


def test_feedback_never_shows_hidden_tests(run):
    """Is feedback written for every graded notebook without hidden test code or hidden test output?"""
    assert not run.feedback.problems
    pages = {p.parts[-3]: p for p in run.feedback.files}
    assert "ana" in pages and "fay" not in pages and "kim" not in pages
    hidden = workflow.hidden_snippets(run.url, LESSON)  # none since issue 23: the lesson's checks are formative
    for page in run.feedback.files:
        text = page.read_text(encoding="utf-8")
        assert workflow.leaks(text, hidden) == [], page
        assert "BEGIN HIDDEN TESTS" not in text and "model_checks" not in text
    ana = pages["ana"].read_text(encoding="utf-8")
    assert "Role-play:" in ana  # visible tests keep their output, formative checks' too (their key is in checks.yaml)
    q1 = ana.split("<h3>Question 1</h3>", 1)[1].split("</section>", 1)[0]
    assert "Points: 1 of 1." in q1 and q1.count("(your answer)") == 1
    assert q1.split('<ul class="options">', 1)[1].count("<div>") == q1.count("<li")  # every option explained


def test_one_learners_failed_feedback_spares_the_class(run, tmp_path, monkeypatch):
    """When one learner's page cannot be written, is that learner named in the report and every other learner's
    page still written?"""
    root = tmp_path / "course"
    shutil.copytree(run.root, root, symlinks=True)
    shutil.rmtree(root / "feedback")
    (root / "feedback").mkdir()
    others = sorted(p.name for p in (root / "autograded").iterdir() if p.name != "ana")
    kept = {"ana", *others[:3]}  # a few pages prove it: the whole class again proves nothing more
    for name in set(others) - kept:
        shutil.rmtree(root / "autograded" / name)
    for var, value in (("PATHWAYS_LESSONS", run.lessons), ("PATHWAYS_COURSE", root),
                       ("JUPYTER_CONFIG_DIR", run.base / "jupyter-config")):
        monkeypatch.setenv(var, str(value))
    monkeypatch.delenv("PATHWAYS_DB_URL", raising=False)
    (root / "autograded" / "ana" / LESSON / "lesson.ipynb").write_text("{not a notebook", encoding="utf-8")
    fb = workflow.feedback(root, final=True)
    broken = [p for p in fb.problems if "graded copy is missing" not in p]
    assert len(broken) == 1 and broken[0].startswith(f"ana / {LESSON}: "), fb.problems
    assert len(fb.problems) - 1 == len(set(others) - kept)  # the copies removed here are named, never skipped silently
    spared = {p.parts[-3] for p in fb.files}
    assert spared == ({p.parts[-3] for p in run.feedback.files} & kept) - {"ana"} and len(spared) == len(kept) - 1


def test_report_has_its_figures_and_no_names(run):
    """Does the report embed its figures (scores, checks, role-play choices) and keep names out?"""
    text = run.report.read_text(encoding="utf-8")
    assert text.count('src="data:image/png;base64,') >= 3
    figures = sorted(p.name for p in (run.base / "report-figures").glob("*.png"))
    assert figures == [f"{LESSON}-checks.png", f"{LESSON}-roleplay-er-visit.png", f"{LESSON}-scores.png"]
    assert "Chloé Dupont" not in text and "李雷" not in text
    assert "fay" in text and "notebook is damaged" in text  # the culprit is in the report, with the reason
    assert "http://" not in text.replace("http://www.w3.org", "") and "https://" not in text
    named = run.named.read_text(encoding="utf-8")
    assert "Chloé Dupont" in named and "李雷" in named


def test_scores_agree_with_nbgrader_gradebook(run):
    """Are the CSV's numbers exactly what nbgrader's own Gradebook API reports?"""
    from nbgrader.api import Gradebook

    with Gradebook(run.url) as gb:
        for sid, row in run.rows.items():
            if row[f"{LESSON} points"] and not int(row[f"{LESSON} skipped for wellbeing"]):
                assert gb.find_submission(LESSON, sid).score == pytest.approx(float(row[f"{LESSON} points"]))
    ledger = json.loads((run.root / "pathways" / "ledger.json").read_text(encoding="utf-8"))
    assert ledger["students"][label_id("Chloé Dupont")]["name"] == "Chloé Dupont"


def test_scratch_gradebook_holds_no_model_answers(run, tmp_path):
    """Does the gradebook copied into a sandbox keep the hidden tests but drop the model answers?"""
    import sqlite3

    rel = run.root / "release" / LESSON / "lesson.ipynb"
    template = gradebook.make_template(run.url, LESSON, tmp_path / "t.db", workflow._release_sources(rel))
    con = sqlite3.connect(template)
    sources = " ".join(r[0] or "" for r in con.execute("SELECT source FROM source_cell"))
    students = con.execute("SELECT count(*) FROM student").fetchone()[0]
    con.close()
    assert "model_checks" not in sources and "model_roleplay" not in sources and students == 0
    assert 'check_points("q1")' in sources  # the grading cells, from which nbgrader restores any hidden test
