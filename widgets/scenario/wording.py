"""Pydantic's validation errors in words an author who does not program can act on, located in the file."""

from __future__ import annotations

from pydantic import ValidationError

from .model import ID_PATTERN
from .problems import Problem, SourceMap, dotted

_PLAIN_MESSAGES = {
    "missing": "this field is required but missing",
    "extra_forbidden": "this field is not part of the scenario format (check its spelling)",
}

_TYPE_MESSAGES = {
    "int_parsing": "this must be a whole number, such as 2",
    "int_type": "this must be a whole number, such as 2",
    "int_from_float": "this must be a whole number, such as 2",
    "bool_parsing": "this must be true or false",
    "bool_type": "this must be true or false",
    "string_type": "this must be text; put it in double quotes",
    "string_too_short": "this text is empty; write something here",
    "dict_type": "this must be a block of 'name: value' lines",
    "model_type": "this must be a block of 'field: value' lines",
    "list_type": "this must be a list, one item per line starting with '- '",
    "too_short": "this list is empty; add at least one entry",
}

#: What to write instead, for a missing field whose absence is a fault of its own.
_MISSING_FIX = {
    "feedback": "this choice has no feedback: add 'feedback:' with reaction, principle, honours and why "
                "(every choice needs feedback)",
}
_NEXT_HELP = ("'next' must be the name of a node, or a list of branches such as "
              "'- {when: \"trust >= 1\", goto: node-name}'")
#: The names pydantic gives the members of a union, which it adds to an error's location.
_UNION_MEMBERS = ("constrained-str", "str", "list[Branch]")


def friendly(error: dict) -> str:
    """One pydantic error (an item of `ValidationError.errors()`) in plain words."""
    kind = error["type"]
    if kind in _PLAIN_MESSAGES:
        return _PLAIN_MESSAGES[kind]
    if kind in _TYPE_MESSAGES:
        return _TYPE_MESSAGES[kind]
    ctx = error.get("ctx") or {}
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == ID_PATTERN:
        return (f"{error.get('input')!r} is not a valid name: use only lowercase letters, digits, '-' and '_', "
                "starting with a letter or digit (for example 'front-desk')")
    if kind == "string_too_long":
        return f"this is too long: at most {ctx.get('max_length')} characters"
    if kind in ("less_than_equal", "greater_than_equal"):
        bound = "at most" if kind == "less_than_equal" else "at least"
        return f"this must be {bound} {ctx.get('le', ctx.get('ge'))}"
    if kind == "literal_error":
        return f"this must be one of {ctx.get('expected')}"
    msg = error["msg"]
    return msg.removeprefix("Value error, ")


def clean_loc(loc: tuple) -> tuple:
    """An error's location as a path into the file: pydantic adds the union member name ('str',
    'list[Branch]') to the location of union errors."""
    return tuple(p for p in loc if not (isinstance(p, str) and ("[" in p or p in {"str", "function-after",
                                                                                  "constrained-str"})))


def _next_message(loc: tuple, errors: list[tuple[dict, tuple]]) -> str | None:
    """The one message for a bad `next` (a name or a list of branches: pydantic reports one error per
    alternative), or None when a branch inside the list has its own, more precise, error."""
    if any(len(other) > len(loc) and other[:len(loc)] == loc for _, other in errors):
        return None
    pattern = [e for e, other in errors if other == loc and e["type"] == "string_pattern_mismatch"]
    return friendly(pattern[0]) if pattern else _NEXT_HELP


def _message(err: dict, loc: tuple, errors: list[tuple[dict, tuple]]) -> tuple[str | None, tuple]:
    """The message for one error and the key that makes it unique (a None message: say nothing)."""
    raw = err["loc"]
    union_member = len(raw) > len(loc) and raw[-1] in _UNION_MEMBERS
    if union_member and loc and loc[-1] == "next":
        return _next_message(loc, errors), (loc, "next")
    if err["type"] == "missing" and loc and loc[-1] in _MISSING_FIX:
        return _MISSING_FIX[loc[-1]], (loc, "missing")
    if err["type"] == "model_type" and loc and loc[-1] == "feedback" and err.get("input") is None:
        return _MISSING_FIX["feedback"], (loc, "missing")
    return friendly(err), (loc, err["type"])


def schema_problems(exc: ValidationError, smap: SourceMap, filename: str) -> list[Problem]:
    """Turn a scenario's pydantic errors into located, plain problems (one per place and kind)."""
    errors = [(e, clean_loc(e["loc"])) for e in exc.errors()]
    problems, seen = [], set()
    for err, loc in errors:
        message, key = _message(err, loc, errors)
        if message is None or key in seen:
            continue
        seen.add(key)
        problems.append(Problem(filename, smap.line(loc), dotted(loc), message))
    return problems


def model_problems(exc: ValidationError, smap: SourceMap, filename: str) -> list[Problem]:
    """Any other file's pydantic errors (knowledge checks, sorting exercises), one problem per error."""
    return [Problem(filename, smap.line(clean_loc(e["loc"])), dotted(clean_loc(e["loc"])), friendly(e))
            for e in exc.errors()]
