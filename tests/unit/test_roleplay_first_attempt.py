"""Does the role-play widget keep the first run as the graded one, whatever the learner re-runs or reloads?"""

import json
from pathlib import Path

import pathways.activities.responses as responses
from pathways import views
from pathways.activities.responses import FILENAME, FORMAT_V1
from pathways.i18n import ui
from pathways.scenario import load

TINY = Path(__file__).resolve().parent.parent / "fixtures" / "scenarios" / "tiny.yaml"


def saved(folder):
    return json.loads((folder / FILENAME).read_text())["activities"]["roleplay"]


def new_kernel():
    responses._STORE = None


def shown(rp):
    return [b.description for b in rp.choices.children]


def test_learners_are_told_the_first_run_counts_in_both_languages(in_tmp):
    """Does the widget say, before the first click, that the first run counts if the lesson is graded and practice
    may follow (en, es)?"""
    rp = views.RolePlay(load(TINY))
    assert "If this lesson is graded, your first run is the one that counts" in rp.notice.value
    assert ui("roleplay_first_counts", "es").startswith("Si esta lección se califica, tu primer intento es el que")
    assert "practice" in rp.replay_button.description.lower()


def test_a_dashboard_visitor_is_told_nothing_about_grades(in_tmp, monkeypatch):
    """Where nothing is kept (a published dashboard: memory storage), does the role-play say nothing of grades or of
    a run that counts, before, during and after a run, and after Play again?"""
    monkeypatch.setenv("PATHWAYS_STORAGE", "memory")
    new_kernel()
    rp = views.RolePlay(load(TINY))
    seen = [rp.notice.value]
    rp.choose("rush")
    seen.append(rp.notice.value)
    rp.choose("finish")
    seen.append(rp.notice.value + rp.summary.value)
    rp.restart()
    seen.append(rp.notice.value)
    assert ui("roleplay_open_first") in seen[0] and ui("roleplay_open_practice") in seen[-1]
    assert all("grade" not in text and "counts" not in text for text in seen), seen
    assert not (in_tmp / FILENAME).exists()


def test_the_shown_order_is_kept_on_reload_and_saved_with_the_first_click(in_tmp):
    """Is the seed saved at the first click, and does a new kernel show the same order?"""
    rp = views.RolePlay(load(TINY))
    before = shown(rp)
    assert not (in_tmp / FILENAME).exists()  # nothing saved before the first action
    rp.choose("rush")
    assert saved(in_tmp)["seed"] == rp.seed
    rp.choose("again")  # back at the first node
    new_kernel()
    again = views.RolePlay(load(TINY))
    assert again.seed == rp.seed and again.walk.node == "a" and shown(again) == before


def test_reloading_resumes_the_first_run_where_it_stopped(in_tmp):
    """After a ⚠ and a reload (new kernel), does the widget continue the same first run instead of a new one?"""
    rp = views.RolePlay(load(TINY))
    rp.choose("rush")
    assert "Sam frowns." in rp.feedback.value
    new_kernel()
    again = views.RolePlay(load(TINY))
    assert again.walk.node == "b" and "Hurry them." in again.history.value and "Sam frowns." in again.feedback.value
    assert "continues where you left off" in again.notice.value
    again.choose("finish")
    record = saved(in_tmp)
    assert len(record["attempts"]) == 1 and [s["choice"] for s in record["attempts"][0]["steps"]] == ["rush", "finish"]
    assert record["attempts"][0]["finished"] is True and record["attempts"][0]["version"] == 2


def test_a_finished_first_run_shows_its_summary_and_play_again_is_practice(in_tmp):
    """Does re-running the cell after a finished first run show that run's summary, and is 'Play again' practice
    that never replaces it?"""
    rp = views.RolePlay(load(TINY))
    rp.choose("rush")
    rp.choose("finish")
    again = views.RolePlay(load(TINY))  # the cell run again, same kernel
    assert again.choices.children == () and "1 of 8" in again.summary.value
    assert again.replay_button.layout.display == "flex" and "first run, the one that counts" in again.notice.value
    again.replay_button.click()
    assert "Practice run" in again.notice.value
    again.choose("kind")
    again.choose("finish")
    assert "Practice run" in again.notice.value and "3 of 8" in again.summary.value
    attempts = saved(in_tmp)["attempts"]
    assert len(attempts) == 2 and [s["choice"] for s in attempts[0]["steps"]] == ["rush", "finish"]
    new_kernel()
    assert "1 of 8" in views.RolePlay(load(TINY)).summary.value  # the graded run, not the practice one


def test_a_stale_copy_of_the_cell_cannot_rewrite_the_first_run(in_tmp):
    """With two copies of the widget on the page, can a learner take a ⚠ in one and a better choice in the other?"""
    first = views.RolePlay(load(TINY))
    second = views.RolePlay(load(TINY))
    first.choose("rush")
    second.choose("kind")  # stale: the record moved on in the other copy
    assert [s["choice"] for s in saved(in_tmp)["attempts"][0]["steps"]] == ["rush"]
    assert len(saved(in_tmp)["attempts"]) == 1
    assert second.walk.node == "b" and "another copy" in second.notice.value
    second.choose("finish")
    assert [s["choice"] for s in saved(in_tmp)["attempts"][0]["steps"]] == ["rush", "finish"]


def test_an_old_record_without_a_seed_still_resumes(in_tmp):
    """Does a `pathways-responses/1` record (no seed, no per-attempt version) resume, and gain a seed on save?"""
    old = {"kind": "roleplay", "scenario": "tiny", "version": 2,
           "attempts": [{"started": "2025-01-01T10:00:00+00:00", "finished": False,
                         "steps": [{"node": "a", "choice": "kind", "at": "2025-01-01T10:00:01+00:00"}]}]}
    (in_tmp / FILENAME).write_text(json.dumps({"format": FORMAT_V1, "activities": {"roleplay": old}}))
    rp = views.RolePlay(load(TINY))
    assert rp.walk.node == "b"
    rp.choose("finish")
    record = saved(in_tmp)
    assert record["seed"] == rp.seed and record["attempts"][0]["steps"][0]["choice"] == "kind"
    assert record["attempts"][0]["finished"] is True


def test_a_first_run_that_no_longer_replays_is_kept_and_practice_is_offered(in_tmp):
    """When the first run was played on an older version and its path is gone, is it kept untouched (for the
    instructor) while the learner can still practise?"""
    old = {"kind": "roleplay", "scenario": "tiny", "version": 1,
           "attempts": [{"finished": True, "steps": [{"node": "a", "choice": "kind"},
                                                     {"node": "b", "choice": "leave-early"}]}]}
    (in_tmp / FILENAME).write_text(json.dumps({"format": FORMAT_V1, "activities": {"roleplay": old}}))
    rp = views.RolePlay(load(TINY))
    assert "earlier version" in rp.notice.value and rp.replay_button.layout.display == "flex"
    rp.replay_button.click()
    rp.choose("kind")
    attempts = saved(in_tmp)["attempts"]
    assert attempts[0] == {**old["attempts"][0], "started": "", "steps": [
        {"node": "a", "choice": "kind", "at": ""}, {"node": "b", "choice": "leave-early", "at": ""}]}
    assert len(attempts) == 2


def test_a_damaged_record_is_replaced_by_new_work_without_a_crash(in_tmp):
    """Does a role-play record that does not validate leave the widget usable (the next click starts afresh)?"""
    (in_tmp / FILENAME).write_text(json.dumps({"format": "pathways-responses/2", "activities": {
        "roleplay": {"kind": "roleplay", "scenario": "tiny", "attempts": [{"steps": [{"node": 1}]}]},
        "checks": {"kind": "checks", "answers": {"q1": "b"}}}}))
    rp = views.RolePlay(load(TINY))
    rp.choose("kind")
    data = json.loads((in_tmp / FILENAME).read_text())["activities"]
    assert data["checks"] == {"kind": "checks", "answers": {"q1": "b"}}
    assert [s["choice"] for s in data["roleplay"]["attempts"][0]["steps"]] == ["kind"]
