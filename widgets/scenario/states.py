"""The state graph of a scenario: every situation (node, variable values) a learner can reach.

The conditions rule (`rules/flow.py`) reads it to find what a learner can never meet. Conditions are
decided by `pathways.scenario.conditions`, exactly as the engine decides them during a walk.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from .conditions import holds, parse_condition
from .model import Choice, Scenario, conditions_of

#: Above this many (node, variables) states the condition checks give up with a warning.
MAX_STATES = 100_000

#: A state: (node id, the variables' values in the order of their sorted names).
State = tuple[str, tuple[int, ...]]


@dataclass
class StateGraph:
    """Every situation (node, variable values) a learner can reach, and where each choice leads from it.

    Variable values are clamped to a window around the numbers the conditions compare them with,
    which keeps the graph finite; for a variable that only ever goes up (or only down) this is exact.
    """

    states: dict[State, list[tuple[int, int | None, State]]]  # state -> [(choice index, branch index, next)]
    complete: bool

    def nodes(self) -> set[str]:
        """Nodes met in some reachable state."""
        return {s[0] for s in self.states}


def _windows(scenario: Scenario) -> dict[str, tuple[int, int]]:
    """For each variable, the range of values that can change what a learner meets."""
    names = sorted(scenario.variables)
    consts: dict[str, list[int]] = {v: [] for v in names}
    ups = {v: 0 for v in names}
    downs = {v: 0 for v in names}
    for node in scenario.nodes.values():
        for choice in node.choices:
            for cond in conditions_of(choice):
                parsed = parse_condition(cond)
                consts.setdefault(parsed.variable, []).append(parsed.value)
            for var, delta in choice.set.items():
                if delta > 0:
                    ups[var] = ups.get(var, 0) + delta
                else:
                    downs[var] = downs.get(var, 0) - delta
    window = {}
    for v in names:
        if consts[v]:
            window[v] = (min(consts[v]) - 1 - ups[v], max(consts[v]) + 1 + downs[v])
        else:
            window[v] = (0, 0)  # never tested: its value cannot change what the learner meets
    return window


def _move(choice: Choice, values: dict[str, int]) -> tuple[int | None, str, dict[str, int]]:
    """Where a choice leads from these values: (branch index or None, destination, the values after it)."""
    after = dict(values)
    for var, delta in choice.set.items():
        after[var] = after.get(var, 0) + delta
    if isinstance(choice.next, str):
        return None, choice.next, after
    bi, dest = next((i, b.goto) for i, b in enumerate(choice.next) if holds(b.when, after))
    return bi, dest, after


def state_graph(scenario: Scenario) -> StateGraph:
    """Explore every (node, variables) state reachable from the start (see StateGraph)."""
    names = sorted(scenario.variables)
    window = _windows(scenario)

    def clamp(values: dict[str, int]) -> tuple[int, ...]:
        return tuple(min(max(values.get(v, 0), window[v][0]), window[v][1]) for v in names)

    states: dict[State, list] = {}
    todo = deque([(scenario.start, clamp(scenario.variables))])
    while todo:
        state = todo.popleft()
        if state in states:
            continue
        if len(states) >= MAX_STATES:
            return StateGraph(states, False)
        nid, vals = state
        values = dict(zip(names, vals, strict=True))
        moves = []
        for ci, choice in enumerate(scenario.nodes[nid].choices):
            if holds(choice.when, values):
                bi, dest, after = _move(choice, values)
                moves.append((ci, bi, (dest, clamp(after))))
                todo.append((dest, clamp(after)))
        states[state] = moves
    return StateGraph(states, True)
