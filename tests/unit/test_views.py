"""Do the widgets show the engine's state, save every action, and work without a browser?"""

import json
from pathlib import Path

from pathways import views
from pathways.exercises import load_exercise
from pathways.responses import FILENAME
from pathways.scenario import load

TINY = Path(__file__).resolve().parent.parent / "fixtures" / "scenarios" / "tiny.yaml"
LESSON1 = Path(__file__).resolve().parents[2] / "lessons" / "01-why-dont-they-leave"


def saved(folder):
    return json.loads((folder / FILENAME).read_text())["activities"]


def test_roleplay_click_through_saves_transcript_and_shows_feedback(in_tmp):
    """Does clicking buttons walk the story, show principled feedback, save the attempt and end with a summary?"""
    rp = views.RolePlay(load(TINY))
    assert [b.description for b in rp.choices.children] == ["1. Be kind.", "2. Hurry them."]
    rp.choices.children[1].click()
    assert "Sam frowns." in rp.feedback.value and "works against" in rp.feedback.value
    assert "Patience and pacing" in rp.feedback.value and "Rushing adds pressure." in rp.feedback.value
    record = saved(in_tmp)["roleplay"]
    assert record["scenario"] == "tiny" and record["attempts"][0]["steps"][0]["choice"] == "rush"
    assert record["attempts"][0]["finished"] is False
    finish = next(b for b in rp.choices.children if "Finish" in b.description)
    finish.click()
    assert rp.choices.children == () and "Meh" in rp.summary.value and "1 of 8" in rp.summary.value
    assert "Where it could go differently" in rp.summary.value and "Section 2" in rp.summary.value
    assert saved(in_tmp)["roleplay"]["attempts"][0]["finished"] is True
    assert rp.replay_button.layout.display == "flex"


def test_replay_starts_a_new_attempt(in_tmp):
    """Does 'play again' keep the first attempt and record a second one?"""
    rp = views.RolePlay(load(TINY))
    rp.choose("rush")
    rp.choose("finish")
    rp.replay_button.click()
    assert "Hello." in rp.history.value and rp.summary.value == ""
    rp.choose("kind")
    attempts = saved(in_tmp)["roleplay"]["attempts"]
    assert len(attempts) == 2 and attempts[0]["finished"] and not attempts[1]["finished"]


def test_every_choice_button_has_a_name(in_tmp):
    """Is every control labelled (an accessible name) for keyboard and screen-reader users?"""
    rp = views.RolePlay(load(LESSON1 / "er_visit.yaml"))
    assert all(b.description.strip() and b.tooltip for b in rp.choices.children)


def test_knowledge_check_saves_and_restores(in_tmp):
    """Is an answer saved at once and shown again when the notebook is reopened?"""
    checks_file = LESSON1 / "checks.yaml"
    from pathways.checks import load_checks

    checks = load_checks(checks_file)
    single = views.KnowledgeCheck(checks, checks.question("q1"))
    single.answer("b")
    multi = views.KnowledgeCheck(checks, checks.question("q4"))
    multi.answer(["c", "a"])
    assert saved(in_tmp)["checks"]["answers"] == {"q1": "b", "q4": ["a", "c"]}
    import pathways.responses as responses

    responses._STORE = None  # a new kernel
    again = views.KnowledgeCheck(checks, checks.question("q4"))
    assert again.current() == ["a", "c"] and again.group.multiple and not single.group.multiple
    again.group.values = ["c", "forged", "c"]  # what a tampered page might send: known ids only, once each
    assert again.current() == ["c"] and saved(in_tmp)["checks"]["answers"]["q4"] == ["c"]
    record = json.loads((in_tmp / FILENAME).read_text())
    record["activities"]["checks"]["answers"]["q1"] = ["b"]  # a tampered file: a list for a one-answer question
    (in_tmp / FILENAME).write_text(json.dumps(record))
    responses._STORE = None
    assert views.KnowledgeCheck(checks, checks.question("q1")).current() is None


def test_sorting_saves_placements(in_tmp, tmp_path):
    """Does placing items save them, and do labelled drop-downs offer every category?"""
    f = tmp_path / "sort.yaml"
    f.write_text("activity: sort\ntitle: T\ninstructions: Place them.\ncategories:\n  - {id: x, label: X}\n"
                 "  - {id: y, label: Y}\nitems:\n  - {id: i1, text: One}\n  - {id: i2, text: Two}\n")
    s = views.Sorting(load_exercise(f))
    s.place("i2", "y")
    assert saved(in_tmp)["sort"] == {"kind": "sorting", "placements": {"i2": "y"}}
    assert s.board.items == [("i1", "One"), ("i2", "Two")] and s.board.place_label
    assert [c for _label, c in s.board.categories] == ["", "x", "y"] and s.board.status
    s.board.placements = {"i1": "x", "i2": "nonsense", "forged": "y"}  # what a tampered page might send
    assert s.placements() == {"i1": "x"} and saved(in_tmp)["sort"]["placements"] == {"i1": "x"}
    from pathways import responses

    responses._STORE = None  # a new kernel shows what was saved
    assert views.Sorting(load_exercise(f)).board.placements == {"i1": "x"}


def test_reflection_saves_and_prints_what_is_on_record(in_tmp, capsys):
    """Is a reflection saved, and printed as plain text when reopened (so formgrader shows it)?"""
    r = views.Reflection("reflection-x")
    r.text.value = "Leaving takes time."
    assert saved(in_tmp)["reflection-x"]["text"] == "Leaving takes time."
    import pathways.responses as responses

    responses._STORE = None
    views.Reflection("reflection-x")
    assert "Leaving takes time." in capsys.readouterr().out


def test_safety_panel_uses_resources_config(in_tmp, monkeypatch, tmp_path):
    """Does the panel show the configured numbers, and can an instructor override them with one file?"""
    panel = views.safety_panel()
    html = panel.children[-1].value
    assert "1-888-373-7888" in html and "233733" in html and "911" in html and "1-833-900-1010" in html
    assert "1-855-287-1777" not in html  # survivor-run line is not presented as a hotline in the panel
    exit_button = panel.children[1]
    assert exit_button.url.startswith("https://") and exit_button.fixed is False
    override = tmp_path / "res.yaml"
    override.write_text("region: Elsewhere\nquick_exit: {url: 'about:blank'}\n"
                        "emergency: {name: Emergency, phone: '112'}\nlines: []\n")
    monkeypatch.setenv("PATHWAYS_RESOURCES", str(override))
    monkeypatch.setenv("VOILA_KERNEL_ID", "k")
    panel = views.safety_panel()
    assert "112" in panel.children[-1].value and "1-888" not in panel.children[-1].value
    assert panel.children[1].fixed is True


def test_translated_scenario_brings_its_language_to_the_buttons(in_tmp):
    """Does a Spanish role-play show Spanish widget strings without any setting?"""
    from pathways.i18n import ui

    rp = views.RolePlay(load(LESSON1 / "er_visit.es.yaml"))
    assert ui("what_do_you_do", "es") in rp.prompt.value and ui("what_do_you_do", "es") != ui("what_do_you_do", "en")
    assert rp.replay_button.description == ui("play_again", "es")


def test_widgets_that_look_alike_share_their_layout_style_and_stylesheet_models(in_tmp):
    """Do a lesson's widgets send each look once (not a Layout and a style model per widget), while a button
    that hides keeps a layout of its own?"""
    import ipywidgets as w
    from pathways.views.common import make

    rp = views.RolePlay(load(TINY))
    other = views.RolePlay(load(TINY))
    buttons = [*rp.choices.children, *other.choices.children]
    assert len({id(b.layout) for b in buttons}) == 1 and len({id(b.style) for b in buttons}) == 1
    assert rp.widget.children[0] is other.widget.children[0]  # the stylesheet widget: one model for all
    assert rp.replay_button.layout is not other.replay_button.layout
    assert make(w.HTML, "x", layout={"width": "1px"}).layout is not make(w.HTML, "y").layout
    shared = make(w.HTML, "a").layout
    shared.close()  # something closed it: the next widget gets a live one
    assert make(w.HTML, "b").layout is not shared
