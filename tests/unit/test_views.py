"""Do the widgets show the engine's state, save every action, and work without a browser?"""

import json
import re
from pathlib import Path

from pathways import views
from pathways.activities.responses import FILENAME
from pathways.activities.sorting import load_exercise
from pathways.i18n import ui
from pathways.scenario import load

TINY = Path(__file__).resolve().parent.parent / "fixtures" / "scenarios" / "tiny.yaml"
PRACTICE = Path(__file__).resolve().parent.parent / "fixtures" / "assessment"
LESSON1 = Path(__file__).resolve().parents[2] / "lessons" / "01-why-dont-they-leave"
#: A hidden-key check set: no key or explanation in the file (the key is in the hidden tests of lesson.ipynb beside it).
HIDDEN = Path(__file__).resolve().parents[1] / "authoring" / "assessment" / "checks" / "checks.yaml"


def saved(folder):
    return json.loads((folder / FILENAME).read_text())["activities"]


def test_roleplay_click_through_saves_transcript_and_shows_feedback(in_tmp):
    """Does clicking buttons walk the story, show principled feedback, save the attempt and end with a summary?"""
    rp = views.RolePlay(load(TINY))
    shown = [b.description for b in rp.choices.children]
    assert [d[:3] for d in shown] == ["1. ", "2. "] and sorted(d[3:] for d in shown) == ["Be kind.", "Hurry them."]
    next(b for b in rp.choices.children if b.description.endswith("Hurry them.")).click()
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
    from pathways.activities.checks import load_checks

    checks = load_checks(checks_file)
    single = views.KnowledgeCheck(checks, checks.question("q1"))
    single.answer("b")
    multi = views.KnowledgeCheck(checks, checks.question("q4"))
    multi.answer(["c", "a"])
    assert saved(in_tmp)["checks"]["answers"] == {"q1": "b", "q4": ["a", "c"]}
    import pathways.activities.responses as responses

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


def test_knowledge_check_numbers_questions_for_people_and_shuffles_with_the_seed(in_tmp):
    """Is a question headed "Question 2" (never its id), its prompt rendered as markdown, its options shown in
    the seed's order, the same for every question widget of the kernel and after a reload?"""
    from pathways.activities.checks import load_checks
    from pathways.activities.responses import shuffled

    checks = load_checks(LESSON1 / "checks.yaml")
    q2 = views.KnowledgeCheck(checks, checks.question("q2"))
    prompt = q2.widget.children[-5].value
    assert "Question 2" in prompt and "q2" not in prompt and "<em>means</em>" in prompt
    assert q2.group.legend.startswith("Question 2: ") and "*" not in q2.group.legend
    assert "If this lesson is graded, your first checked answer is the one that counts" in prompt
    assert [v for _t, v in q2.group.options] == shuffled(["a", "b", "c", "d"], q2.seed, "q2")
    q3 = views.KnowledgeCheck(checks, checks.question("q3"))
    assert q3.seed == q2.seed  # one seed for the check set
    q3.answer("a")
    assert saved(in_tmp)["checks"]["seed"] == q2.seed
    import pathways.activities.responses as responses

    responses._STORE = None
    assert views.KnowledgeCheck(checks, checks.question("q2")).group.options == q2.group.options


def test_knowledge_check_records_the_first_checked_answer_once(in_tmp):
    """Does "Check answer" record the first answer once (later changes kept apart, never changing it) and, for a
    hidden-key question, show no answer and say the explanations come with the feedback if the lesson is graded?"""
    from pathways.activities.checks import load_checks
    from pathways.i18n import ui

    checks = load_checks(HIDDEN)
    assert checks.mode == "hidden-key"
    q1 = views.KnowledgeCheck(checks, checks.question("q1"))
    q1.check()
    assert q1.first() is None and ui("choose_first") in q1.status.value
    q1.answer("a")
    q1.button.click()
    assert q1.first() == "a" and ui("first_recorded_hidden") in q1.status.value
    assert q1.explanations.value == "" and q1.button.description == ui("answer_checked")
    q1.answer("b")
    q1.check()
    record = saved(in_tmp)["checks-x"]
    assert record["first"]["q1"]["answer"] == "a" and record["answers"]["q1"] == "b"
    assert ui("saved_after_check") in q1.status.value or ui("first_recorded_hidden") in q1.status.value
    import pathways.activities.responses as responses

    responses._STORE = None  # re-running the cell in a new kernel: still checked, the first answer unchanged
    again = views.KnowledgeCheck(checks, checks.question("q1"))
    assert again.current() == "b" and again.first() == "a" and again.checked
    multi = views.KnowledgeCheck(checks, checks.question("q4"))
    multi.answer(["b", "a"])
    multi.check()
    assert saved(in_tmp)["checks-x"]["first"]["q4"]["answer"] == ["a", "b"]


def test_formative_check_explains_every_option_after_the_first_answer(in_tmp):
    """Does a formative question show nothing before the first check, then whether the first answer was right, the
    right answer marked and every option's explanation (markdown rendered) in the shown order, marking the learner's
    first answer; and does a later, right answer change none of it?"""
    from pathways.activities.checks import load_checks
    from pathways.i18n import ui
    from pathways.markdown import md_line

    checks = load_checks(PRACTICE / "checks.yaml")
    q = views.KnowledgeCheck(checks, checks.question("means"))
    assert q.explanations.value == ""
    q.answer("a")
    assert q.explanations.value == ""  # choosing is not checking
    q.check()
    html = q.explanations.value
    assert ui("first_not_right") in q.status.value
    assert html.count("<li") == 3 and "<strong>act</strong>" in html and "<strong>means</strong>" in html
    assert html.count(ui("right_answer")) == 1 and html.count('class="pw-right"') == 1
    texts = {o.id: md_line(o.text) for o in checks.question("means").options}
    positions = [html.index(texts[oid]) for oid in q.order]
    assert positions == sorted(positions)
    assert html.count(ui("your_first_answer")) == 1
    q.answer("b")  # changing afterwards keeps the first answer, and the explanations stay
    q.check()
    assert q.first() == "a" and q.explanations.value == html and ui("first_not_right") in q.status.value
    right = views.KnowledgeCheck(checks, checks.question("stay"))
    right.answer(["b", "a"])
    right.check()
    assert ui("first_right") in right.status.value


def test_on_a_dashboard_nothing_is_said_of_grades_or_feedback(in_tmp, monkeypatch):
    """Where answers are not kept (a published dashboard: memory storage), does a question say nothing of grades,
    "counts" or feedback before or after the first answer, still explain a formative question, and say plainly that
    a hidden-key question's answer is not shown; the same for a sorting exercise; and is nothing written?"""
    from pathways.activities import responses
    from pathways.activities.checks import load_checks
    from pathways.i18n import ui

    monkeypatch.setenv("PATHWAYS_STORAGE", "memory")
    responses._STORE = None
    shown = []
    for path, qid, answer in ((PRACTICE / "checks.yaml", "means", "b"), (HIDDEN, "q1", "a")):
        checks = load_checks(path)
        q = views.KnowledgeCheck(checks, checks.question(qid))
        shown.append(q.widget.children[-5].value)
        q.answer(answer)
        shown.append(q.status.value)
        q.check()
        shown.append(q.status.value + q.explanations.value)
    assert ui("check_to_learn") in shown[0] and ui("first_right") in shown[2] and "pw-explanations" in shown[2]
    assert ui("answer_hidden_here") in shown[5]
    board = views.Sorting(load_exercise(PRACTICE / "sorting.yaml"))
    for item, _text in board.board.items:
        board.place(item, "act")
    shown.append(board.board.note + board.board.status)
    board.check()
    shown.append(board.board.status)
    assert ui("sort_to_learn") in shown[-2] and ui("sorting_result", right=2, total=6) == shown[-1]
    words = [re.sub(r"<[^>]+>", " ", text) for text in shown]  # what a visitor reads (not the HTML's class names)
    assert all("grade" not in text and "counts" not in text and "feedback" not in text for text in words), words
    assert not (in_tmp / FILENAME).exists()


def test_sorting_saves_placements(in_tmp, tmp_path):
    """Does placing items save them, and do labelled drop-downs offer every category?"""
    f = tmp_path / "sort.yaml"
    f.write_text("activity: sort\nmode: hidden-key\ntitle: T\ninstructions: Place them.\ncategories:\n"
                 "  - {id: x, label: X}\n  - {id: y, label: Y}\nitems:\n  - {id: i1, text: One}\n"
                 "  - {id: i2, text: Two}\n")
    s = views.Sorting(load_exercise(f))
    s.place("i2", "y")
    record = saved(in_tmp)["sort"]
    assert record["placements"] == {"i2": "y"} and record["kind"] == "sorting" and isinstance(record["seed"], int)
    assert sorted(s.board.items) == [("i1", "One"), ("i2", "Two")] and s.board.place_label
    assert s.board.categories[0][1] == "" and sorted(c for _label, c in s.board.categories) == ["", "x", "y"]
    assert s.board.status and "your first checked sorting is the one that counts" in s.board.note
    s.board.placements = {"i1": "x", "i2": "nonsense", "forged": "y"}  # what a tampered page might send
    assert s.placements() == {"i1": "x"} and saved(in_tmp)["sort"]["placements"] == {"i1": "x"}
    from pathways.activities import responses

    responses._STORE = None  # a new kernel shows what was saved, in the same order
    again = views.Sorting(load_exercise(f))
    assert again.board.placements == {"i1": "x"}
    assert again.board.items == s.board.items and again.board.categories == s.board.categories
    again.place("i2", "y")
    again.check()  # a hidden-key exercise: recorded, nothing given away
    assert again.board.status == ui("sorting_recorded_hidden") and again.board.explanations == {}


def test_sorting_is_graded_at_its_first_check_and_says_so(in_tmp):
    """Does "Check my sorting" want every item placed, record the placements once, keep later changes apart, and
    (a formative exercise) say how many were right and, under each item, where it belongs and why?"""
    from pathways.i18n import ui

    exercise = load_exercise(LESSON1 / "sorting.yaml")
    s = views.Sorting(exercise)
    items = [i for i, _text in s.board.items]
    s.place(items[0], "act")
    s.board.send_state()
    s._message(s.board, {"event": "check"}, [])  # what the page sends when the button is pressed
    assert s.checked() is None and s.board.status == ui("place_all_first", left=len(items) - 1)
    for item in items:
        s.place(item, "means")
    s.check()
    assert s.checked() == dict.fromkeys(items, "means") and s.board.checked
    means = sum(1 for c in exercise.key.values() if c == "means")
    assert s.board.status == ui("sorting_result", right=means, total=len(items)) and set(s.board.explanations) == \
        set(items)
    s.place(items[0], "purpose")
    assert s.board.status == ui("sorting_saved_after_check")
    s.check()  # pressing again changes nothing
    record = saved(in_tmp)["sort-palermo"]
    assert record["checked"]["placements"] == dict.fromkeys(items, "means")
    assert record["placements"][items[0]] == "purpose"
    from pathways.activities import responses

    responses._STORE = None  # a new kernel: still checked, same order
    again = views.Sorting(load_exercise(LESSON1 / "sorting.yaml"))
    assert again.board.checked and [i for i, _ in again.board.items] == items
    assert again.board.placements[items[0]] == "purpose"


def test_the_check_counts_the_placements_the_page_shows(in_tmp):
    """When "Check my sorting" reaches the kernel before the last placements (a page holds state updates back while
    the kernel is busy), is the exercise checked as the page showed it, with forged entries dropped?"""
    s = views.Sorting(load_exercise(PRACTICE / "sorting.yaml"))
    shown = {item: "means" for item, _text in s.board.items}
    s._message(s.board, {"event": "check", "placements": {**shown, "forged": "act"}}, [])
    assert s.checked() == shown and saved(in_tmp)["sort-practice"]["placements"] == shown


def test_formative_sorting_explains_every_item_after_the_first_check(in_tmp):
    """Does a formative exercise show nothing before the first check, and for each item, right after it, where the
    learner put it, where it belongs if elsewhere (✓ if right) and why?"""
    s = views.Sorting(load_exercise(PRACTICE / "sorting.yaml"))
    assert s.board.explanations == {} and "<em>Palermo Protocol</em>" in s.board.intro
    for item, _text in s.board.items:
        s.place(item, "act")
    s.check()
    notes = s.board.explanations
    assert set(notes) == {i for i, _ in s.board.items}
    assert "<strong>means</strong>" in notes["threat"] and "you placed it in: Act; it belongs in: Means" in \
        notes["threat"]
    assert "&#10003; you placed it in: Act" in notes["recruit"] and "belongs in" not in notes["recruit"]


def test_reflection_saves_and_prints_what_is_on_record(in_tmp, capsys):
    """Is a reflection saved, and printed as plain text when reopened (so formgrader shows it)?"""
    r = views.Reflection("reflection-x")
    r.text.value = "Leaving takes time."
    assert saved(in_tmp)["reflection-x"]["text"] == "Leaving takes time."
    import pathways.activities.responses as responses

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
