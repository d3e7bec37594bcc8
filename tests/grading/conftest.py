"""The class the grading tests share (tests/support/graded_class.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def graded_class(tmp_path_factory, released_course):
    """One class of Lesson 1 (hostile hand-ins, names in many scripts, skips for wellbeing), collected, graded,
    given feedback, exported and reported once per worker; its tests share the xdist group `GROUP`. Read only:
    a test that changes the course works on a copy."""
    from support.graded_class import grade_class

    return grade_class(tmp_path_factory.mktemp("class"), released_course)
