"""The class report shows what learners and instructors typed only as text, never as markup.

A small course is written by hand (a ledger, a gradebook through nbgrader's own API, a release folder): nothing
is graded and no kernel starts, so these tests are fast.
"""

from __future__ import annotations

import json

import nbformat
import pytest
from markupsafe import escape
from matplotlib import _pylab_helpers
from nbformat.v4 import new_notebook
from nbgrader.api import Gradebook
from pathways.grading.instructor import workflow
from pathways.grading.instructor.ledger import Ledger, Submission

LESSON = "01-demo"
SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '" onmouseover="x'
IMAGE = "<img src=x onerror=alert(2)>.yaml"
CHECK = "from pathways.autograde import check_points\ncheck_points('q1', activity='checks')"
ROLEPLAY = f"from pathways.autograde import roleplay_points\nroleplay_points({IMAGE!r}, 4, 'roleplay')"

#: nbgrader's own Gradebook.add_submission trips SQLAlchemy's autoflush warnings; they say nothing about the report.
pytestmark = pytest.mark.filterwarnings("ignore:Object of type <Submitted:sqlalchemy.exc.SAWarning")


@pytest.fixture
def course(tmp_path, monkeypatch):
    """A course whose class list, flags, set-aside hand-in, grading notes and role-play file name are hostile."""
    monkeypatch.delenv("PATHWAYS_DB_URL", raising=False)
    root = tmp_path / "course"
    (root / "release" / LESSON).mkdir(parents=True)
    nbformat.write(new_notebook(), root / "release" / LESSON / "lesson.ipynb")
    ledger = Ledger.load(root)
    ledger.enrol("ana", SCRIPT, roster=True)
    ledger.enrol("ben", ATTRIBUTE, roster=True)
    ledger.put("ana", LESSON, Submission(status="graded", flags=[SCRIPT]))
    ledger.put("ben", LESSON, Submission(status="failed", flags=[ATTRIBUTE, "the notebook is damaged"]))
    ledger.unassigned.append({"label": SCRIPT, "lesson": LESSON, "candidates": ["ana", "ben"], "archive": ATTRIBUTE,
                              "origin": ATTRIBUTE, "digest": "0", "when": "2026-01-01T00:00:00+00:00"})
    ledger.save()
    (root / "pathways" / "last-grade.json").write_text(json.dumps(
        {"when": "2026-01-01T00:00:00+00:00", "isolation": ATTRIBUTE, "warnings": [SCRIPT]}), encoding="utf-8")
    with Gradebook(workflow.db_url(root)) as gb:
        gb.add_assignment(LESSON)
        gb.update_or_create_notebook("lesson", LESSON)
        for name, source in (("test-q1", CHECK), ("test-roleplay", ROLEPLAY)):
            gb.add_grade_cell(name, "lesson", LESSON, max_score=1 if name == "test-q1" else 4, cell_type="code")
            gb.add_source_cell(name, "lesson", LESSON, source=source, cell_type="code", locked=True)
        gb.add_student("ana")
        gb.add_submission(LESSON, "ana")
        gb.find_grade("test-q1", "lesson", LESSON, "ana").auto_score = 1.0
        gb.find_grade("test-roleplay", "lesson", LESSON, "ana").auto_score = 2.0
        gb.db.commit()
    return root


@pytest.mark.parametrize("names", [False, True])
def test_hostile_text_reaches_the_report_only_escaped(course, tmp_path, names):
    """Do a name, a flag, a set-aside hand-in, a grading note and a role-play file name that are markup (or break
    out of an attribute) reach the report only as escaped text, with or without names?"""
    page = workflow.report(course, tmp_path / "report.html", names=names).read_text(encoding="utf-8")
    assert "<script" not in page and "<img src=x" not in page and ATTRIBUTE not in page
    assert f"<tr><td>ana</td><td>{LESSON}</td><td>graded</td><td>{escape(SCRIPT)}</td></tr>" in page
    assert f"<td>ben</td><td>{LESSON}</td><td>not graded</td><td>{escape(ATTRIBUTE)}; the notebook" in page
    assert f"<td>ana, ben</td><td>{escape(ATTRIBUTE)}</td></tr>" in page  # where the set-aside hand-in is kept
    assert f"isolation of student code: {escape(ATTRIBUTE)}. {escape(SCRIPT)}</p>" in page
    assert f"<p>Role-play {escape(IMAGE)} could not be read: " in page
    if names:
        assert f"<tr><td>ana</td><td>{escape(SCRIPT)}</td><td>3 of 5</td></tr>" in page
        assert f"<tr><td>ben</td><td>{escape(ATTRIBUTE)}</td><td></td></tr>" in page
        assert f"<tr><td>{LESSON}</td><td>{escape(SCRIPT)}</td><td>ana, ben</td>" in page
    else:
        assert "<h2>Students</h2>" not in page and "<th>named</th>" not in page


def test_the_report_draws_its_figures_without_pyplot(course, tmp_path):
    """Are the figures written beside the page and embedded in it, with no figure left open in pyplot?"""
    open_before = _pylab_helpers.Gcf.get_num_fig_managers()
    page = workflow.report(course, tmp_path / "report.html").read_text(encoding="utf-8")
    figures = sorted(p.name for p in (tmp_path / "report-figures").glob("*.png"))
    assert figures == [f"{LESSON}-checks.png", f"{LESSON}-scores.png"]
    assert page.count('src="data:image/png;base64,') == 2
    assert "1 graded, 1 could not be graded (see \"Hand-ins that need a look\"). Mean 60% of what counts" in page
    assert "raw total" not in page
    assert _pylab_helpers.Gcf.get_num_fig_managers() == open_before
