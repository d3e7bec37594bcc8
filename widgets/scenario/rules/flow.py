"""Rule: what the conditions ('when') do to the story. Nodes, choices, branches and endings a learner can
never meet, moments with no choice on offer, and loops a learner cannot leave, judged over every situation
(node, variable values) a learner can reach (`pathways.scenario.states`)."""

from __future__ import annotations

from ..model import Scenario
from ..problems import Problem, Report, SourceMap
from ..states import MAX_STATES, State, StateGraph, state_graph


def flow_problems(scenario: Scenario, smap: SourceMap, filename: str) -> list[Problem]:
    """What the conditions do: nodes, choices and endings a learner can never meet, moments with no choice
    on offer, and loops a learner cannot leave."""
    report = Report(smap, filename)
    graph = state_graph(scenario)
    if not graph.complete:
        report.add(("variables",), f"the variables can take too many combinations (over {MAX_STATES}) for the "
                   "conditions to be checked; use fewer variables or smaller steps", "warning")
        return report.problems
    _unmet_problems(scenario, graph, report)
    names = sorted(scenario.variables)
    stuck = _stuck_problems(scenario, graph, names, report)
    _loop_problems(scenario, graph, names, stuck, report)
    return report.problems


def _when(names: list[str], vals: tuple) -> str:
    """', when trust = 1, safety = 0,' (empty without variables), to say which situation is meant."""
    values = ", ".join(f"{n} = {v}" for n, v in zip(names, vals, strict=True))
    return f", when {values}," if values else ""


def _unmet_problems(scenario: Scenario, graph: StateGraph, report: Report) -> None:
    """Nodes never reached, choices never offered, branches never taken."""
    met = graph.nodes()
    offered = {(s[0], ci) for s, moves in graph.states.items() for ci, _bi, _n in moves}
    taken = {(s[0], ci, bi) for s, moves in graph.states.items() for ci, bi, _n in moves if bi is not None}
    for nid, node in scenario.nodes.items():
        if nid not in met:
            what = "ending" if node.ending else "node"
            report.add(("nodes", nid), f"{what} {nid!r} can never be reached: the conditions ('when') on the way "
                       "to it never hold; change a condition or the amounts that choices 'set'")
            continue
        for ci, choice in enumerate(node.choices):
            if (nid, ci) not in offered:
                report.add(("nodes", nid, "choices", ci, "when"), f"choice {choice.id!r} is never offered: its "
                           f"condition {choice.when!r} never holds when the learner is at {nid!r}; change or "
                           "remove the condition")
            elif isinstance(choice.next, list):
                for bi, branch in enumerate(choice.next):
                    if (nid, ci, bi) not in taken and branch.goto in scenario.nodes:
                        report.add(("nodes", nid, "choices", ci, "next", bi), f"choice {choice.id!r}: the branch "
                                   f"to {branch.goto!r} is never taken (an earlier branch always applies, or its "
                                   "condition never holds)", "warning")


def _stuck_problems(scenario: Scenario, graph: StateGraph, names: list[str], report: Report) -> set[str]:
    """Moments where no choice is on offer; returns the nodes reported."""
    stuck: set[str] = set()
    for (nid, vals), moves in graph.states.items():
        if not moves and not scenario.nodes[nid].ending and nid not in stuck:
            stuck.add(nid)
            report.add(("nodes", nid), f"at node {nid!r}{_when(names, vals)} no choice is offered (every choice "
                       "has a 'when' that does not hold): the learner is stuck; add a choice without 'when'")
    return stuck


def _back_closure(seeds: set[State], reverse: dict[State, set[State]],
                  stop: set[State] | frozenset[State] = frozenset()) -> set[State]:
    """`seeds` and every state that leads to one of them, not passing through `stop`."""
    found, todo = set(seeds), list(seeds)
    while todo:
        for prev in reverse.get(todo.pop(), ()):
            if prev not in found and prev not in stop:
                found.add(prev)
                todo.append(prev)
    return found


def _loop_problems(scenario: Scenario, graph: StateGraph, names: list[str], stuck: set[str],
                   report: Report) -> None:
    """States from which no ending can be reached: a loop with no way out once the variables are counted."""
    reverse: dict[State, set[State]] = {s: set() for s in graph.states}
    for state, moves in graph.states.items():
        for _ci, _bi, nxt in moves:
            reverse.setdefault(nxt, set()).add(state)
    good = _back_closure({s for s in graph.states if scenario.nodes[s[0]].ending}, reverse)
    # States that lead only to a moment with no choice are already explained by that moment.
    dead_ends = {s for s, moves in graph.states.items() if not moves and not scenario.nodes[s[0]].ending}
    doomed = _back_closure(dead_ends, reverse, stop=good)
    for state in graph.states:
        nid, vals = state
        if state not in good and state not in doomed and nid not in stuck:
            stuck.add(nid)
            report.add(("nodes", nid), f"from node {nid!r}{_when(names, vals)} no ending can be reached: the "
                       "learner would go round a loop for ever; let a choice lead out without a condition that "
                       "cannot hold")
