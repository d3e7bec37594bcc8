"""The evidence tests' course (tests/evidence): two lessons released, four learners on the class list, a gradebook
built with nbgrader's own API; and reading a PDF's text back."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

LESSONS = ["01-why-dont-they-leave", "02-coercion-and-control"]
#: id -> (name, e-mail, {lesson: percent}); a lesson absent was not handed in.
LEARNERS = {
    "ana": ("Ana Okafor", "ana@example.org", {LESSONS[0]: 90.0, LESSONS[1]: 75.0}),
    "S0042": ("Ben Brown", "ben.brown@example.org", {LESSONS[0]: 60.0}),
    "chloe": ("Chloé Dupont", "chloe@example.org", {LESSONS[0]: 100.0, LESSONS[1]: 50.0}),
    "lei": ("李雷", "", {LESSONS[0]: 80.0, LESSONS[1]: 80.0}),
}


def build_course(root: Path) -> Path:
    """A course folder with LESSONS released and LEARNERS graded (each lesson out of 10 points)."""
    from nbgrader.api import Gradebook
    from pathways.grading import course as course_mod
    from pathways.grading import nbgrader_run
    from pathways.grading.instructor.ledger import Ledger, Submission

    nbgrader_run.fast_gradebook_creation()
    for lesson in LESSONS:
        (root / "release" / lesson).mkdir(parents=True)
        (root / "release" / lesson / "lesson.ipynb").write_text(json.dumps({"cells": [], "metadata": {},
                                                                           "nbformat": 4, "nbformat_minor": 5}))
    ledger = Ledger.load(root)
    for sid, (name, email, lessons) in LEARNERS.items():
        ledger.enrol(sid, name, roster=True, email=email)
        for lesson in lessons:
            ledger.put(sid, lesson, Submission(sha256="x", status="graded", graded_sha256="x"))
    ledger.save()
    # nbgrader's add_submission warns of its own session's autoflush under SQLAlchemy 2 (not ours to fix)
    with warnings.catch_warnings(), Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_mod.COURSE_ID) as gb:
        warnings.simplefilter("ignore")
        for lesson in LESSONS:
            gb.add_assignment(lesson)
            gb.add_notebook("lesson", lesson)
            gb.add_grade_cell("points", "lesson", lesson, max_score=10, cell_type="code")
            gb.add_solution_cell("points", "lesson", lesson)
        for sid, (_name, _email, lessons) in LEARNERS.items():
            gb.add_student(sid)
            for lesson, percent in lessons.items():
                gb.add_submission(lesson, sid)
                gb.find_grade("points", "lesson", lesson, sid).auto_score = percent / 10
        gb.db.commit()
    return root


def pdf_text(path: Path) -> tuple[str, int]:
    """A PDF's text (pages joined) and its number of pages."""
    from pypdf import PdfReader

    reader = PdfReader(path)
    # a glyph no font has comes out with NULs between characters in pypdf's text: dropped
    return "\n".join(page.extract_text() for page in reader.pages).replace("\x00", ""), len(reader.pages)
