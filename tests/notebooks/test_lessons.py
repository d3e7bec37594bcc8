"""Does every lesson run, validate with its model answers, and release without solutions?"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest
from pathways.activities.responses import FILENAME
from pathways.grading import nbgrader_run
from pathways.grading.delivery.dashboards import build as dashboards
from support.course import LESSONS, copy_lesson, execute_notebook, lesson_ids

pytestmark = [pytest.mark.slow]
LESSON_IDS = lesson_ids()
LEAKS = ["BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "model_checks", "model_roleplay", "model_sorting",
         "model_reflection", "check_points(\"", "sorting_points(\""]


def validate(path: Path, validate_all: bool = False) -> dict:
    """nbgrader's validation of one notebook, in this process (a `python -m nbgrader` per lesson cost ~3 s each);
    {} means every test passed."""
    from nbgrader.validator import Validator

    return Validator(validate_all=validate_all).validate(str(path))


@pytest.fixture
def released(released_course) -> Path:
    """Every lesson's release, made once per test run (tests/conftest.py): read only, copy it to change it."""
    return released_course / "release"


@pytest.mark.parametrize("lesson", LESSON_IDS)
def test_source_executes_and_writes_no_response_file(lesson, tmp_path):
    """Does the source notebook run top to bottom, with model answers kept in memory only?"""
    folder = copy_lesson(lesson, tmp_path)
    nb = execute_notebook(folder / "lesson.ipynb")
    assert not (folder / FILENAME).exists()
    outputs = {c.id: c.outputs for c in nb.cells if c.cell_type == "code"}
    text = json.dumps(outputs)
    assert "Points: 0 of" not in text, "a model answer did not earn its points"


@pytest.mark.parametrize("lesson", LESSON_IDS)
def test_source_passes_nbgrader_validate(lesson, tmp_path):
    """Do the model answers pass every test (nbgrader validate on the source)?"""
    folder = copy_lesson(lesson, tmp_path)
    results = validate(folder / "lesson.ipynb")
    assert results == {}, results  # nbgrader validate's "Success! Your notebook passes all the tests."


@pytest.mark.parametrize("lesson", LESSON_IDS)
def test_release_has_no_solutions_hidden_tests_or_outputs(lesson, released):
    """Does the learners' version lack every solution, hidden test and output?"""
    path = released / lesson / "lesson.ipynb"
    text = path.read_text(encoding="utf-8")
    for leak in LEAKS:
        assert leak not in text, f"{leak!r} leaked into the release of {lesson}"
    nb = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    assert not (released / lesson / FILENAME).exists()


def test_dashboards_build_publishes_an_earlier_release_as_it_is(released, tmp_path, monkeypatch):
    """Given a release made earlier, does the dashboards build publish every lesson of it without running nbgrader
    again, and leave the release untouched? And does it refuse a release that lacks a lesson?"""
    def no_nbgrader(*args, **kwargs):
        raise AssertionError(f"nbgrader ran: {args}")

    monkeypatch.setattr(nbgrader_run, "nbgrader", no_nbgrader)
    monkeypatch.setattr(nbgrader_run, "release", no_nbgrader)
    before = {p: p.stat().st_mtime_ns for p in released.rglob("*")}
    site = dashboards.build(tmp_path / "site", released=released)
    assert sorted(p.parent.name for p in site.glob("*/lesson.ipynb")) == LESSON_IDS
    for lesson in LESSON_IDS:
        published = nbformat.read(site / lesson / "lesson.ipynb", as_version=4)
        source = nbformat.read(released / lesson / "lesson.ipynb", as_version=4)
        shown = [c.source for c in source.cells if dashboards.GRADING_TAG not in c.metadata.get("tags", [])]
        assert [c.source for c in published.cells] == shown and shown, lesson
    assert dashboards.leaks(site) == []
    assert {p: p.stat().st_mtime_ns for p in released.rglob("*")} == before
    partial = tmp_path / "partial"
    shutil.copytree(released / LESSON_IDS[0], partial / LESSON_IDS[0])
    with pytest.raises(RuntimeError, match=LESSON_IDS[1]):
        dashboards.build(tmp_path / "site2", released=partial)


@pytest.mark.parametrize("lesson", LESSON_IDS)
def test_release_executes_and_empty_submission_fails_validation(lesson, released, tmp_path):
    """Can a learner run every cell of the release, and does an untouched release fail the tests?"""
    folder = tmp_path / lesson
    shutil.copytree(released / lesson, folder)
    # One execution, as `nbgrader validate --validate-all` runs it: every cell is checked, so a cell a learner
    # cannot run (an error or a message on stderr) fails as well as the unanswered tests.
    results = validate(folder / "lesson.ipynb", validate_all=True)
    nb = nbformat.read(folder / "lesson.ipynb", as_version=4)
    tests = {c.source.strip() for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")}
    failed = [f["source"] for f in results.get("failed", [])]
    assert failed, "an untouched release passed its tests"
    assert set(failed) <= tests, [f for f in failed if f not in tests]  # only tests fail, no other cell


@pytest.mark.parametrize("lesson", LESSON_IDS)
def test_source_notebooks_are_stored_clean(lesson):
    """Is every source notebook committed without outputs or execution counts, with stable metadata?"""
    nb = json.loads((LESSONS / lesson / "lesson.ipynb").read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, cell["id"]
    assert set(nb["metadata"]) <= {"kernelspec", "language_info"}
    ids = [c["id"] for c in nb["cells"]]
    assert len(ids) == len(set(ids))
