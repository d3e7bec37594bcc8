"""Hand-ins that nbgrader itself put in the course's submitted/ folder (e.g. `nbgrader collect`) are never ignored."""

from __future__ import annotations

import shutil

import pytest
from pathways.grading.instructor import workflow
from pathways.grading.instructor.ledger import Ledger

pytestmark = pytest.mark.slow

LESSON = "01-why-dont-they-leave"


def test_does_collect_import_what_nbgrader_put_in_submitted(released_course, tmp_path):
    """Does `grade` name a hand-in sitting in submitted/ with no record, and `collect` (with no upload) import it?"""
    course = tmp_path / "course"
    shutil.copytree(released_course, course)
    stray = course / "submitted" / "ana" / LESSON
    stray.mkdir(parents=True)
    shutil.copy(course / "release" / LESSON / "lesson.ipynb", stray / "lesson.ipynb")

    before = workflow.grade(course, [LESSON], progress=False)
    assert not before.graded and any("never collected" in w and "ana/" in w for w in before.warnings)

    rep = workflow.collect(None, course)
    assert rep.adopted == [f"submitted/ana/{LESSON}"] and len(rep.imported) == 1
    assert any("Found in submitted/" in line for line in rep.lines())
    assert Ledger.load(course).get("ana", LESSON) is not None
    assert workflow.uncollected(course) == []
    assert (course / "submitted" / "ana" / LESSON / "lesson.ipynb").is_file()
