"""The calls in a notebook cell's source, read with `ast` and never run: the one reader of lesson and test cells.

A lesson's test cells grade with the graders the activity kinds declare (`check_points(...)`,
`roleplay_points(...)`, `sorting_points(...)`; hidden tests included), its solution cells call their model
answers and its other cells their views (`knowledge_check(...)`). This module is the one place that learns
those names, from the registry (`pathways.activities.registry`), and reads their arguments: the authoring checks
(answer keys, the files and questions a cell names), excusal's totals, the class report, the feedback page and the
dashboards' build all read cells here, so an argument given by keyword or by position is found the same way
everywhere.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from pathlib import Path

from . import registry
from .registry import Kind


def calls_in(source: str) -> list[ast.Call]:
    """Every function call in a cell's source; none if it does not parse. IPython lines (`%magic`, `!shell`)
    are left out first: they are not Python."""
    lines = [ln for ln in (source or "").splitlines() if not ln.lstrip().startswith(("%", "!"))]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return []
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call)]


def call_name(call: ast.Call) -> str:
    """The called function's name (`f(...)` or `module.f(...)`)."""
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""


def call_arg(call: ast.Call, name: str, pos: int | None = None, default=None):
    """A literal argument of a call, by keyword or position (`default` if absent; None if not a literal)."""

    def const(node):
        try:
            return ast.literal_eval(node)
        except (ValueError, SyntaxError, TypeError):
            return None

    for kw in call.keywords:
        if kw.arg == name:
            return const(kw.value)
    if pos is not None and len(call.args) > pos:
        return const(call.args[pos])
    return default


@dataclass(frozen=True)
class Call:
    """A call of a registered kind's function in a cell: a grader (`check_points`), a model answer
    (`model_checks`) or a view (`knowledge_check`), with its literal arguments (None when absent or not
    literal)."""

    kind: Kind
    name: str
    activity: str | None = None
    question: str | None = None
    file: str | None = None
    key: object = None
    node: ast.Call | None = None

    @property
    def item(self) -> str | None:
        """The excusal item it grades (`check:<activity>:<question>`), or None when its arguments are not plain."""
        if not isinstance(self.activity, str) or (self.kind.per_question and not isinstance(self.question, str)):
            return None
        return self.kind.item_name(self.activity, self.question if self.kind.per_question else None)


def _read(kind: Kind, spec, call: ast.Call) -> Call:
    def arg(where):
        return call_arg(call, where.name, where.position, where.default) if where is not None else None

    return Call(kind, spec.name, arg(spec.activity), arg(getattr(spec, "question", None)), arg(spec.file),
                arg(getattr(spec, "key", None)), call)


def graded_calls(source: str) -> list[Call]:
    """Every grader call of a test cell (hidden tests included), found by the registry's grader names."""
    return [_read(*found, call) for call in calls_in(source) if (found := registry.grader(call_name(call)))]


def model_calls(source: str) -> list[Call]:
    """Every model-answer call of a solution cell."""
    return [_read(*found, call) for call in calls_in(source) if (found := registry.model(call_name(call)))]


def view_calls(source: str) -> list[Call]:
    """Every view call of a lesson cell (`roleplay("er_visit.yaml")`, `knowledge_check("checks.yaml", "q1")`)."""
    return [_read(*found, call) for call in calls_in(source) if (found := registry.view(call_name(call)))]


def notebook_sources(notebook: str | Path) -> list[str]:
    """The sources of a notebook's code cells ([] when it cannot be read)."""
    try:
        nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return []
    out = []
    for cell in nb.get("cells", []) if isinstance(nb, dict) else []:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = cell.get("source")
            out.append("".join(source) if isinstance(source, list) else str(source or ""))
    return out


def hidden_keys(notebook: str | Path, kind: str, activity: str) -> list[Call]:
    """The grader calls of one activity of a kind in a notebook (its hidden tests included): where a hidden-key
    activity keeps its key (`Call.key`)."""
    return [c for source in notebook_sources(notebook) for c in graded_calls(source)
            if c.kind.name == kind and c.activity == activity]


def solution_names() -> tuple[str, ...]:
    """The names of every grader and model answer: text that never reaches a learner's or visitor's copy."""
    return tuple(registry.functions())
