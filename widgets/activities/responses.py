"""Where a learner's widget answers live: `responses.json` beside the notebook, or memory only.

In JupyterLab the widgets save every answer to `responses.json` in the notebook's folder, so that
`nbgrader submit` carries it and the autograder can re-check it. Under Voila (a published
dashboard) nothing about a visitor is written on the server: answers stay in the kernel's memory
and die with it. Model answers written by instructors' solution cells are memory-only too, so a
source folder never gains a response file that could overwrite a student's.

The file is `{"format": "pathways-responses/2", "activities": {<activity>: <record>}}`; files of
format `pathways-responses/1` (the same records without seeds, first answers or excusals) still load.
Each record is typed (the record model each activity kind declares in `pathways.activities.registry`,
`RolePlayRecord`, `ChecksRecord`, ..., and `ExcusalsRecord`; chosen by its `kind`) and validated when read through
`ResponseStore.record` or
`ResponseStore.records`: a record that does not validate is reported with a plain reason
(`RecordError`), and the file's other records still load. `get`/`put` keep working with plain dicts.

Shown order: every shuffled list (role-play choices, check options, sorting items) is
`shuffled(ids, seed, key)`, where `seed` is made by `new_seed()` when a widget is first shown and kept
in the record from the learner's first recorded action on, so the order stays the same on reload.
"""

from __future__ import annotations

import json
import os
import random
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .. import config
from ..files import RESPONSES_FILE, write_atomically
from . import registry

FILENAME = RESPONSES_FILE
#: The format new files are written in.
FORMAT = "pathways-responses/2"
#: The first format (no seeds, first answers or excusals); still read.
FORMAT_V1 = "pathways-responses/1"
#: Every format this version reads.
FORMATS = frozenset({FORMAT_V1, FORMAT})
#: The reserved activity name of the learner's excusals (items skipped for wellbeing).
WELLBEING = "wellbeing"
#: A response file larger than this is not read (a learner's real file is a few kilobytes).
MAX_BYTES = 2_000_000


class ResponseFileError(ValueError):
    """The response file exists but cannot be used."""


class RecordError(ResponseFileError):
    """One activity's record cannot be used (not valid, or not the kind asked for); the others still can."""


# --- the typed records ----------------------------------------------------------------------------

class Record(BaseModel):
    """The base of every typed record: an activity kind's record model subclasses it, with a `kind` field."""

    # strict: a number is not a string, a bool is not an int; extra fields are kept (newer writers).
    model_config = ConfigDict(strict=True, extra="allow")

    def to_dict(self) -> dict:
        """The record as it is written to responses.json (unset optional fields left out)."""
        return self.model_dump(mode="json", exclude_none=True)


class ExcusalsRecord(Record):
    """Items skipped for wellbeing (under the reserved activity `wellbeing`): item name -> when.

    Item names: `roleplay:<activity>`, `check:<activity>:<question>`, `sorting:<activity>`,
    `reflection:<activity>`. Un-excusing removes the item.
    """

    kind: Literal["excusals"] = "excusals"
    items: dict[str, str] = Field(default_factory=dict)

    def excused(self, item: str) -> bool:
        """True when the item is marked as skipped for wellbeing."""
        return item in self.items


Answer = str | list[str]


def models() -> dict[str, type[Record]]:
    """Record kind -> model: every registered activity kind's record (pathways.activities.registry), and the
    excusals."""
    return {**registry.records(), "excusals": ExcusalsRecord}


R = TypeVar("R", bound=Record)


_UNION_TAGS = frozenset({"str", "list[str]", "int", "none"})


def _reason(exc: ValidationError) -> str:
    first = exc.errors()[0]
    # A union's members show in the location as their types ("answers.q1.str"): leave them out.
    where = ".".join(str(p) for p in first["loc"] if p not in _UNION_TAGS) or "the record"
    more = f" (and {exc.error_count() - 1} more problem{'s' if exc.error_count() > 2 else ''})" \
        if exc.error_count() > 1 else ""
    return f"{where}: {first['msg']}{more}"


def parse_record(activity: str, raw: object, model: type[R] | None = None) -> R:
    """Validate one activity's raw record (a dict from the file); raise RecordError with a plain reason.

    With `model`, the record must be of that model's kind (else RecordError: "... is not a <kind> record").
    """
    if isinstance(raw, Record):
        raw = raw.to_dict()
    if not isinstance(raw, dict):
        raise RecordError(f"the record for {activity!r} is not a record (a {type(raw).__name__})")
    kind = raw.get("kind")
    if model is not None:
        want = model.model_fields["kind"].default
        if kind != want:
            raise RecordError(f"the record for {activity!r} is not a {want} record")
    elif kind not in models():
        raise RecordError(f"the record for {activity!r} has an unknown kind {kind!r}")
    try:
        return (model or models()[kind]).model_validate(raw)
    except ValidationError as exc:
        raise RecordError(f"the {kind} record for {activity!r} is not valid: {_reason(exc)}") from None


def to_dict(record: dict | Record) -> dict:
    """A record as written to the file (a typed record is dumped, a dict kept as given)."""
    return record.to_dict() if isinstance(record, Record) else record


# --- order and seeds -------------------------------------------------------------------------------

def new_seed() -> int:
    """A fresh random seed for a widget's shown order (not predictable from the notebook or the clock)."""
    return secrets.randbelow(2**31)


def shuffled(ids: Iterable[str], seed: int, key: str) -> list[str]:
    """`ids` in the order shown for this seed and this node or question id (stable for the same seed and key)."""
    out = list(ids)
    random.Random(f"{seed}:{key}").shuffle(out)
    return out


def under_voila() -> bool:
    """True inside a kernel started by Voila, or when answers are kept in memory (pathways.config: storage)."""
    if config.current().storage == "memory":
        return True
    return any(name in os.environ for name in ("VOILA_PREHEAT", "VOILA_BASE_URL", "VOILA_KERNEL_ID"))


def now() -> str:
    """A timestamp for the transcript (UTC, seconds)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def read_file(path: Path) -> dict:
    """Read a response file's activities; raise ResponseFileError with a plain reason if unusable."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return {}
    if size > MAX_BYTES:
        raise ResponseFileError(f"{path.name} is too large ({size} bytes) to be a response file")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ResponseFileError(f"{path.name} is damaged and cannot be read ({exc.__class__.__name__})") from None
    if not isinstance(data, dict) or data.get("format") not in FORMATS or not isinstance(data.get("activities"), dict):
        raise ResponseFileError(f"{path.name} is not a Pathways response file")
    return data["activities"]


def read_records(path: Path) -> tuple[dict[str, Record], dict[str, str]]:
    """A response file's valid records and, for each record that does not validate, the reason.

    A damaged or foreign file raises ResponseFileError; one bad record never stops the others loading.
    """
    return _validate(read_file(path))


def _validate(activities: dict) -> tuple[dict[str, Record], dict[str, str]]:
    records, problems = {}, {}
    for activity, raw in activities.items():
        try:
            records[activity] = parse_record(activity, raw)
        except RecordError as exc:
            problems[activity] = str(exc)
    return records, problems


class ResponseStore:
    """The activities of one notebook: disk file (unless memory-only) overlaid by memory."""

    def __init__(self, folder: str | Path | None = None, persist: bool | None = None):
        self.path = Path(folder or os.getcwd()) / FILENAME
        self.persist = (not under_voila()) if persist is None else persist
        self.memory: dict[str, dict] = {}

    def activities(self) -> dict[str, dict]:
        """Every recorded activity; a damaged file raises ResponseFileError."""
        merged = dict(read_file(self.path)) if self.path.exists() else {}
        merged.update(self.memory)
        return merged

    def get(self, activity: str) -> dict | None:
        """One activity's record as stored (a plain dict, not validated), or None if nothing was recorded."""
        return self.activities().get(activity)

    def record(self, activity: str, model: type[R]) -> R | None:
        """One activity's record, validated as `model` (e.g. RolePlayRecord), or None if nothing was recorded.

        Raises RecordError (a ResponseFileError) with a plain reason when the record is not valid or of
        another kind, and ResponseFileError when the file is damaged.
        """
        raw = self.get(activity)
        return None if raw is None else parse_record(activity, raw, model)

    def records(self) -> tuple[dict[str, Record], dict[str, str]]:
        """Every valid record, and the reason for each record that does not validate."""
        return _validate(self.activities())

    def put(self, activity: str, record: dict | Record, persist: bool | None = None) -> None:
        """Save one activity's record, a typed record or a dict (to memory, and to disk when persisting)."""
        record = to_dict(record)
        self.memory[activity] = record
        if self.persist if persist is None else persist:
            try:
                on_disk = read_file(self.path)
            except ResponseFileError:
                on_disk = {}  # a damaged file is replaced by what the learner does now
            on_disk[activity] = record
            self._write(on_disk)

    def _write(self, activities: dict) -> None:
        payload = json.dumps({"format": FORMAT, "activities": activities}, indent=1, ensure_ascii=False)
        write_atomically(self.path, payload)


_STORE: ResponseStore | None = None


def store() -> ResponseStore:
    """The kernel's store for the notebook being run (created on first use)."""
    global _STORE
    if _STORE is None or _STORE.path.parent != Path(os.getcwd()):
        _STORE = ResponseStore()
    return _STORE
