"""The calls in a notebook cell's source, read with `ast` and never run: one reader of autograder test cells.

A lesson's test cells grade with `check_points(...)`, `roleplay_points(...)` and `sorting_points(...)` (hidden
tests included); the authoring checks read the answer keys from them (`assessment.notebook_keys`) and the
instructor's tools what each grade cell grades (`pathways.grading.instructor.gradebook`). Both read them here,
so an argument given by keyword or by position is found the same way everywhere.
"""

from __future__ import annotations

import ast


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
