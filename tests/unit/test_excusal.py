"""Can a learner skip any item for their wellbeing, and come back to it, at no cost and without being asked why?"""

import json

import pytest
from pathways.activities import excusal
from pathways.activities.responses import FILENAME, ResponseStore
from pathways.i18n import ui
from pathways.views.common import SkipToggle, root


def on_disk(folder):
    return json.loads((folder / FILENAME).read_text())["activities"]


def test_excuse_and_unexcuse_are_saved_in_the_wellbeing_record(in_tmp):
    """Is an excusal saved beside the notebook as the spec's `wellbeing` record, and removed again on undo?"""
    assert excusal.excused_items() == {} and not excusal.is_excused("roleplay:er-visit")
    excusal.excuse("roleplay:er-visit")
    excusal.excuse("check:checks:q2")
    record = on_disk(in_tmp)["wellbeing"]
    assert record["kind"] == "excusals" and set(record["items"]) == {"roleplay:er-visit", "check:checks:q2"}
    assert all(isinstance(at, str) and at[:2] == "20" for at in record["items"].values())
    assert excusal.is_excused("roleplay:er-visit")
    first = record["items"]["roleplay:er-visit"]
    excusal.excuse("roleplay:er-visit")  # again: keeps its first time
    assert on_disk(in_tmp)["wellbeing"]["items"]["roleplay:er-visit"] == first
    excusal.unexcuse("roleplay:er-visit")
    assert excusal.excused_items().keys() == {"check:checks:q2"}
    assert "roleplay:er-visit" not in on_disk(in_tmp)["wellbeing"]["items"]


def test_excusal_keeps_other_answers(in_tmp):
    """Does skipping one item leave every other answer on record untouched?"""
    st = ResponseStore(in_tmp)
    st.put("checks", {"kind": "checks", "answers": {"q1": "b"}})
    excusal.excuse(["sorting:sort-a", "reflection:reflection"], st)
    acts = on_disk(in_tmp)
    assert acts["checks"]["answers"] == {"q1": "b"}
    assert set(acts["wellbeing"]["items"]) == {"sorting:sort-a", "reflection:reflection"}


def test_nothing_is_written_under_voila(in_tmp, monkeypatch):
    """Under Voila, is an excusal kept in memory only, as every answer is?"""
    monkeypatch.setenv("PATHWAYS_STORAGE", "memory")
    st = ResponseStore(in_tmp)
    excusal.excuse("roleplay:er-visit", st)
    assert excusal.is_excused("roleplay:er-visit", st)
    assert not (in_tmp / FILENAME).exists()


def test_damaged_records_count_as_nothing_excused(in_tmp):
    """Does a damaged file or record count as 'nothing excused' (flagged for the grader), never as an error?"""
    (in_tmp / FILENAME).write_text("{not json")
    assert excusal.excused_items() == {}
    items, problem = excusal.excusals_in_file(in_tmp / FILENAME)
    assert items == {} and "damaged" in problem
    (in_tmp / FILENAME).write_text(json.dumps({"format": "pathways-responses/1", "activities": {
        "wellbeing": {"kind": "excusals", "items": ["roleplay:er-visit"]}}}))
    assert excusal.excused_items() == {}
    items, problem = excusal.excusals_in_file(in_tmp)
    assert items == {} and "wellbeing" in problem
    excusal.excuse("roleplay:er-visit")  # a new excusal replaces the damaged record
    assert excusal.excusals_in_file(in_tmp) == ({"roleplay:er-visit": excusal.excused_items()["roleplay:er-visit"]},
                                                None)
    assert excusal.excusals_in_file(in_tmp / "nowhere") == ({}, None)


def test_item_names_are_checked():
    """Are only the spec's item names accepted?"""
    assert excusal.item_name("check", "checks", "q1") == "check:checks:q1"
    assert excusal.item_name("roleplay", "er-visit") == "roleplay:er-visit"
    for bad in ("q1", "check:checks", "roleplay:", "story:x", "roleplay:a:b"):
        assert not excusal.valid_item(bad)
        with pytest.raises(ValueError):
            excusal.excuse(bad, ResponseStore(persist=False))
    with pytest.raises(ValueError):
        excusal.item_name("check", "checks")


def test_skip_toggle_click_and_undo(in_tmp):
    """Does pressing 'Skip this for my wellbeing' excuse the item and fold the activity, and does Undo bring it
    back, with a calm note and no question asked?"""
    box = root([], "check", item="check:checks:q1")
    toggle = box.skip_toggle
    assert isinstance(toggle, SkipToggle) and box.children[1] is toggle
    assert toggle.label == "Skip this for my wellbeing" and toggle.pressed is False
    assert "pw-skipped" not in box._dom_classes
    toggle.pressed = True  # what a click on the button sends
    assert excusal.is_excused("check:checks:q1") and "pw-skipped" in box._dom_classes
    assert "will not count against you" in toggle.note and "any time" in toggle.note
    assert toggle.undo_label == "Undo"
    toggle.pressed = False  # what a click on Undo sends
    assert not excusal.is_excused("check:checks:q1") and "pw-skipped" not in box._dom_classes
    toggle.skip()
    again = root([], "check", item="check:checks:q1")  # the notebook reopened: still skipped
    assert again.skip_toggle.pressed and "pw-skipped" in again._dom_classes


def test_no_toggle_without_an_item(in_tmp):
    """Does a box of no graded item (the safety panel) show no skip toggle?"""
    box = root([], "safety")
    assert not any(isinstance(c, SkipToggle) for c in box.children)


def test_toggle_strings_exist_in_spanish(in_tmp, monkeypatch):
    """Is the toggle in real Spanish, and never shaming in either language?"""
    monkeypatch.setenv("PATHWAYS_LANG", "es")
    toggle = root([], "roleplay", item="roleplay:er-visit").skip_toggle
    assert toggle.label == "Saltar esto por mi bienestar" and toggle.undo_label == "Deshacer"
    assert "no contará en tu contra" in toggle.note.lower()
    for lang in ("en", "es"):
        for key in ("skip_label", "skip_note", "skip_undo", "skip_section_label", "skip_section_note"):
            text = ui(key, lang=lang).lower()
            for word in ("fail", "penal", "missed", "lose", "pierd", "suspend", "why", "por qué", "reason", "motivo"):
                assert word not in text, (lang, key, word)


def test_skip_toggle_js_is_a_real_toggle_button():
    """Does the page draw a real <button> carrying aria-pressed, with a live note and an Undo button?"""
    js = SkipToggle._esm.read_text() if hasattr(SkipToggle._esm, "read_text") else str(SkipToggle._esm)
    assert 'createElement("button")' in js and "aria-pressed" in js and 'setAttribute("role", "status")' in js
    assert "pw-skip-undo" in js


def test_skip_section_excuses_every_item_and_updates_the_activities(in_tmp):
    """Does 'Skip this section for my wellbeing' excuse every listed item at once, fold each activity shown,
    say how to come back, and does Undo (here, or on one activity) bring them back?"""
    from pathways.views import skip_section

    items = ["roleplay:roleplay", "check:checks:q1", "sorting:sort-palermo"]
    play = root([], "roleplay", item="roleplay:roleplay")
    check = root([], "check", item="check:checks:q1")
    section = skip_section("6. Role-play: a busy night", items)
    toggle = section.skip_toggle
    assert toggle.label == "Skip this section for my wellbeing: 6. Role-play: a busy night" and not toggle.pressed
    toggle.pressed = True
    assert excusal.excused_items().keys() == set(items)
    assert play.skip_toggle.pressed and check.skip_toggle.pressed and "pw-skipped" in play._dom_classes
    assert "Undo" in toggle.note and "will not count against you" in toggle.note
    check.skip_toggle.pressed = False  # come back to one question only
    assert not excusal.is_excused("check:checks:q1") and excusal.is_excused("roleplay:roleplay")
    assert toggle.pressed is False  # the section is no longer wholly skipped
    toggle.pressed = True
    toggle.pressed = False  # Undo on the section
    assert excusal.excused_items() == {} and not play.skip_toggle.pressed and "pw-skipped" not in play._dom_classes


def test_skip_section_needs_item_names(in_tmp):
    """Does a content note that names no valid item fail loudly for its author (not silently for a learner)?"""
    from pathways.views import skip_section

    for bad in ([], ["q1"]):
        with pytest.raises(ValueError):
            skip_section("A section", bad)


def test_safety_panel_unchanged(in_tmp):
    """Do the quick exit and support lines stay as they were, with no skip toggle in the panel?"""
    from pathways.views import QuickExit, safety_panel

    panel = safety_panel()
    assert isinstance(panel.children[1], QuickExit) and "Support resources" in panel.children[-1].value
    assert not any(isinstance(c, SkipToggle) for c in panel.children)


def test_reflection_can_be_skipped(in_tmp):
    """Does the reflection widget show the skip toggle for `reflection:<activity>`, and keep saving the text?"""
    from pathways.views import Reflection

    refl = Reflection("reflection-why-stay", save_every=0)
    toggle = refl.widget.skip_toggle
    assert toggle.items == ["reflection:reflection-why-stay"] and not toggle.pressed
    toggle.pressed = True
    assert excusal.is_excused("reflection:reflection-why-stay")
    refl.text.value = "Some words."
    refl.save()
    assert on_disk(in_tmp)["reflection-why-stay"]["text"] == "Some words."
    assert "reflection:reflection-why-stay" in on_disk(in_tmp)["wellbeing"]["items"]
