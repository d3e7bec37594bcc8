"""The workshop's record (workshop.json), typed: read with a clear message when it is damaged, older versions read
and written back in the current one, written atomically and root only (fast, no root needed)."""

from __future__ import annotations

import json

import pytest
from pathways.grading.delivery.workshop.common import Layout, WorkshopError
from pathways.grading.delivery.workshop.record import VERSION, LearnerAccount, load_record, save_record

#: A record as version 1 wrote it (an untyped dict; `limits` {} for --no-limits, an `instructor` address of old).
V1 = {"version": 1, "course": "/srv/course", "lessons": ["lesson-1"], "prefix": "pw-", "group": "pw-learners",
      "uids": [47000, 47999], "address": "127.0.0.1", "port": 8000, "started": "2026-12-01T09:00:00+00:00",
      "learners": {"pw-s1": {"uid": 47001, "gid": 47001, "home": "/srv/ws/homes/pw-s1", "sid": "s1", "name": "Ana"}},
      "hidden": ["/srv/course"], "group_created": True, "limits": {}, "hub_pid": None, "url": "http://127.0.0.1:8000/",
      "grader": {"uid": 47002, "gid": 47002, "home": "/srv/ws/grader", "user": "pw-grader"},
      "lent": {"course": "/srv/course", "uid": 0, "gid": 0, "passage": [["/srv", True]]}, "instructor": "old"}


@pytest.fixture
def layout(tmp_path) -> Layout:
    layout = Layout(tmp_path / "ws")
    layout.state.mkdir(parents=True)
    return layout


def test_a_version_1_record_is_read_typed_and_written_back_in_this_version(layout):
    """Does a record of version 1 load with its learners, grader and lent course typed, and save as this version,
    root only, with no part file left behind?"""
    layout.record.write_text(json.dumps(V1))
    record = load_record(layout.root)
    assert record.learners["pw-s1"].uid == 47001 and record.grader.user == "pw-grader" and record.limits is None
    assert record.lent.passage == [("/srv", True)] and record.uids == (47000, 47999)
    record.learners["pw-s2"] = LearnerAccount(uid=47003, gid=47003, home="/h", sid="s2", name="Ben")
    save_record(layout, record)
    saved = json.loads(layout.record.read_text())
    assert saved["version"] == VERSION and "instructor" not in saved and saved["learners"]["pw-s2"]["sid"] == "s2"
    assert layout.record.stat().st_mode & 0o777 == 0o600 and list(layout.state.iterdir()) == [layout.record]
    assert load_record(layout.root) == record


@pytest.mark.parametrize(("text", "says"), [
    ("{not json", "cannot be read"),
    ("[1, 2]", "is not a record (a JSON list)"),
    (json.dumps({**V1, "port": "eighty"}), "port: Input should be a valid integer"),
    (json.dumps({**V1, "learners": {"pw-s1": {"uid": 1}}}), "learners.pw-s1.gid: Field required"),
    (json.dumps({**V1, "version": VERSION + 1}), f"is version {VERSION + 1}, written by a newer Pathways"),
])
def test_a_damaged_record_stops_with_a_message_naming_the_file_and_the_fault(layout, text, says):
    """Does a record that is not JSON, not an object, has a field of the wrong type or missing, or is of a newer
    version, stop with a WorkshopError naming the file and what is wrong (never a traceback from deep inside)?"""
    layout.record.write_text(text)
    with pytest.raises(WorkshopError, match="record .*workshop.json") as caught:
        load_record(layout.root)
    assert says in str(caught.value)


def test_no_record_is_none_and_a_wrong_value_is_refused_when_set(layout):
    """Is there no record before a workshop starts, and is a value of the wrong type refused as it is set?"""
    assert load_record(layout.root) is None
    layout.record.write_text(json.dumps(V1))
    record = load_record(layout.root)
    with pytest.raises(ValueError, match="hub_pid"):
        record.hub_pid = "running"
