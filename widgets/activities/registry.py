"""The activity kinds, in one registry: each kind declares its parts once, and everyone reads them here.

A kind (role-play, knowledge check, sorting, reflection) is one module or small package of `pathways.activities`
that ends by registering a `Kind`: the record model it keeps in responses.json, its file format (how a file is
recognised, its loader and its `pathways check`), the grader(s) a test cell calls and the model answers a solution
cell calls (with where their arguments are), the view a lesson cell shows, the name of its excusal items, its
`pathways check` rules and its report section. The autograder's front (`pathways.autograde`), the one reader of test
cells (`pathways.activities.testcells`), excusal, `pathways check`, export, the class report and the feedback page
iterate `kinds()` instead of lists of their own; so do `pathways.views` (a kind's view by its name) and the static
site (grading/delivery/site/kinds.py: a lesson cell's call → its kind → the kind's static renderer, kept there
because the kernel-side package never names the grading one).

Nothing here imports the rest of pathways: views are named as "module:function" and imported on first use, so that
the records and graders never import ipywidgets (nbgrader's autograder, the instructor's report) and this module
stays below every kind.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Arg:
    """Where a call's argument is: by keyword `name`, or at `position`; `default` when it is absent."""

    name: str
    position: int | None = None
    default: Any = None


@dataclass(frozen=True)
class Grader:
    """A function an autograder test cell calls, and which of its arguments name what it grades.

    `activity` names the activity (the record in responses.json); `question` a question of it (a kind whose
    excusal items name a question); `file` a file beside the notebook; `key` the answer key a hidden-key
    activity keeps only in the notebook's hidden test.
    """

    name: str
    function: Callable[..., float]
    activity: Arg
    question: Arg | None = None
    file: Arg | None = None
    key: Arg | None = None


@dataclass(frozen=True)
class View:
    """The widget a lesson cell shows: its name, its factory as "module:function" (imported on first use), and
    which arguments name its file, activity and question."""

    name: str
    factory: str
    file: Arg | None = None
    activity: Arg | None = None
    question: Arg | None = None

    def load(self) -> Callable:
        """The factory itself (imports its module: ipywidgets and the views)."""
        return resolve(self.factory)


@dataclass(frozen=True)
class FileFormat:
    """A kind's file beside the notebook: its name in `pathways check` ("checks"), how its top-level fields are
    recognised, its loader, its check (every problem, rules included), its mode in words (None: no modes) and its
    activities with their question ids (None: the file does not name its activity)."""

    name: str
    recognise: Callable[[dict], bool]
    load: Callable[[Path], Any]
    check: Callable[[Path], list]
    mode: Callable[[Path], str | None] | None = None
    activities: Callable[[Path], dict[str, list[str]]] | None = None


@dataclass(frozen=True)
class ReportSection:
    """What the class report and a learner's feedback page show of a kind.

    `label(release, call)`: the name in words of what one grade cell grades ('Sorting: Act, means or purpose?'),
    from the lesson's released folder and the cell's graded call (None for a cell graded by hand). `per_question`:
    the class report charts each question apart (knowledge checks). `section`: the name of the part of the report
    and feedback templates that shows the kind's details ("roleplay": each moment's choices), "" for the plain one
    (points and the label)."""

    label: Callable[[Path, Any], str]
    per_question: bool = False
    section: str = ""


@dataclass(frozen=True)
class Kind:
    """One activity kind, declared once (see the module docstring and widgets/activities/README.md).

    `name`: the kind's id ("checks"); `title`: its name in words ("Knowledge check"); `record`: its record model
    (a `responses.Record` with a `kind` field); `item`: the first part of its excusal items ("check"); `graders`,
    `models`: the functions test and solution cells call; `view`: its widget; `files`: its file formats; `rules`:
    its `pathways check` rules by name; `report`: its report section; `manual`: graded by hand (an nbgrader task
    cell before its view).
    """

    name: str
    title: str
    record: type
    item: str
    graders: tuple[Grader, ...] = ()
    models: tuple[Grader, ...] = ()
    view: View | None = None
    files: tuple[FileFormat, ...] = ()
    rules: dict[str, str] = field(default_factory=dict)
    report: ReportSection | None = None
    manual: bool = False

    @property
    def per_question(self) -> bool:
        """True when the kind's excusal items name a question (`check:<activity>:<question>`)."""
        return any(g.question is not None for g in self.graders)

    @property
    def hidden_key(self) -> bool:
        """True when an activity of this kind may keep its key only in the notebook's hidden tests (its grader
        takes the key as an argument)."""
        return any(g.key is not None for g in self.graders)

    def item_name(self, activity: str, question: str | None = None) -> str:
        """The name of an excusable item of this kind: `<item>:<activity>`, or `<item>:<activity>:<question>`."""
        if self.per_question != (question is not None):
            raise ValueError(f"a {self.item} item names its question" if self.per_question else
                             f"a {self.item} item names no question")
        return f"{self.item}:{activity}" + (f":{question}" if question is not None else "")


_KINDS: dict[str, Kind] = {}


def resolve(name: str) -> Callable:
    """The function named "package.module:function"."""
    module, _, attr = name.partition(":")
    return getattr(importlib.import_module(module), attr)


#: Record kinds that are not an activity's (the learner's excusals, pathways.activities.responses).
RESERVED_RECORDS = frozenset({"excusals"})


def register(kind: Kind) -> Kind:
    """Add a kind (registering a kind again under its own name replaces it); an excusal item, record kind, function
    or view name that another kind has is refused, naming the clash."""
    others = [k for k in _KINDS.values() if k.name != kind.name]
    clashes = [("item", kind.item, {k.item for k in others}),
               ("record kind", record_kind(kind.record), {record_kind(k.record) for k in others} | RESERVED_RECORDS)]
    names = {f.name for k in others for f in (*k.graders, *k.models)} | {k.view.name for k in others if k.view}
    clashes += [("function", f.name, names) for f in (*kind.graders, *kind.models)]
    clashes += [("view", kind.view.name, names)] if kind.view else []
    for what, value, taken in clashes:
        if value in taken:
            raise ValueError(f"another activity kind already has the {what} {value!r}")
    _KINDS[kind.name] = kind
    return kind


def unregister(name: str) -> None:
    """Remove a kind (a test's, or a plug-in's); an unknown name is ignored."""
    _KINDS.pop(name, None)


def kinds() -> tuple[Kind, ...]:
    """Every registered kind, in the order registered."""
    return tuple(_KINDS.values())


def get(name: str) -> Kind:
    """The kind of that name (KeyError naming the known ones)."""
    try:
        return _KINDS[name]
    except KeyError:
        raise KeyError(f"no activity kind {name!r}; known: {', '.join(_KINDS)}") from None


def record_kind(model: type) -> str:
    """The `kind` a record model writes (its `kind` field's default)."""
    return model.model_fields["kind"].default


def records() -> dict[str, type]:
    """Record kind -> record model, for every registered kind."""
    return {record_kind(k.record): k.record for k in _KINDS.values()}


def functions() -> dict[str, Callable]:
    """Every grader and model-answer function by name (what `pathways.autograde` offers notebooks)."""
    return {f.name: f.function for k in _KINDS.values() for f in (*k.graders, *k.models)}


def grader(name: str) -> tuple[Kind, Grader] | None:
    """The kind and grader of a test cell's call by the function's name, or None."""
    return next(((k, g) for k in _KINDS.values() for g in k.graders if g.name == name), None)


def model(name: str) -> tuple[Kind, Grader] | None:
    """The kind and model-answer function of a solution cell's call, or None."""
    return next(((k, m) for k in _KINDS.values() for m in k.models if m.name == name), None)


def view(name: str) -> tuple[Kind, View] | None:
    """The kind and view of a lesson cell's call by the factory's name, or None."""
    return next(((k, k.view) for k in _KINDS.values() if k.view is not None and k.view.name == name), None)


def by_item(item: str) -> Kind | None:
    """The kind of an excusal item's prefix ("check"), or None."""
    return next((k for k in _KINDS.values() if k.item == item), None)


def file_kind(data: dict) -> tuple[Kind, FileFormat] | None:
    """The kind and format of a file's top-level fields, or None."""
    return next(((k, f) for k in _KINDS.values() for f in k.files if f.recognise(data)), None)


def rules() -> dict[str, str]:
    """Every `pathways check` rule of every kind by name (Problem.rule), and what it checks."""
    return {name: text for k in _KINDS.values() for name, text in k.rules.items()}
