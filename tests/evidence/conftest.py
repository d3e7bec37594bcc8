"""The course the evidence tests share: two lessons released, four learners on the class list, a gradebook built
with nbgrader's own API (no grading run: what is tested here is what is made from a gradebook, not grading)."""

from __future__ import annotations

import json
import shutil
import socket
import warnings
from pathlib import Path

import pytest

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


@pytest.fixture(scope="session")
def evidence_course_template(tmp_path_factory) -> Path:
    """The course, built once per worker (read only: tests copy it)."""
    return build_course(tmp_path_factory.mktemp("evidence") / "course")


@pytest.fixture
def evidence_course(evidence_course_template, tmp_path, monkeypatch) -> Path:
    """A copy of the course for one test, in force as PATHWAYS_COURSE."""
    root = tmp_path / "course"
    shutil.copytree(evidence_course_template, root)
    monkeypatch.setenv("PATHWAYS_COURSE", str(root))
    return root


@pytest.fixture
def no_network(monkeypatch):
    """Any connection attempt fails the test (rendering must fetch nothing)."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"a network connection was attempted: {args}")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def pdf_text(path: Path) -> tuple[str, int]:
    """A PDF's text (pages joined) and its number of pages."""
    from pypdf import PdfReader

    reader = PdfReader(path)
    # a glyph no font has comes out with NULs between characters in pypdf's text: dropped
    return "\n".join(page.extract_text() for page in reader.pages).replace("\x00", ""), len(reader.pages)
