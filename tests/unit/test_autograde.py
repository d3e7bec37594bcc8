"""Do the autograder functions re-check saved work honestly, and never crash on bad files?"""

import json
from pathlib import Path

import pytest
from pathways import autograde, engine
from pathways.activities.responses import FILENAME, FORMAT, FORMAT_V1, ResponseStore
from pathways.scenario import load

TINY = Path(__file__).resolve().parent.parent / "fixtures" / "scenarios" / "tiny.yaml"


def write_responses(folder: Path, activities: dict) -> None:
    (folder / FILENAME).write_text(json.dumps({"format": FORMAT, "activities": activities}))


def roleplay_record(steps, finished=True, scenario="tiny"):
    return {"kind": "roleplay", "scenario": scenario, "version": 2,
            "attempts": [{"steps": steps, "finished": finished}]}


def best_steps():
    walk = engine.best_walk(load(TINY))
    return [{"node": s.node, "choice": s.choice} for s in walk.steps]


def test_best_walk_earns_full_points(in_tmp, capsys):
    """Does the best path earn every point, with a message saying where it ended?"""
    write_responses(in_tmp, {"roleplay": roleplay_record(best_steps())})
    assert autograde.roleplay_points(TINY, points=4) == 4
    assert "finished at 'Good' with 8 of 8 points" in capsys.readouterr().out


def test_partial_path_earns_partial_points(in_tmp):
    """Is a weaker path worth its share of the best score?"""
    write_responses(in_tmp, {"roleplay": roleplay_record([{"node": "a", "choice": "rush"},
                                                          {"node": "b", "choice": "finish"}])})
    assert autograde.roleplay_points(TINY, points=4) == 0.5  # 1 of 8 points


def test_first_started_attempt_counts(in_tmp):
    """Is the first attempt started graded, not a later better one?"""
    weak = [{"node": "a", "choice": "rush"}, {"node": "b", "choice": "finish"}]
    record = roleplay_record(weak)
    record["attempts"].append({"steps": best_steps(), "finished": True})
    write_responses(in_tmp, {"roleplay": record})
    assert autograde.roleplay_points(TINY, points=4) == 0.5


def test_an_unfinished_first_attempt_is_graded_as_far_as_it_went_not_a_later_finished_one(in_tmp, capsys):
    """Is an unfinished first attempt scored as far as it went (no ending credit), even when a later attempt
    finished with the best score? (Restarting after a ⚠ cannot replace the first run.)"""
    record = roleplay_record([{"node": "a", "choice": "kind"}], finished=False)
    record["attempts"].append({"steps": best_steps(), "finished": True})
    write_responses(in_tmp, {"roleplay": record})
    assert autograde.roleplay_points(TINY, points=4) == 1  # 2 of 8 points: kind earns 2, no ending
    assert "the role-play was not finished: 2 of 8 points" in capsys.readouterr().out


def test_unfinished_first_attempt_counts_each_choice_once(in_tmp):
    """Is an unfinished first attempt valid but incomplete, each choice counted once, with no ending credit?"""
    steps = [{"node": "a", "choice": "kind"}, {"node": "b", "choice": "again"}, {"node": "a", "choice": "kind"},
             {"node": "b", "choice": "again"}]  # kind counts once (2) + again once (1): 3
    write_responses(in_tmp, {"roleplay": roleplay_record(steps, finished=False)})
    verdict = autograde.roleplay_verdict(TINY)
    assert verdict.valid and not verdict.complete and verdict.score == 3 and verdict.best == 8


def test_a_record_that_does_not_validate_earns_zero_with_its_reason(in_tmp, capsys):
    """Is a role-play record of the wrong shape (a step that is not a choice) refused with the reason, not a crash?"""
    record = roleplay_record([{"node": "a", "choice": 3}])
    write_responses(in_tmp, {"roleplay": record, "checks": {"kind": "checks", "answers": {"q1": "b"}}})
    assert autograde.roleplay_points(TINY, points=4) == 0
    assert "attempts.0.steps.0.choice: Input should be a valid string" in capsys.readouterr().out
    assert autograde.check_points("q1", "b") == 1  # the rest of the file still grades


def test_an_old_format_file_still_grades(in_tmp):
    """Does a `pathways-responses/1` file (written before this version) grade as before?"""
    (in_tmp / FILENAME).write_text(json.dumps({"format": FORMAT_V1,
                                               "activities": {"roleplay": roleplay_record(best_steps())}}))
    assert autograde.roleplay_points(TINY, points=4) == 4


def test_an_excused_role_play_is_skipped_not_graded(in_tmp, capsys):
    """Does a role-play skipped for wellbeing earn 0 with the skipped line (the totals leave it out), whatever
    was played?"""
    from pathways.activities import excusal

    write_responses(in_tmp, {"roleplay": roleplay_record(best_steps())})
    excusal.excuse("roleplay:roleplay")
    assert autograde.roleplay_points(TINY, points=4) == 0
    assert capsys.readouterr().out.strip() == ("Role-play: skipped for wellbeing, not counted (0 of 4 points; your "
                                               "instructor's totals leave it out).")
    excusal.unexcuse("roleplay:roleplay")
    assert autograde.roleplay_points(TINY, points=4) == 4


def test_model_roleplay_writes_a_valid_typed_record(in_tmp):
    """Is the model answer a valid role-play record (seed, first attempt finished, version) kept in memory?"""
    from pathways.activities.responses import store
    from pathways.activities.roleplay import RolePlayRecord

    autograde.model_roleplay(TINY)
    record = store().record("roleplay", RolePlayRecord)
    assert record.seed is not None and record.graded.finished and record.graded.version == 2
    assert [s.choice for s in record.graded.steps] == [s["choice"] for s in best_steps()]


@pytest.mark.parametrize(
    ("responses", "message"),
    [
        (None, "no role-play recorded"),
        ("{not json", "responses.json is damaged"),
        ({"format": "other"}, "not a Pathways response file"),
        ({"format": FORMAT, "activities": {"roleplay": roleplay_record([{"node": "a", "choice": "secret"}])}},
         "this path is not possible in the scenario"),
        ({"format": FORMAT, "activities": {"roleplay": roleplay_record([], finished=False)}},
         "no role-play recorded"),
        ({"format": FORMAT, "activities": {"roleplay": roleplay_record(best_steps(), scenario="other")}},
         "is 'other', not 'tiny'"),
        ({"format": FORMAT, "activities": {"roleplay": {"kind": "checks"}}}, "is not a roleplay record"),
    ],
)
def test_bad_responses_score_zero_with_a_message(in_tmp, capsys, responses, message):
    """Does a missing, damaged, forged or mismatched file earn 0 with a clear message, not a crash?"""
    if responses is not None:
        text = responses if isinstance(responses, str) else json.dumps(responses)
        (in_tmp / FILENAME).write_text(text)
    assert autograde.roleplay_points(TINY, points=4) == 0
    assert message in capsys.readouterr().out


def test_huge_file_is_not_read(in_tmp, capsys):
    """Is an absurdly large response file refused rather than parsed?"""
    (in_tmp / FILENAME).write_text(" " * 3_000_000)
    assert autograde.roleplay_points(TINY, points=4) == 0
    assert "too large" in capsys.readouterr().out


def test_checks_and_sorting(in_tmp, capsys):
    """Are knowledge checks all-or-nothing and sorting exercises scored by share placed right?"""
    write_responses(in_tmp, {"checks": {"kind": "checks", "answers": {"q1": "b", "q2": ["c", "a"], "q3": "a"}},
                             "sort": {"kind": "sorting", "placements": {"i1": "x", "i2": "y", "i3": "x"}}})
    assert autograde.check_points("q1", "b") == 1
    assert autograde.check_points("q2", ["a", "c"]) == 1
    assert autograde.check_points("q3", "b") == 0
    assert autograde.check_points("q4", "a") == 0
    out = capsys.readouterr().out
    assert "Question q4: no answer recorded" in out and "'b'" not in out  # the key is never printed
    assert autograde.sorting_points("sort", {"i1": "x", "i2": "x", "i3": "x", "i4": "y"}, points=4) == 2


def test_model_answers_stay_in_memory(in_tmp):
    """Do model answers (source notebooks) never write a response file that could reach students?"""
    autograde.model_roleplay(TINY)
    autograde.model_checks({"q1": "b"})
    assert not (in_tmp / FILENAME).exists()
    assert autograde.roleplay_points(TINY, points=4) == 4 and autograde.check_points("q1", "b") == 1


def test_store_memory_only_under_voila(tmp_path, monkeypatch):
    """Does the store write nothing to disk when running under Voila?"""
    monkeypatch.setenv("VOILA_KERNEL_ID", "x")
    st = ResponseStore(tmp_path)
    st.put("a", {"kind": "checks", "answers": {}})
    assert st.get("a") and not (tmp_path / FILENAME).exists()


def test_store_replaces_a_damaged_file_on_next_save(tmp_path):
    """Does new work replace a damaged file instead of failing?"""
    (tmp_path / FILENAME).write_text("garbage")
    st = ResponseStore(tmp_path, persist=True)
    st.put("a", {"kind": "checks", "answers": {"q1": "a"}})
    assert json.loads((tmp_path / FILENAME).read_text())["activities"]["a"]["answers"] == {"q1": "a"}


# --- versions ------------------------------------------------------------------------------------------


def impossible_on_v2():
    """A path the current tiny scenario (version 2) cannot replay: it did exist in version 1."""
    return [{"node": "a", "choice": "kind"}, {"node": "b", "choice": "leave-early"}]


def test_older_version_that_still_replays_is_graded(in_tmp, capsys):
    """Is a transcript played on version 1 graded as usual when its path is still possible in version 2?"""
    record = roleplay_record(best_steps())
    record["version"] = 1
    write_responses(in_tmp, {"roleplay": record})
    assert autograde.roleplay_points(TINY, points=4) == 4
    assert "(played on version 1, graded on version 2)" in capsys.readouterr().out


def test_older_version_that_no_longer_replays_is_flagged_not_forged(in_tmp, capsys):
    """Is an impossible path recorded on an older version flagged 'older version' (0, for review), never 'forged'?"""
    record = roleplay_record(impossible_on_v2())
    record["version"] = 1
    write_responses(in_tmp, {"roleplay": record})
    verdict = autograde.roleplay_verdict(TINY)
    assert verdict.status == "older-version" and not verdict.valid and verdict.fraction == 0
    assert autograde.roleplay_points(TINY, points=4) == 0
    out = capsys.readouterr().out
    assert "recorded on an older version (v1) of this role-play, which is now v2" in out
    assert "not possible" not in out and "forged" not in out


def test_same_version_impossible_path_is_still_rejected(in_tmp, capsys):
    """Is an impossible path recorded on the current version still refused as not possible?"""
    write_responses(in_tmp, {"roleplay": roleplay_record(impossible_on_v2())})
    assert autograde.roleplay_verdict(TINY).status == ""
    assert autograde.roleplay_points(TINY, points=4) == 0
    assert "this path is not possible in the scenario" in capsys.readouterr().out


def test_per_attempt_version_wins_over_the_record(in_tmp):
    """Does an attempt's own `version` (when recorded) decide, rather than the record's?"""
    record = roleplay_record(impossible_on_v2())
    record["attempts"][0]["version"] = 1
    write_responses(in_tmp, {"roleplay": record})
    assert autograde.roleplay_verdict(TINY).status == "older-version"


@pytest.mark.parametrize(("version", "flag"), [(1, "older version"), (2, "forged")])
def test_grading_flags_name_an_older_version_plainly(in_tmp, tmp_path, capsys, version, flag):
    """Does the instructor's flag say 'older version' for an old transcript and 'forged' only for a current one?"""
    import nbformat
    from pathways.grading.sandbox.handin import output_flags

    record = roleplay_record(impossible_on_v2())
    record["version"] = version
    write_responses(in_tmp, {"roleplay": record})
    autograde.roleplay_points(TINY, points=4)
    cell = nbformat.v4.new_code_cell("roleplay_points('tiny.yaml', 4)",
                                     metadata={"nbgrader": {"grade_id": "test-roleplay", "grade": True}})
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=capsys.readouterr().out)]
    nb = nbformat.v4.new_notebook(cells=[cell])
    nbformat.write(nb, tmp_path / "graded.ipynb")
    flags = output_flags(tmp_path / "graded.ipynb", 5)
    assert len(flags) == 1 and flag in flags[0]


def test_grading_flags_a_record_that_does_not_validate(in_tmp, tmp_path, capsys):
    """Is a role-play record that does not validate (a choice that is not text) flagged as damaged for the
    instructor, as a damaged transcript was?"""
    import nbformat
    from pathways.grading.sandbox.handin import output_flags

    write_responses(in_tmp, {"roleplay": roleplay_record([{"node": "a", "choice": ["kind"]}])})
    assert autograde.roleplay_points(TINY, points=4) == 0
    cell = nbformat.v4.new_code_cell("roleplay_points('tiny.yaml', 4)",
                                     metadata={"nbgrader": {"grade_id": "test-roleplay", "grade": True}})
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=capsys.readouterr().out)]
    nbformat.write(nbformat.v4.new_notebook(cells=[cell]), tmp_path / "graded.ipynb")
    flags = output_flags(tmp_path / "graded.ipynb", 5)
    assert len(flags) == 1 and "damaged" in flags[0]
