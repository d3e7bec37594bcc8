"""The workshop's record (workshop.json in its root-only state folder): what this workshop is and what it made, so
`stop`, `status`, `collect` and `return` (and a `start` after `stop --keep`) know its learners, accounts, processes
and course.

Typed (pydantic): every field is checked when the file is read, and again when one is set, so a damaged or
hand-edited file stops a command with a message naming the file and what is wrong, never half-way through. The
file says which version of this layout it holds (`version`); a file of an older version is read and written back in
the current one, a newer one is refused. It is written atomically (a whole new file, then renamed over the old one),
root only, so a crash never leaves half a record.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pathways.files import write_atomically
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .common import Layout, WorkshopError

#: The layout of the file this version writes. 1: the same fields, untyped (`limits` {} for none).
VERSION = 2


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Account(_Model):
    """A Unix account the workshop made (or kept from an earlier one)."""

    uid: int
    gid: int
    home: str


class LearnerAccount(Account):
    """A learner's account: who she is in the course (`sid`) and her name on the class list."""

    sid: str
    name: str


class GraderAccount(Account):
    """The grader account the formgrader runs as (formgrader.py)."""

    user: str


class Lent(_Model):
    """The course folder while the grader account owns it: its owner before, to give it back at `stop`, and each
    folder above it given a passage ACL entry (path, and whether it had no ACL before)."""

    course: str
    uid: int
    gid: int
    passage: list[tuple[str, bool]] = Field(default_factory=list)


class LimitSettings(_Model):
    """The limits per learner as the hub's spawner applies them (limits.settings)."""

    parents: dict[str, str]
    values: dict[str, int]
    private_temp: bool = True


class WorkshopRecord(_Model):
    """What one workshop is (see the module's doc)."""

    version: Literal[2] = VERSION
    course: str
    lessons: list[str]
    prefix: str
    group: str
    uids: tuple[int, int]
    address: str
    port: int
    started: str
    learners: dict[str, LearnerAccount] = Field(default_factory=dict)
    hidden: list[str] = Field(default_factory=list)  # the folders an ACL shuts the learners' group out of
    group_created: bool = False
    limits: LimitSettings | None = None  # None: --no-limits
    grader: GraderAccount | None = None
    lent: Lent | None = None
    url: str | None = None
    fingerprint: str | None = None  # of the hub's certificate (HTTPS only)
    hub_pid: int | None = None
    formgrader: str | None = None  # its address, with the token
    formgrader_pid: int | None = None
    sheet: str | None = None
    slips: str | None = None


def _upgrade(data: dict) -> dict:
    """A version 1 record (untyped) in this version's layout."""
    data = dict(data)
    if data.get("version") == 1:
        data["version"] = VERSION
        data["limits"] = data.get("limits") or None
        data.pop("instructor", None)  # an address kept by early workshops, no longer used
    return data


def load_record(root: str | Path) -> WorkshopRecord | None:
    """The record of the workshop under `root`, or None if there is none; WorkshopError (saying which file and what
    is wrong with it) if it cannot be read."""
    path = Layout(Path(root)).record
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WorkshopError(f"the workshop's record {path} cannot be read ({exc}): `pathways workshop` cannot tell "
                            "what this workshop made until it is mended") from exc
    if not isinstance(data, dict):
        raise WorkshopError(f"the workshop's record {path} is not a record (a JSON {type(data).__name__})")
    if isinstance(data.get("version"), int) and data["version"] > VERSION:
        raise WorkshopError(f"the workshop's record {path} is version {data['version']}, written by a newer "
                            f"Pathways (this one reads up to version {VERSION}): use that one")
    try:
        return WorkshopRecord.model_validate(_upgrade(data))
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'the record'}: {e['msg']}" for e in exc.errors())
        raise WorkshopError(f"the workshop's record {path} is damaged ({problems}): `pathways workshop` cannot tell "
                            "what this workshop made until it is mended") from exc


def save_record(layout: Layout, record: WorkshopRecord) -> None:
    """Write the record atomically, root only."""
    write_atomically(layout.record, record.model_dump_json(indent=1), mode=0o600)
