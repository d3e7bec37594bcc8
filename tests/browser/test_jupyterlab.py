"""Does a learner in JupyterLab play the role-play and find their transcript saved beside the notebook?

`make start`'s path, end to end: the release is copied into a workspace, JupyterLab serves it on
127.0.0.1, Chromium opens the lesson (it runs itself) and clicks a choice; responses.json must appear next to the
notebook with that choice in it (so `nbgrader submit` carries it). One JupyterLab serves every test of the
xdist group "jupyterlab" (tests/browser/conftest.py); each test has a workspace of its own in it.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from pathways import engine
from pathways.activities.checks import load_checks
from pathways.activities.sorting import load_exercise
from pathways.i18n import ui
from pathways.markdown import plain
from pathways.scenario import load
from playwright.sync_api import expect
from support.browser import check_a_question, check_a_sorting
from support.processes import wait_for

# One xdist group: the tests share the worker's JupyterLab (fixture `jupyterlab_server`).
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("jupyterlab")]
LESSON = "01-why-dont-they-leave"


def activity(saved: Path, name: str) -> dict:
    """One activity's record in a responses.json ({} while it is not there)."""
    return json.loads(saved.read_text())["activities"].get(name, {}) if saved.exists() else {}


def run_lesson(page, lab, ready: str, lesson: str = LESSON):
    """Open a lesson of the test's workspace in JupyterLab and wait until the element `ready` (a CSS selector) is in
    the page; return its locator. Nothing is run by hand: a released lesson runs its activity cells when it opens
    (grading/delivery/learner/lab.py)."""
    page.goto(lab.url(f"{lesson}/lesson.ipynb"))
    target = page.locator(ready).first
    target.wait_for(state="attached", timeout=90_000)
    return target


def test_roleplay_click_saves_transcript_beside_notebook(jupyterlab, visit):
    """After opening the lesson and clicking a choice, is the choice in responses.json beside the notebook? Do the
    role-play, the sorting exercise and a question work by keyboard alone inside JupyterLab? And after the first
    answer and the first check, does the learner read whether they were right and every explanation?"""
    workspace = jupyterlab.workspace
    page = visit.page
    # The choices are shown shuffled, so the test follows the best walk by each choice's text (an ending can be
    # one click away from the first button shown).
    scenario = load(workspace / LESSON / "er_visit.yaml")
    walk = engine.best_walk(scenario).steps
    assert len(walk) >= 3

    def button(step):
        text = engine.choice_at(scenario, step.node, step.choice).text
        return page.locator(".pw-roleplay .pw-choice", has_text=re.compile(rf"^\d+\. {re.escape(text)}$"))

    first_choice = run_lesson(page, jupyterlab, ".pw-roleplay .pw-choice")
    first_choice.scroll_into_view_if_needed()
    expect(first_choice).to_have_text(re.compile(r"^1\. \S"), timeout=30_000)
    button(walk[0]).click()
    page.locator(".pw-roleplay .pw-feedback").first.wait_for(timeout=30_000)
    saved = workspace / LESSON / "responses.json"
    deadline = time.monotonic() + 20
    while not saved.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    record = json.loads(saved.read_text())["activities"]["roleplay"]
    assert record["scenario"] == "er-visit"
    step = record["attempts"][0]["steps"][0]
    assert (step["node"], step["choice"]) == (walk[0].node, walk[0].choice)

    # The keyboard alone, with JupyterLab's own notebook shortcuts around: Enter and Space take a choice, the
    # arrow keys place a sorting item and move within a question's radio group.
    for key, n in (("Enter", 1), (" ", 2)):
        target = button(walk[n])
        target.wait_for(timeout=30_000)  # the next choices are drawn
        target.focus()
        page.keyboard.press(key)
        assert wait_for(lambda steps=n + 1: len(activity(saved, "roleplay")["attempts"][0]["steps"]) == steps, 20)
    page.locator(".pw-sorting select").first.focus()
    page.keyboard.press("ArrowDown")  # the first category
    assert wait_for(lambda: len(activity(saved, "sort-palermo").get("placements", {})) == 1, 20)
    page.locator(".pw-check input[type=radio]").first.focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")  # the second option
    assert wait_for(lambda: activity(saved, "checks").get("answers", {}).get("q1") not in (None, ""), 20)
    radios = page.locator(".pw-check").first.locator("input[type=radio]")
    assert radios.nth(1).is_checked() and not radios.nth(0).is_checked()

    # Formative, in JupyterLab too: "Check answer" records the answer chosen above as the first one, and the learner
    # reads at once whether it was right and every option's explanation; the sorting likewise.
    checks = load_checks(workspace / LESSON / "checks.yaml")
    exercise = load_exercise(workspace / LESSON / "sorting.yaml")
    question = checks.questions[0]
    chosen = activity(saved, "checks")["answers"]["q1"]
    read = check_a_question(page, checks, chosen)
    assert ui("first_right" if chosen == question.answer else "first_not_right") in read
    assert "If this lesson is graded" in read and read.count(ui("right_answer")) == 1
    assert all(plain(o.explanation)[:40] in read for o in question.options), read
    assert wait_for(lambda: activity(saved, "checks").get("first", {}).get("q1", {}).get("answer") == chosen, 20)
    sorted_read = check_a_sorting(page, exercise, exercise.key)
    assert ui("sorting_result", right=len(exercise.items), total=len(exercise.items)) in sorted_read
    assert all(plain(i.explanation)[:40] in sorted_read for i in exercise.items), sorted_read
    assert wait_for(lambda: activity(saved, exercise.activity).get("checked", {}).get("placements") == exercise.key, 20)
    assert not visit.foreign_requests(), visit.foreign_requests()
    assert not Path(workspace / LESSON / "lesson.ipynb").read_text().count("BEGIN SOLUTION")
