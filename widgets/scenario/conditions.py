"""Conditions such as 'trust >= 2': the one parser and evaluator.

The model validates a condition's form with `check_condition`; the engine (a learner's walk) and the state
graph (`pathways check`) decide with `holds` whether one is met. Nothing else reads a condition's text.
"""

from __future__ import annotations

import operator
import re
from functools import cache
from typing import NamedTuple

#: A condition: a variable name, a comparison and a whole number ('trust >= 2', 'risk < 0').
CONDITION = re.compile(r"^\s*([a-z][a-z0-9_]*)\s*(>=|<=|==|!=|>|<)\s*(-?\d+)\s*$")

_OPS = {">=": operator.ge, "<=": operator.le, "==": operator.eq, "!=": operator.ne, ">": operator.gt,
        "<": operator.lt}


class Condition(NamedTuple):
    """A parsed condition: `variable op value`."""

    variable: str
    op: str
    value: int

    def holds(self, values: dict[str, int]) -> bool:
        """True when the condition holds for these variable values (a variable not given counts as 0)."""
        return _OPS[self.op](values.get(self.variable, 0), self.value)


def check_condition(value: str | None) -> str | None:
    """The condition unchanged if it is well formed (or None); else ValueError in an author's words."""
    if value is not None and not CONDITION.match(value):
        raise ValueError(
            f"condition {value!r} is not of the form 'name >= number' (operators: >=, <=, ==, !=, >, <)"
        )
    return value


@cache
def parse_condition(text: str) -> Condition:
    """Parse a condition; raise ValueError if it is not of the form 'name >= number'."""
    match = CONDITION.match(check_condition(text))
    name, op, value = match.groups()
    return Condition(name, op, int(value))


def holds(condition: str | None, values: dict[str, int]) -> bool:
    """True when the condition ('trust >= 2') holds for these variable values; no condition always holds."""
    return condition is None or parse_condition(condition).holds(values)


def variable_of(text: object) -> str | None:
    """The variable a condition tests, or None when `text` is not a well-formed condition (raw, unchecked data)."""
    match = CONDITION.match(text) if isinstance(text, str) else None
    return match.group(1) if match else None
