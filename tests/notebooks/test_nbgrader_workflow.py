"""Does the whole plain-nbgrader workflow grade a simulated class honestly, good and bad submissions alike?

generate_assignment → submissions → autograde → generate_feedback → export, with the stock
`nbgrader` commands reading grading/instructor/nbgrader_config.py, on lesson 1.
"""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook
from pathways.grading import nbgrader_run
from support.course import LESSONS, released_lesson
from support.learner import expected_points, responses_for, write_responses
from support.testcells import auto_points, graded_calls

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("nbgrader-workflow")]  # one worker grades the class once
LESSON = "01-why-dont-they-leave"
SOURCE = LESSONS / LESSON


def submit(course: Path, student: str, activities: dict | None, edit=None, corrupt: bool = False) -> Path:
    """Place one student's submission as `nbgrader collect` would leave it."""
    folder = course / "submitted" / student / LESSON
    shutil.copytree(course / "release" / LESSON, folder)
    (folder / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC")
    if activities is not None:
        write_responses(folder, activities)
    nb_path = folder / "lesson.ipynb"
    if edit:
        nb = nbformat.read(nb_path, as_version=4)
        edit(nb)
        nbformat.write(nb, nb_path)
    if corrupt:
        nb_path.write_text('{"cells": [ this is not a notebook', encoding="utf-8")
    return folder


def tamper_roleplay_test(nb):
    """A learner rewrites the locked role-play test cell to award themselves full marks."""
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test-roleplay")
    cell.source = "4"


def delete_check_tests(nb):
    """A learner deletes the hidden test cell of question 1."""
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "test-q1"]


@pytest.fixture(scope="module")
def workflow_class(tmp_path_factory, released_course):
    """A class of simulated students, graded once with plain nbgrader commands."""
    course = tmp_path_factory.mktemp("course")
    released_lesson(released_course, course, LESSON)
    perfect = responses_for(SOURCE, "perfect")
    students = {
        "perfect": submit(course, "perfect", perfect),
        "empty": submit(course, "empty", None),
        "wrong": submit(course, "wrong", responses_for(SOURCE, "wrong")),
        "forged": submit(course, "forged", responses_for(SOURCE, "forged")),
        "tampered": submit(course, "tampered", None, edit=tamper_roleplay_test),
        "deleted": submit(course, "deleted", perfect, edit=delete_check_tests),
        "corrupt": submit(course, "corrupt", perfect, corrupt=True),
    }
    runs = {"autograde": nbgrader_run.nbgrader("autograde", LESSON, course=course),
            "feedback": nbgrader_run.nbgrader("generate_feedback", LESSON, course=course),
            "export": nbgrader_run.nbgrader("export", "--to", str(course / "grades.csv"), course=course)}
    return course, students, runs


def cell_scores(course: Path, student: str) -> dict[str, float | None]:
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        nb = gb.find_submission_notebook("lesson", LESSON, student)
        return {g.name: g.score for g in nb.grades if g.auto_score is not None or g.cell.cell_type == "code"}


def test_perfect_student_earns_every_automatic_point(workflow_class):
    """Does the model learner earn every autograded point?"""
    course, _, _ = workflow_class
    scores = cell_scores(course, "perfect")
    assert scores == expected_points(SOURCE, "perfect")
    assert sum(scores.values()) == auto_points(SOURCE.joinpath("lesson.ipynb")) > 0


def test_empty_submission_scores_zero(workflow_class):
    """Does an untouched notebook with no response file earn nothing?"""
    course, _, _ = workflow_class
    assert set(cell_scores(course, "empty").values()) == {0.0}


def test_wrong_answers_score_what_the_engine_says(workflow_class):
    """Do wrong answers earn nothing, and a weak role-play path its share of the best score?"""
    course, _, _ = workflow_class
    assert cell_scores(course, "wrong") == expected_points(SOURCE, "wrong")


def test_forged_transcript_scores_zero_with_a_message(workflow_class):
    """Does an impossible path earn nothing for the role-play, while honest answers still count?"""
    course, _, _ = workflow_class
    scores = cell_scores(course, "forged")
    assert scores["test-roleplay"] == 0.0 and scores["test-q1"] == 1.0
    nb = nbformat.read(course / "autograded" / "forged" / LESSON / "lesson.ipynb", as_version=4)
    out = "".join(o.get("text", "") for c in nb.cells if c.id == "test-roleplay" for o in c.outputs)
    assert "this path is not possible in the scenario" in out


def test_tampered_locked_cell_is_restored(workflow_class):
    """Is a rewritten test cell replaced by the original before grading?"""
    course, _, _ = workflow_class
    assert cell_scores(course, "tampered")["test-roleplay"] == 0.0


def test_deleted_test_cell_is_restored(workflow_class):
    """Is a deleted hidden test cell put back, so the question is still graded?"""
    course, _, _ = workflow_class
    scores = cell_scores(course, "deleted")
    assert scores["test-q1"] == 1.0 and scores == expected_points(SOURCE, "perfect")


def test_corrupt_notebook_stops_nobody_else(workflow_class):
    """Does a corrupt notebook fail alone, leaving the others graded and the gradebook intact?"""
    course, students, runs = workflow_class
    assert "corrupt" in runs["autograde"].output
    for student in set(students) - {"corrupt"}:
        assert (course / "autograded" / student / LESSON / "lesson.ipynb").exists(), student
    with sqlite3.connect(course / "gradebook.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_response_file_reaches_autograded_folder(workflow_class):
    """Is the learner's response file (not a source copy) what the autograder read?"""
    course, _, _ = workflow_class
    graded = json.loads((course / "autograded" / "wrong" / LESSON / "responses.json").read_text())
    assert graded["activities"] == responses_for(SOURCE, "wrong")
    assert not (course / "autograded" / "empty" / LESSON / "responses.json").exists()


def test_feedback_shows_formative_grading_and_no_solution(workflow_class):
    """Does generated feedback show each formative check's grading line (the first checked answer and its points:
    its key is in the lesson's checks.yaml anyway), and no solution, model answer or hidden-test text? (The
    shipped lessons are formative; the feedback of a hidden-key test cell is covered in
    tests/unit/test_assessment_fairness_checks.py.)"""
    course, _, runs = workflow_class
    assert runs["feedback"].ok or "corrupt" in runs["feedback"].output
    html = (course / "feedback" / "wrong" / LESSON / "lesson.html").read_text(encoding="utf-8")
    for text in ("BEGIN HIDDEN TESTS", "BEGIN SOLUTION", "model_checks", "PALERMO_KEY"):
        assert text not in html, text
    checks = [g for g in graded_calls(SOURCE / "lesson.ipynb") if g.func == "check_points"]
    assert checks and all(g.args["expected"] is None for g in checks)  # formative: the key is read from the file
    assert "Question 1: your first checked answer was graded. Points: 0 of 1." in html


def test_export_lists_every_student(workflow_class):
    """Does the CSV export hold a row per student with the scores from the gradebook?"""
    course, students, runs = workflow_class
    assert runs["export"].ok, runs["export"].output
    with open(course / "grades.csv", newline="") as fh:
        rows = {r["student_id"]: r for r in csv.DictReader(fh)}
    assert set(students) <= set(rows)
    assert float(rows["perfect"]["raw_score"]) == auto_points(SOURCE / "lesson.ipynb")
    assert float(rows["empty"]["raw_score"]) == 0.0
