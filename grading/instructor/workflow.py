"""The instructor's workflow, from a folder of hand-ins to grades, feedback and a class report.

    pathways course init --roster class.csv     # once: the course folder, gradebook and lessons
    pathways collect ~/Downloads/submissions.zip
    pathways grade                              # everything new, on every core, in sandboxes
    pathways feedback
    pathways export                             # grades.csv
    pathways report                             # report.html

Each command (grading/cli.py) is a thin layer over one function named here (init_course, collect, grade,
feedback, export, report), which tests call directly; each step lives in its own module: course_setup.py
(the course in force, class list, init, release, due dates), intake.py (collect), grading_run.py, feedback.py,
export.py and report.py; where things are in the course folder is grading/course.py (`CourseFolder`);
`course purge` (a learner's data deleted on request, or every learner's) is purge.py.
Where things are comes from pathways.config
(README, "Configuration"): the course folder is --course, else PATHWAYS_COURSE, else build/course; the gradebook is
SQLite in the course folder unless PATHWAYS_DB_URL names another database: for a course with several graders, a
PostgreSQL URL such as postgresql+psycopg2://grader@127.0.0.1/pathways (name the driver: SQLAlchemy 2.1 reads a
bare postgresql:// as psycopg 3; psycopg2-binary is in the test extras). grading/instructor/nbgrader_config.py
takes the same configuration, so plain nbgrader commands use the same gradebook.
"""

from __future__ import annotations

from pathlib import Path

from ..course import CourseFolder
from .course_setup import (
    InitReport,
    all_lessons,
    course_root,
    db_url,
    init_course,
    lessons_dir,
    read_roster,
    release_lessons,
    released_lessons,
    set_due,
)
from .export import EXPORT_COLUMNS, _cell, export, flags_text
from .feedback import FeedbackReport, feedback, hidden_snippets, leaks
from .grading_run import GradeReport, _release_sources, grade
from .intake import collect, uncollected

__all__ = ["EXPORT_COLUMNS", "FeedbackReport", "GradeReport", "InitReport", "_cell",
           "_release_sources", "all_lessons", "collect", "course_root", "db_url", "export", "feedback", "flags_text",
           "grade", "hidden_snippets", "init_course", "leaks", "lessons_dir", "read_roster", "release_lessons",
           "released_lessons", "report", "set_due", "uncollected"]


# --- report -------------------------------------------------------------------------------------------

def report(course: str | Path | None = None, out: str | Path | None = None, names: bool = False) -> Path:
    """Write the class report (one self-contained HTML file, plus its PNG figures beside it)."""
    from .report import build_report

    root = course_root(course)
    out = Path(out) if out else CourseFolder(root).report
    return build_report(root, db_url(root), out, released_lessons(root), names=names)
