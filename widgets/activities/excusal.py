"""Skipping for wellbeing: a learner may leave any graded item out, before or after trying it, at no cost.

An excused item leaves both the points earned and the maximum (see `grading/GRADING.md`). The excusals
live in one record of the response store, under the reserved activity name `wellbeing`:

    {"kind": "excusals", "items": {"roleplay:er-visit": "2025-01-01T10:00:00+00:00", ...}}

Item names: `<item>:<activity>`, or `<item>:<activity>:<question>` for a kind whose items name a question, where
`<item>` is what each activity kind declares (pathways.activities.registry): `roleplay:<activity>`,
`check:<activity>:<qid>`, `sorting:<activity>`, `reflection:<activity>`. Un-excusing removes the item. Like every
answer, an excusal is saved beside the notebook in JupyterLab (so `nbgrader submit` carries it) and kept in memory
only under Voila. No reason is ever asked or stored.

A damaged record or response file counts as "nothing excused" (never an error): the learner is asked
nothing more, and the grader grades as usual; the instructor's report flags an unreadable file.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..files import RESPONSES_FILE
from . import registry, responses
from .responses import ExcusalsRecord, RecordError, ResponseFileError, ResponseStore, now, read_file, store

#: The reserved activity name of the excusals record.
ACTIVITY = "wellbeing"
KIND = "excusals"


def item_kinds() -> tuple[str, ...]:
    """The kinds of item that can be excused (the first part of an item name): every registered kind's."""
    return tuple(k.item for k in registry.kinds())


def item_name(kind: str, activity: str, question: str | None = None) -> str:
    """The name of an excusable item: `roleplay:<activity>`, `check:<activity>:<qid>`, ..."""
    found = registry.by_item(kind)
    if found is None:
        raise ValueError(f"{kind!r} is not an excusable kind ({', '.join(item_kinds())})")
    return found.item_name(activity, question)


def valid_item(item: object) -> bool:
    """True for a well-formed item name."""
    if not isinstance(item, str):
        return False
    parts = item.split(":")
    kind = registry.by_item(parts[0])
    return kind is not None and len(parts) == (3 if kind.per_question else 2) and all(parts[1:])


def parse_record(record: object) -> dict[str, str] | None:
    """The excused items of a `wellbeing` record ({item: iso time}); None if the record is not a valid one.

    The record is read through its typed model, `pathways.activities.responses.ExcusalsRecord`; a record that does not
    validate, has no `items`, or names an item that is not an excusable one, is not valid.
    """
    if record is None:
        return {}
    try:
        return _items(responses.parse_record(ACTIVITY, record, ExcusalsRecord))
    except RecordError:
        return None


def _items(excusals: ExcusalsRecord) -> dict[str, str] | None:
    """The items of a typed excusals record; None if it has none written or names an item not excusable."""
    if "items" not in excusals.model_fields_set or not all(valid_item(k) for k in excusals.items):
        return None
    return dict(excusals.items)


def _read(st: ResponseStore) -> dict[str, str]:
    try:
        record = st.record(ACTIVITY, ExcusalsRecord)
    except ResponseFileError:  # a damaged file, or a record that is not a valid excusals record (RecordError)
        return {}
    return (_items(record) if record is not None else None) or {}


def excused_items(st: ResponseStore | None = None) -> dict[str, str]:
    """Every excused item of the notebook being run, with when it was excused (empty if none or unreadable)."""
    return _read(st or store())


def is_excused(item: str, st: ResponseStore | None = None) -> bool:
    """True if the learner skipped this item for their wellbeing."""
    return item in excused_items(st)


def _save(items: dict[str, str], st: ResponseStore) -> None:
    st.put(ACTIVITY, ExcusalsRecord(items=dict(sorted(items.items()))))


def excuse(item: str | Iterable[str], st: ResponseStore | None = None) -> None:
    """Skip an item (or several at once) for wellbeing; an item already skipped keeps its first time."""
    st = st or store()
    names = [item] if isinstance(item, str) else list(item)
    bad = [n for n in names if not valid_item(n)]
    if bad:
        raise ValueError(f"not an item name: {', '.join(map(repr, bad))}")
    items = _read(st)
    at = now()
    changed = False
    for name in names:
        if name not in items:
            items[name] = at
            changed = True
    if changed:
        _save(items, st)


def unexcuse(item: str | Iterable[str], st: ResponseStore | None = None) -> None:
    """Come back to a skipped item (or several): it counts again."""
    st = st or store()
    names = [item] if isinstance(item, str) else list(item)
    items = _read(st)
    if any(n in items for n in names):
        for name in names:
            items.pop(name, None)
        _save(items, st)


def excusals_in_file(path: str | Path) -> tuple[dict[str, str], str | None]:
    """The excused items of a submitted `responses.json` (for the grader's totals), and a problem if the file
    or its `wellbeing` record cannot be read (then nothing counts as excused). A missing file has no problem."""
    path = Path(path)
    if path.is_dir():
        path = path / RESPONSES_FILE
    try:
        activities = read_file(path)
    except ResponseFileError as exc:
        return {}, str(exc)
    except OSError as exc:
        return {}, f"{path.name} cannot be read ({exc.__class__.__name__})"
    items = parse_record(activities.get(ACTIVITY))
    if items is None:
        return {}, f"the '{ACTIVITY}' record of {path.name} is damaged"
    return items, None
