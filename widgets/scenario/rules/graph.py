"""Rule: the shape of the story, which a schema cannot express. Every choice leads to a node that exists,
variables are declared, every node can be reached from the start, and some ending can be reached from
every node.

The rule reads plain data, so it also runs on a file whose schema check failed: parts that are
malformed are skipped (the schema check reports them), and reachability is only judged when every
choice's destination could be read.
"""

from __future__ import annotations

from typing import Any

from ..conditions import variable_of
from ..model import Scenario
from ..problems import Problem, Report, SourceMap


def graph_problems(scenario: Scenario, smap: SourceMap, filename: str) -> list[Problem]:
    """The rules a schema cannot express: targets exist, nodes are reachable, the story ends."""
    return structure_problems(scenario.model_dump(), smap, filename)


def structure_problems(data: dict, smap: SourceMap, filename: str) -> list[Problem]:
    """The graph rules over plain data (a scenario whose schema may have failed)."""
    report = Report(smap, filename)
    nodes = _mapping(data, "nodes")
    variables = _mapping(data, "variables")
    for var in _mapping(data, "good_direction"):
        if var not in variables:
            report.add(("good_direction", var), f"'good_direction' names variable {var!r}, which is not "
                       "declared under 'variables'")
    complete = bool(nodes)
    start = data.get("start")
    if isinstance(start, str) and nodes and start not in nodes:
        report.add(("start",), f"the start node {start!r} does not exist; add it under 'nodes' or fix the name")
        complete = False
    edges: dict[str, list[str]] = {}
    for nid, node in nodes.items():
        edges[nid] = []
        complete = _node_problems(nid, node, nodes, variables, report, edges[nid]) and complete
    if report.problems or not complete or not isinstance(start, str):
        return report.problems
    _reach_problems(nodes, edges, start, report)
    return report.problems


def _mapping(data: dict, key: str) -> dict:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _node_problems(nid: str, node: Any, nodes: dict, variables: dict, report: Report, edges: list[str]) -> bool:
    """Check one node and collect its edges; False when some destination could not be read."""
    if not isinstance(node, dict):
        return False
    choices = node.get("choices") or []
    if not isinstance(choices, list):
        return False
    if node.get("ending") and choices:
        report.add(("nodes", nid), f"node {nid!r} is an ending but also has choices; remove one of the two")
    if not node.get("ending") and not choices and "text" in node:
        report.add(("nodes", nid), f"node {nid!r} has no choices and is not an ending: the story stops here; "
                   "add choices or an 'ending:'")
    ids = [c.get("id") for c in choices if isinstance(c, dict)]
    for dup in sorted({i for i in ids if isinstance(i, str) and ids.count(i) > 1}):
        report.add(("nodes", nid, "choices"), f"two choices at node {nid!r} share the id {dup!r}; give each "
                   "its own id")
    complete = True
    for ci, choice in enumerate(choices):
        complete = _choice_problems(("nodes", nid, "choices", ci), choice, nodes, variables, report,
                                    edges) and complete
    return complete


def _choice_problems(at: tuple, choice: Any, nodes: dict, variables: dict, report: Report,
                     edges: list[str]) -> bool:
    """Check one choice and add its destinations to `edges`; False when they could not be read."""
    if not isinstance(choice, dict):
        return False
    cid = choice.get("id")
    for var in _raw_condition_vars(choice):
        if var not in variables:
            report.add(at, f"choice {cid!r} uses variable {var!r}, which is not declared under 'variables'")
    changes = choice.get("set") if isinstance(choice.get("set"), dict) else {}
    for var in changes:
        if var not in variables:
            report.add((*at, "set"), f"choice {cid!r} changes variable {var!r}, which is not declared under "
                       "'variables'")
    dests = _raw_targets(choice.get("next"))
    if dests is None:
        return False
    for target in dests:
        edges.append(target)
        if target not in nodes:
            report.add((*at, "next"), f"choice {cid!r} leads to {target!r}, which is not a node; fix the name "
                       "or add the node")
    nxt = choice.get("next")
    if isinstance(nxt, list) and nxt and isinstance(nxt[-1], dict) and nxt[-1].get("when") is not None:
        report.add((*at, "next"), f"choice {cid!r}: the last branch of 'next' must have no 'when', "
                   "so that some branch always applies")
    return True


def _reach_problems(nodes: dict, edges: dict[str, list[str]], start: str, report: Report) -> None:
    """Nodes never reached from the start, a story with no ending, nodes from which no ending is reached."""
    reachable = _reach(edges, start)
    for nid in nodes:
        if nid not in reachable:
            report.add(("nodes", nid), f"node {nid!r} can never be reached from the start; link a choice to it "
                       "or remove it")
    endings = {nid for nid, n in nodes.items() if isinstance(n, dict) and n.get("ending")}
    if not endings:
        report.add(("nodes",), "the scenario has no ending; mark at least one node with 'ending:'")
    for nid in nodes:
        if nid in reachable and endings and not (_reach(edges, nid) & endings):
            report.add(("nodes", nid), f"from node {nid!r} no ending can be reached: the learner would be stuck "
                       "in a loop; give one of its choices a way out towards an ending")


def _raw_targets(nxt: Any) -> list[str] | None:
    """The destinations of a choice's `next` in plain data, or None if it cannot be read."""
    if isinstance(nxt, str):
        return [nxt]
    if isinstance(nxt, list) and nxt and all(isinstance(b, dict) and isinstance(b.get("goto"), str) for b in nxt):
        return [b["goto"] for b in nxt]
    return None


def _raw_condition_vars(choice: dict) -> list[str]:
    """The variables a choice's well-formed conditions test (its own 'when' and its branches')."""
    nxt = choice.get("next")
    conds = [choice.get("when")] + ([b.get("when") for b in nxt if isinstance(b, dict)] if isinstance(nxt, list)
                                    else [])
    return [name for c in conds if (name := variable_of(c))]


def _reach(edges: dict[str, list[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        nid = todo.pop()
        if nid in seen or nid not in edges:
            continue
        seen.add(nid)
        todo.extend(edges[nid])
    return seen
