"""Canvas's and Moodle's gradebook import files (`pathways export`), from a realistic Canvas gradebook export."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from pathways.grading.evidence import completion, course_facts, lms
from support.evidence import LESSONS

#: Their course and PDFs are made once per worker (tests/evidence/conftest.py): one worker runs them all.
pytestmark = pytest.mark.xdist_group("evidence")

CANVAS_EXPORT = Path(__file__).parent / "canvas_export.csv"


def _read(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def _export(course: Path, canvas: Path | None = CANVAS_EXPORT) -> lms.LmsReport:
    return lms.export_lms(course, canvas)


def test_canvas_file_keeps_canvas_identifiers_and_points_possible_row(evidence_course):
    """Does canvas-import.csv keep Canvas's own identifying columns and its Points Possible row, matching learners on
    Canvas's identifiers and never on names?

    Canvas's import takes Student Name, ID, SIS User ID, SIS Login ID and Section from its own export, and an
    assignment's points from the Points Possible row:
    https://community.canvaslms.com/t5/Instructor-Guide/How-do-I-import-grades-in-the-Gradebook/ta-p/807
    The required columns, as a university's Canvas guide lists them:
    https://teaching.resources.osu.edu/toolsets/carmencanvas/guides/calculating-final-grades/import-csv-file-carmen-grades
    The export's read-only total columns, ignored on import:
    https://ts.vcu.edu/askit/teaching-and-learning/canvas/faculty/grading-faculty/gradebook-action-menu-faculty/
    """
    rep = _export(evidence_course)
    rows = _read(evidence_course / "canvas-import.csv")
    header, points, body = rows[0], rows[1], rows[2:]
    assert header[:5] == list(lms.CANVAS_IDS)
    # lesson 1 had a column in Canvas already: its exact header (with Canvas's assignment id) is reused, so the
    # import updates that assignment; lesson 2 gets a new column, which Canvas makes a new assignment of
    assert header[5:] == ["Pathways 1: Why don't they leave? (80432)", "Pathways 2: Coercion and control"]
    assert points[0].strip() == "Points Possible" and points[5:] == ["100", "100"]
    assert "Current Score" not in header  # Canvas's read-only totals are not written back
    by_student = {row[0]: row for row in body}
    assert by_student["Okafor, Ana"][1:5] == ["20071", "ana", "ana@example.org", "SW-301 Section 01"]
    assert by_student["Okafor, Ana"][5:] == ["90", "75"]
    assert by_student["Brown, Ben"][5:] == ["60", ""]  # matched on SIS User ID; lesson 2 not handed in: blank
    assert by_student["Dupont, Chloé"][5:] == ["100", "50"]  # no SIS User ID: matched on the SIS Login ID (e-mail)
    assert by_student["Nguyen, Minh"][5:] == ["", ""]  # in Canvas only
    assert by_student["Student, Test"][5:] == ["", ""]
    assert rep.unmatched["canvas-import.csv"] == ["lei (李雷)"]
    assert any("lei (李雷)" in line for line in rep.lines())
    assert rep.lms_only == 2
    (evidence_course / "canvas-import.csv").read_bytes().decode("utf-8")  # UTF-8 throughout


def test_excused_lesson_is_ex_for_canvas_and_blank_for_moodle(tmp_path):
    """Is a lesson whose every graded item was skipped for wellbeing written as Canvas's EX and left blank for
    Moodle, and a partly skipped one as its percentage of what counts?

    Canvas: EX in a cell excuses the student from that assignment:
    https://community.canvaslms.com/t5/Instructor-Guide/How-do-I-import-grades-in-the-Gradebook/ta-p/807
    Moodle: a lesson with no grade is left blank (the import's columns are mapped to grade items):
    https://docs.moodle.org/311/en/Grade_import
    """
    lessons = course_facts.course_lessons(only=LESSONS)
    table = completion.ClassTable(LESSONS, LESSONS, [completion.Learner(
        "ana", "Ana Okafor", "ana@example.org", True,
        {LESSONS[0]: completion.LessonResult("graded", None, 4, True),
         LESSONS[1]: completion.LessonResult("graded", 80.0, 1, False)})])
    rep = lms.LmsReport()
    canvas = lms.write_canvas(table, lessons, CANVAS_EXPORT, tmp_path / "canvas-import.csv", rep)
    moodle = lms.write_moodle(table, lessons, tmp_path / "moodle-import.csv", rep)
    assert {r[0]: r[5:] for r in _read(canvas)[2:]}["Okafor, Ana"] == ["EX", "80"]
    assert _read(moodle)[1] == ["ana", "ana@example.org", "", "80"]


def test_moodle_file_has_id_number_and_email_columns(evidence_course):
    """Does moodle-import.csv carry the class list's ID number and e-mail (Moodle maps them to useridnumber or
    useremail), one column per lesson, and list the learners it cannot identify?

    Moodle's CSV import identifies users by "Email address" to useremail or "ID number" to useridnumber, and e-mail
    addresses are compared case-sensitively:
    https://docs.moodle.org/311/en/Grade_import
    """
    rep = _export(evidence_course, canvas=None)
    rows = _read(evidence_course / "moodle-import.csv")
    assert rows[0] == ["ID number", "Email address", "Pathways 1: Why don't they leave?",
                       "Pathways 2: Coercion and control"]
    assert rows[1:] == [["S0042", "ben.brown@example.org", "60", ""], ["ana", "ana@example.org", "90", "75"],
                        ["chloe", "chloe@example.org", "100", "50"], ["lei", "", "80", "80"]]
    assert rep.unmatched["moodle-import.csv"] == []
    assert not (evidence_course / "canvas-import.csv").exists()  # Canvas's file only from Canvas's own export


def test_a_file_that_is_not_a_canvas_export_is_refused(evidence_course, tmp_path):
    """Does a CSV without Canvas's Student and ID columns stop with a message saying what it lacks?"""
    wrong = tmp_path / "roster.csv"
    wrong.write_text("name,email\nAna,ana@example.org\n", encoding="utf-8")
    try:
        _export(evidence_course, wrong)
    except ValueError as exc:
        assert "not a Canvas gradebook export" in str(exc) and "Student and ID" in str(exc)
    else:
        raise AssertionError("a file that is not a Canvas export was accepted")


def test_pathways_export_writes_the_lms_files(evidence_course, capsys):
    """Does `pathways export --canvas EXPORT` write grades.csv, moodle-import.csv and canvas-import.csv and say who
    could not be matched?"""
    from pathways.grading import cli

    assert cli.main(["export", "--canvas", str(CANVAS_EXPORT)]) == 0
    out = capsys.readouterr().out
    for name in ("grades.csv", "moodle-import.csv", "canvas-import.csv"):
        assert (evidence_course / name).is_file() and name in out
    assert "1 learner(s) could not be matched" in out
