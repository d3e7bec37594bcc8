"""Is the response record typed: validated on read, old files still loading, one bad record never stopping the rest?"""

import json

import pytest
from pathways.activities.checks import ChecksRecord
from pathways.activities.responses import (
    FILENAME,
    FORMAT,
    FORMAT_V1,
    ExcusalsRecord,
    RecordError,
    ResponseFileError,
    ResponseStore,
    new_seed,
    parse_record,
    shuffled,
)
from pathways.activities.roleplay import RolePlayRecord
from pathways.activities.sorting import SortingRecord

OLD = {"roleplay": {"kind": "roleplay", "scenario": "tiny", "version": 2,
                    "attempts": [{"started": "2025-01-01T10:00:00+00:00", "finished": True,
                                  "steps": [{"node": "a", "choice": "kind", "at": "2025-01-01T10:00:01+00:00"}]}]},
       "checks": {"kind": "checks", "answers": {"q1": "b", "q4": ["a", "c"]}},
       "sort": {"kind": "sorting", "placements": {"i1": "x"}},
       "reflection-x": {"kind": "reflection", "text": "Leaving takes time."}}


def write(folder, activities, fmt=FORMAT):
    (folder / FILENAME).write_text(json.dumps({"format": fmt, "activities": activities}))


def test_an_old_file_loads_and_is_written_back_in_the_new_format(tmp_path):
    """Does a `pathways-responses/1` file load with every record typed, and the next save write format 2 keeping
    the old records?"""
    write(tmp_path, OLD, FORMAT_V1)
    st = ResponseStore(tmp_path, persist=True)
    records, problems = st.records()
    assert problems == {} and set(records) == set(OLD)
    rp = st.record("roleplay", RolePlayRecord)
    assert rp.graded.steps[0].choice == "kind" and rp.seed is None and rp.graded.version is None
    checks = st.record("checks", ChecksRecord)
    assert checks.graded("q1") == "b" and checks.graded("q4") == ["a", "c"] and checks.graded("q9") is None
    assert st.record("sort", SortingRecord).graded == {"i1": "x"}
    st.put("wellbeing", ExcusalsRecord(items={"roleplay:roleplay": "2025-01-02T10:00:00+00:00"}))
    data = json.loads((tmp_path / FILENAME).read_text())
    assert data["format"] == FORMAT == "pathways-responses/2"
    assert {k: v for k, v in data["activities"].items() if k != "wellbeing"} == OLD
    assert data["activities"]["wellbeing"] == {"kind": "excusals", "items": {"roleplay:roleplay":
                                                                             "2025-01-02T10:00:00+00:00"}}


def test_new_fields_are_read_back(tmp_path):
    """Are the seed, the first checked answers and the first sorting check kept and the graded ones chosen?"""
    st = ResponseStore(tmp_path, persist=True)
    st.put("checks", ChecksRecord(seed=7, first={"q1": {"answer": "a", "at": "t"}}, answers={"q1": "b"}))
    st.put("sort", {"kind": "sorting", "seed": 3, "placements": {"i1": "y"},
                    "checked": {"placements": {"i1": "x"}, "at": "t"}})
    again = ResponseStore(tmp_path, persist=True)
    assert again.record("checks", ChecksRecord).graded("q1") == "a"
    assert again.record("checks", ChecksRecord).answers == {"q1": "b"}
    assert again.record("sort", SortingRecord).graded == {"i1": "x"} and again.record("sort", SortingRecord).seed == 3


@pytest.mark.parametrize(("raw", "reason"), [
    ({"kind": "roleplay", "scenario": "t", "attempts": [{"steps": [{"node": "a", "choice": 3}]}]},
     "attempts.0.steps.0.choice: Input should be a valid string"),
    ({"kind": "roleplay", "scenario": "t", "version": True}, "version: Input should be a valid integer"),
    ({"kind": "roleplay", "attempts": []}, "scenario: Field required"),
    ({"kind": "roleplay", "scenario": "t", "seed": "12"}, "seed: Input should be a valid integer"),
    ({"kind": "checks", "answers": {"q1": 5}}, "answers.q1: Input should be a valid string"),
    ({"kind": "sorting", "checked": {"placements": {"i1": None}}}, "checked.placements.i1"),
    ({"kind": "excusals", "items": ["roleplay:x"]}, "items: Input should be a valid dictionary"),
    ({"kind": "surprise"}, "unknown kind 'surprise'"),
    (["a list"], "is not a record (a list)"),
])
def test_a_record_that_does_not_validate_is_reported_and_the_rest_still_load(tmp_path, raw, reason):
    """Is an invalid record reported with a plain reason (never a crash), while the file's other records load?"""
    write(tmp_path, {**OLD, "bad": raw})
    st = ResponseStore(tmp_path)
    records, problems = st.records()
    assert set(records) == set(OLD) and list(problems) == ["bad"] and reason in problems["bad"]
    with pytest.raises(RecordError, match="'bad'"):
        parse_record("bad", raw)


def test_typed_access_refuses_another_kind_plainly(tmp_path):
    """Does asking for a role-play record where a checks record is saved say so, as a ResponseFileError?"""
    write(tmp_path, OLD)
    st = ResponseStore(tmp_path)
    with pytest.raises(ResponseFileError, match="is not a roleplay record"):
        st.record("checks", RolePlayRecord)
    assert st.record("nothing", RolePlayRecord) is None
    assert st.get("checks") == OLD["checks"]  # the dict API is unchanged


def test_shuffled_order_is_stable_per_seed_and_key_and_varies_otherwise():
    """Is the shown order the same for the same seed and key, and does it change with the seed and the key?"""
    ids = [f"c{i}" for i in range(6)]
    assert shuffled(ids, 5, "node-a") == shuffled(ids, 5, "node-a") and sorted(shuffled(ids, 5, "node-a")) == ids
    orders = {tuple(shuffled(ids, seed, "node-a")) for seed in range(50)}
    assert len(orders) > 30
    assert any(shuffled(ids, s, "node-a") != shuffled(ids, s, "node-b") for s in range(5))
    assert all(shuffled(ids, s, "n")[0] == ids[0] for s in range(200)) is False
    seeds = {new_seed() for _ in range(20)}
    assert len(seeds) > 15 and all(isinstance(s, int) and s >= 0 for s in seeds)
