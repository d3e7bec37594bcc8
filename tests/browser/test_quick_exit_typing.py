"""Can a learner type a reflection without being thrown out by the quick exit, and is what they type saved?

The quick exit follows GOV.UK's "Exit this page": Shift pressed three times on its own leaves the page. The
Shift of a capital letter or of "?" is not a press on its own, so writing "I met Dani in the ER. Then
Marcus came back." must never leave. And because a learner may leave at any moment, the reflection is saved
while it is typed, not when the box loses focus.

The typing here is real key by key: capitals and shifted punctuation are Shift+key chords (Shift keydown,
key keydown, key keyup, Shift keyup), some "rolled" (Shift released before the letter), as people type.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pathways.i18n import ui
from pathways.resources import load_resources
from playwright.sync_api import expect
from support.processes import wait_for
from test_jupyterlab import LESSON, activity, run_lesson

QUICK_EXIT_JS = Path(__file__).resolve().parents[2] / "widgets" / "views" / "quick_exit.js"
RENDER_TIMEOUT = 60_000  # ms; a cold kernel on a busy 2-core machine can take a while
ACTIVITY = "reflection-why-stay"  # lesson 01's reflection

#: About 200 words, with capitals, full stops and punctuation typed with Shift (? ! : " ( )).
REFLECTION = (
    "I met Dani in the ER. Then Marcus came back. He stood by the door and answered every question for her; "
    "she looked at him before she said anything at all. Why did she not just leave? That was my first "
    "thought, and the lesson showed me why it is the wrong question. Leaving is not one step: it is a "
    "process, and going back is part of it (Baker, Dalla & Williamson). Dani may owe money she never agreed "
    "to, may have no papers, no phone and nowhere safe to sleep. Marcus may be the only person who has ever "
    "looked after her, even while he hurts her. The bond is real to her!\n"
    "What I will do: offer a private room first, without him, in a calm voice. I will say \"You can stop at "
    "any time\" and mean it. I will not push for a story or a name. I will give her the Hotline number in a "
    "way that is safe to keep, and I will tell her the door stays open if she comes back. The ER is often "
    "the only place she is seen alone; if I rush her, I close that door. Patience is the work, not a delay "
    "of it. Trust takes time, and I can give her time."
)
#: Characters typed with Shift on a US keyboard, and the key each is on.
SHIFTED = {"?": "Slash", "!": "Digit1", ":": "Semicolon", '"': "Quote", "(": "Digit9", ")": "Digit0",
           "&": "Digit7"}


def type_like_a_person(page, text: str) -> None:
    """Type `text` key by key: plain characters as they are, capitals and shifted punctuation as Shift chords
    (every third capital "rolled": Shift let go before the letter), new lines with Enter."""
    plain = ""
    capitals = 0
    for ch in text:
        if not (ch.isupper() or ch in SHIFTED or ch == "\n"):
            plain += ch
            continue
        if plain:
            page.keyboard.type(plain)
            plain = ""
        if ch == "\n":
            page.keyboard.press("Enter")
        elif ch in SHIFTED:
            page.keyboard.press(f"Shift+{SHIFTED[ch]}")
        else:
            capitals += 1
            if capitals % 3:
                page.keyboard.press(f"Shift+Key{ch}")
            else:
                page.keyboard.down("Shift")
                page.keyboard.down(f"Key{ch}")
                page.keyboard.up("Shift")
                page.keyboard.up(f"Key{ch}")
    if plain:
        page.keyboard.type(plain)


def exit_stand_in(page) -> str:
    """Route the quick-exit address to a local stand-in page (nothing leaves the machine); return its URL."""
    url = load_resources().quick_exit.url
    page.route(re.compile(re.escape(url.split("?")[0]) + ".*"),
               lambda route: route.fulfill(status=200, content_type="text/html",
                                           body="<!doctype html><title>Weather</title><p>Weather</p>"))
    return url


def assert_still_here(page, url: str, box) -> None:
    """The page has not left: same address, body shown, the box holds every character typed."""
    assert page.url == url
    assert page.evaluate("document.body.style.visibility") != "hidden"
    assert box.input_value() == REFLECTION


def shift_three_times_leaves(page, exit_url: str) -> None:
    """Shift pressed three times on its own (still in the text box) leaves for the exit page at once, with no
    question on the way (a "Leave site?" dialog is answered "stay" here, as a frightened learner might)."""
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    for _ in range(3):
        page.keyboard.press("Shift")
    page.wait_for_url(exit_url + "*", timeout=20_000)
    assert page.title() == "Weather"
    assert dialogs == []


# --- the rule itself, run by Node without a browser -----------------------------------------------------------
NODE_CASES = r"""
const { shiftCounter } = await import("data:text/javascript," + encodeURIComponent(SOURCE));
const down = (key, repeat = false) => ["keydown", key, repeat];
const up = (key) => ["keyup", key, false];
const shift = [down("Shift"), up("Shift")];
const chord = (k) => [down("Shift"), down(k), up(k), up("Shift")];
const rolled = (k) => [down("Shift"), down(k), up("Shift"), up(k)];
const key = (k) => [down(k), up(k)];
// Each case: a list of [type, key, repeat, time ms]; the result is the index of the event that exits, or -1.
const at = (events, t = 0, step = 100) => events.map((e, i) => [...e, t + i * step]);
const run = (events) => {
  const c = shiftCounter();
  return events.findIndex(([type, k, repeat, now]) => c.event(type, k, repeat, now));
};
const typed = [];
for (const ch of "I met Dani in the ER. Then Marcus came back. Why? (Baker & Dalla!)") {
  if (/[A-Z?!(&)]/.test(ch)) typed.push(...(typed.length % 2 ? chord(ch) : rolled(ch)));
  else typed.push(...key(ch));
}
console.log(JSON.stringify({
  three: run(at([...shift, ...shift, ...shift])),
  typing: run(at(typed)),
  typingThenThree: run(at([...typed, ...shift, ...shift, ...shift])),
  chordsOnly: run(at([...chord("I"), ...chord("E"), ...chord("R"), ...rolled("T"), ...rolled("M")])),
  interrupted: run(at([...shift, ...shift, ...key("a"), ...shift])),
  interruptedThenThree: run(at([...shift, ...shift, ...key("a"), ...shift, ...shift, ...shift])),
  held: run(at([down("Shift"), down("Shift", true), down("Shift", true), up("Shift"), ...shift, ...shift])),
  slow: run([...at(shift, 0), ...at(shift, 3000), ...at(shift, 8100)]),
  paced: run([...at(shift, 0), ...at(shift, 4800), ...at(shift, 9500)]),
  keyupAlone: run(at([up("Shift"), up("Shift"), up("Shift")])),
}));
"""


def test_shift_rule_follows_govuk_exit_this_page():
    """Run by Node on quick_exit.js itself: does Shift count only on its own (no other key between its keydown and
    keyup), does any other key or 5 s without a press start the count again, and do three lone presses still
    leave at once?"""
    node = shutil.which("node")
    if not node:
        pytest.skip("Node.js is not installed")
    script = f"const SOURCE = {json.dumps(QUICK_EXIT_JS.read_text(encoding='utf-8'))};\n{NODE_CASES}"
    run = subprocess.run([node, "--input-type=module", "-e", script], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["three"] == 5  # the third Shift's keyup
    assert result["typing"] == -1 and result["chordsOnly"] == -1
    assert result["typingThenThree"] > 0
    assert result["interrupted"] == -1 and result["interruptedThenThree"] > 0
    assert result["held"] == 7  # a held Shift (repeating keydowns) is one press
    assert result["slow"] == -1  # 5.1 s between the second and third press: the count started again
    assert result["paced"] == 5  # under 5 s between each press: leaves
    assert result["keyupAlone"] == -1  # a keyup whose keydown was never seen (Shift held into the page)


# --- in the browser ------------------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.browser
def test_typing_a_reflection_in_voila_does_not_leave_and_is_kept(voila_server, visit):
    """In a published dashboard, can a learner type a 200-word reflection with capitals and Shift punctuation
    without leaving the page, does the kernel hold every word of it, and does Shift pressed three times on its
    own still leave at once?"""
    page = visit.page
    exit_url = exit_stand_in(page)
    url = voila_server.lesson_url(LESSON)
    page.goto(url, wait_until="commit", timeout=RENDER_TIMEOUT)  # Voila streams the page while the kernel runs
    box = page.locator(".pw-reflection textarea")
    box.wait_for(state="visible", timeout=RENDER_TIMEOUT)
    box.click()
    type_like_a_person(page, REFLECTION)
    assert_still_here(page, url, box)
    # The word count is worked out by the kernel from the text it received: the kernel has all of it.
    status = page.locator(".pw-reflection .pw-status")
    expect(status).to_have_text(ui("saved_words", words=len(REFLECTION.split())), timeout=20_000)
    assert page.url == url
    shift_three_times_leaves(page, exit_url)
    assert {u for u in visit.foreign_requests() if not u.startswith(exit_url.split("?")[0])} == set()


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.xdist_group("jupyterlab")  # shares the worker's JupyterLab with test_jupyterlab.py
def test_typing_a_reflection_in_jupyterlab_does_not_leave_and_is_saved(jupyterlab, visit):
    """In JupyterLab, can a learner type a 200-word reflection without leaving the page, is the text in
    responses.json beside the notebook while the box still has focus (no blur), and does Shift pressed three
    times on its own still leave at once?"""
    workspace = jupyterlab.workspace
    page = visit.page
    exit_url = exit_stand_in(page)
    box = run_lesson(page, jupyterlab, ".pw-reflection textarea")
    box.scroll_into_view_if_needed()
    box.click()
    url = page.url
    type_like_a_person(page, REFLECTION)
    assert_still_here(page, url, box)
    saved = workspace / LESSON / "responses.json"
    assert wait_for(lambda: activity(saved, ACTIVITY).get("text") == REFLECTION, timeout=30), activity(saved, ACTIVITY)
    assert page.evaluate("document.activeElement && document.activeElement.tagName") == "TEXTAREA"
    shift_three_times_leaves(page, exit_url)
    assert not [u for u in visit.foreign_requests() if not u.startswith(exit_url.split("?")[0])]
