"""Does a learner who has never seen Jupyter find a screen made for them (issue 14, item 6)?

`make start`'s JupyterLab, with the learners' Jupyter configuration (grading/hub/learner, which the workshop hub
gives every learner's server too): the Assignment List stays, to fetch and hand in; no instructor tool (Create
Assignment, Formgrader, Course List, the Validate button) and nothing that offers to reach the internet (the
news question, the extension manager); and the lesson opens ready to use, its activities showing with no code run
by hand (the pathways-lessons JupyterLab extension, grading/hub/learner-data), answers still saved.
"""

from __future__ import annotations

import json
import re
import time

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("jupyterlab")]
LESSON = "01-why-dont-they-leave"


def test_does_the_learner_see_no_instructor_tools_and_no_offer_to_reach_the_internet(jupyterlab, visit):
    """With lesson 1 open as `make start` opens it: is there no Create Assignment panel, no Validate button, no
    news question and no extension manager, and does the Nbgrader menu hold the Assignment List and nothing
    else?"""
    page = visit.page
    page.goto(jupyterlab.url(f"{LESSON}/lesson.ipynb"))
    page.wait_for_selector(".jp-Notebook", timeout=60_000)
    page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=60_000)
    page.wait_for_timeout(3_000)  # JupyterLab asks about news a moment after it starts, when it does

    assert page.locator("#nbgrader-create_assignemnt").count() == 0  # nbgrader's id, spelled so
    assert page.locator('[title*="Create Assignment"], [title*="Extension Manager"]').count() == 0
    assert page.locator(".jp-NotebookPanel-toolbar", has_text="Validate").count() == 0
    assert page.get_by_text(re.compile(r"Jupyter news", re.I)).count() == 0

    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    items = page.locator(".lm-Menu:visible .lm-Menu-itemLabel").all_inner_texts()
    assert [item for item in items if item.strip()] == ["Assignment List"], items
    page.keyboard.press("Escape")
    page.locator(".lm-MenuBar-itemLabel", has_text="Settings").click()
    settings = " ".join(page.locator(".lm-Menu:visible .lm-Menu-itemLabel").all_inner_texts())
    assert "Extension Manager" not in settings, settings
    assert not visit.foreign_requests(), visit.foreign_requests()


def test_does_a_lesson_open_with_its_activities_showing_and_answers_saved(jupyterlab, visit):
    """Opening lesson 1 as `make start` does and running nothing by hand: do the role-play, the sorting and the
    checks show, and does a choice still reach responses.json beside the notebook?"""
    page = visit.page
    t0 = time.monotonic()
    page.goto(jupyterlab.url(f"{LESSON}/lesson.ipynb"))
    for selector in (".pw-roleplay .pw-choice", ".pw-sorting", ".pw-check"):
        page.locator(selector).first.wait_for(state="attached", timeout=180_000)
    print(f"lesson 1 ready {time.monotonic() - t0:.1f} s after opening")
    choice = page.locator(".pw-roleplay .pw-choice").first
    choice.scroll_into_view_if_needed()
    choice.click()
    saved = jupyterlab.workspace / LESSON / "responses.json"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (saved.exists() and "roleplay" in saved.read_text()):
        time.sleep(0.2)
    steps = json.loads(saved.read_text())["activities"]["roleplay"]["attempts"][0]["steps"]
    assert len(steps) == 1
    assert not visit.foreign_requests(), visit.foreign_requests()
