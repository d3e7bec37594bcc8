"""The one reader of test cells (`pathways.activities.testcells`), shared by the authoring checks and grading."""

from __future__ import annotations

import json

from pathways.activities.checks import notebook_keys
from pathways.activities.testcells import call_arg, call_name, calls_in, graded_calls
from pathways.grading.instructor import excusal_totals

CELL = """%load_ext autoreload
!echo hidden
### BEGIN HIDDEN TESTS
check_points("q1", "b", activity="checks-2")
pathways.autograde.roleplay_points("er_visit.yaml", 4)
sorting_points(ACTIVITY, {"a": "x"}, 2)
### END HIDDEN TESTS
"""


def test_calls_are_found_by_keyword_or_position_in_a_cell_with_ipython_lines():
    """Are the calls of a test cell found past its %magic and !shell lines, with their literal arguments by
    keyword or position, the default when absent, and None when not a literal?"""
    calls = {call_name(c): c for c in calls_in(CELL)}
    assert {"check_points", "roleplay_points", "sorting_points"} <= set(calls)
    assert call_arg(calls["check_points"], "question", 0) == "q1"
    assert call_arg(calls["check_points"], "activity", 3, "checks") == "checks-2"
    assert call_arg(calls["roleplay_points"], "points", 1) == 4
    assert call_arg(calls["roleplay_points"], "activity", 2, "roleplay") == "roleplay"
    assert call_arg(calls["sorting_points"], "activity", 0) is None


def test_a_cell_that_does_not_parse_has_no_calls():
    """Does a cell that is not Python give no calls rather than an error?"""
    assert calls_in("check_points('q1', ") == [] and calls_in("") == []


def test_authoring_and_grading_read_the_same_calls(tmp_path):
    """Do the authoring checks' answer keys and the gradebook's graded items come from the same reader?"""
    nb = {"cells": [{"cell_type": "code", "source": CELL.splitlines(keepends=True), "metadata": {}}]}
    (tmp_path / "lesson.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    assert notebook_keys(tmp_path / "lesson.ipynb", "checks-2") == {"q1": "b"}
    assert excusal_totals.graded_items(CELL) == ["check:checks-2:q1", "roleplay:roleplay"]
    assert excusal_totals.testcells.graded_calls is graded_calls
