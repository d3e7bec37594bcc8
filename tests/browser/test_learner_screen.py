"""Is a learner who has never seen Jupyter not lost in `make start`'s JupyterLab? (issue 14, item 6)

The settings of grading/delivery/learner/lab.py: a lesson opens with its activities showing and nothing to run by hand,
answers still save to responses.json, the Assignment List is there and no instructor tool is, and nothing offers
to reach the internet. One visit checks all of it, in the JupyterLab the "jupyterlab" group shares
(tests/browser/conftest.py): every check waits on something the page shows, never on a fixed delay.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from support.processes import wait_for
from test_jupyterlab import LESSON, activity

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("jupyterlab")]


def test_lesson_opens_ready_with_learner_tools_only_and_nothing_online(jupyterlab, visit):
    """Opened and never run by hand, does the lesson show its first activity and save a choice to responses.json,
    with the Assignment List but no Create Assignment, Formgrader, Course List, Validate or extension manager, no
    news prompt and no request beyond 127.0.0.1, from the page or from the server for it?"""
    page = visit.page
    context_requests: list[str] = []  # the fixture records the page's; this adds workers' and any other tab's
    page.context.on("request", lambda request: context_requests.append(request.url))
    page.goto(jupyterlab.url(f"{LESSON}/lesson.ipynb"))
    first_choice = page.locator(".pw-roleplay .pw-choice").first
    first_choice.wait_for(state="attached", timeout=90_000)  # the lesson ran itself: no Run menu was touched
    first_choice.scroll_into_view_if_needed()
    expect(first_choice).to_be_visible()

    first_choice.click()  # answers still save beside the notebook
    saved = jupyterlab.workspace / LESSON / "responses.json"
    assert wait_for(lambda: len(activity(saved, "roleplay").get("attempts", [{}])[0].get("steps", [])) == 1, 20)

    # Every plugin has started by now (the notebook and its kernel are up): what is absent stays absent.
    assert page.locator(".validate-button, [title='Validate Assignment']").count() == 0  # nbgrader's Validate
    assert page.locator("#nbgrader-create_assignemnt, [title='Nbgrader Create Assignment']").count() == 0
    assert page.locator("[id='extensionmanager.main-view'], [title='Extension Manager']").count() == 0
    assert page.get_by_text("Jupyter news").count() == 0  # JupyterLab's "fetch the news?" question
    assert page.locator(".jp-Dialog").count() == 0  # nothing asks to trust or run anything
    # Only the activity cells ran: no error, and the instructor's marking cells at the end did not run.
    assert page.locator("[data-mime-type='application/vnd.jupyter.stderr']").count() == 0
    assert page.locator(".jp-CodeCell .jp-InputPrompt").last.text_content().strip() == "[ ]:"

    page.get_by_role("menuitem", name="Nbgrader").click()
    menu = page.locator("#jp-mainmenu-nbgrader")
    expect(menu.get_by_role("menuitem", name="Assignment List")).to_be_visible()
    labels = [text for text in menu.locator(".lm-Menu-itemLabel").all_inner_texts() if text.strip()]
    assert labels == ["Assignment List"], labels  # no Formgrader, Course List or Create Assignment entries
    menu.get_by_role("menuitem", name="Assignment List").click()
    expect(page.locator("#nbgrader-assignment-list")).to_be_visible(timeout=30_000)

    # The instructor's server extensions are off too: the formgrader is not served to a learner (the page's own
    # login cookie: a 404, not a redirect to the login page).
    for path, status in (("formgrader", 404), ("formgraders", 404), ("courses", 200)):  # "courses": the list's own
        assert page.request.get(f"{jupyterlab.base}/{path}", max_redirects=0).status == status, path
    # Nor does the server fetch on the page's behalf: no news feed, no update check (answered without a fetch).
    assert page.request.get(f"{jupyterlab.base}/lab/api/news").json() == {"news": []}
    assert page.request.get(f"{jupyterlab.base}/lab/api/update").json() == {"notification": None}
    visit.requests.extend(context_requests)
    assert not visit.foreign_requests(), visit.foreign_requests()
