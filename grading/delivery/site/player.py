"""A role-play as a transition table: the Python engine decides everything at build time, the page only walks it.

`table(scenario)` enumerates every state a learner can reach with `pathways.scenario.engine` (the one engine the
widget, the autograder and the class report use) and writes, for each state, what the page shows there: the
options offered (by id), the ending, the score kept so far under the scoring rule, what the choices earned,
why the score is limited and the ceiling, and where each option leads. The page's player (static/player.js)
looks these up and holds no rule of its own: no condition, no score, no ceiling. What it does itself is
only to keep the list of steps taken, from which it lists the principles honoured and the missteps at the end
(in the order taken, as `engine.summarize` does); the parity test (tests/site/test_parity.py) walks every path
through both and compares what a learner sees and what is scored.

A state is (node, variables, the (node, choice) pairs taken so far, missteps taken, at most 4): the score of a
walk depends on exactly these (each pair counts once; four missteps or more keep nothing). A variable that a
loop can raise without end is clamped to the window in which conditions can tell its values apart
(`states._windows`, exact for a variable that only rises or only falls); the page adds each choice's `set` to its
own copy of the variables, so the values it shows stay exact. A scenario whose variable both rises and falls
and would need clamping is refused with a clear message rather than approximated.
"""

from __future__ import annotations

import html

from pathways.i18n import ui
from pathways.principles import principles
from pathways.scenario import Scenario, engine
from pathways.scenario.states import _windows
from pathways.views.common import esc
from pathways.views.roleplay import feedback_html

#: Refuse scenarios with more reachable states than this (a page would carry too much).
MAX_STATES = 20_000
#: Missteps beyond this many change nothing about a score (each takes a quarter of the best score).
MISSTEP_CAP = 4


class TooLarge(ValueError):
    """A scenario the static player cannot carry exactly."""


def _key(walk: engine.Walk, window: dict[str, tuple[int, int]], moving: set[str]) -> tuple:
    values = []
    for name in sorted(walk.variables):
        value = walk.variables[name]
        lo, hi = window.get(name, (value, value))
        clamped = min(max(value, lo), hi) if name in window else value
        if clamped != value and name in moving:
            raise TooLarge(f"scenario {walk.scenario.id!r}: variable {name!r} both rises and falls in a loop, so "
                           "the static site cannot list its states exactly; play it in JupyterLab or a dashboard")
        values.append((name, clamped))
    taken = tuple(sorted({(s.node, s.choice) for s in walk.steps}))
    return walk.node, tuple(values), taken, min(walk.missteps, MISSTEP_CAP)


def _moving(scenario: Scenario) -> set[str]:
    """Variables that some choice raises and some choice lowers."""
    ups, downs = set(), set()
    for node in scenario.nodes.values():
        for choice in node.choices:
            for name, delta in choice.set.items():
                (ups if delta > 0 else downs).add(name)
    return ups & downs


def _said(scenario: Scenario, node_id: str) -> str:
    """What the page shows of a node (the widget's `_said_html`)."""
    node = scenario.nodes[node_id]
    speaker = f"<strong>{_escape(node.speaker)}:</strong> " if node.speaker else ""
    return f'<div class="pw-said">{speaker}{esc(node.text)}</div>'


def _escape(text: str) -> str:
    return html.escape(text)


def _choices(scenario: Scenario, lang: str | None) -> dict[str, dict]:
    """Every choice's words, keyed 'node/choice': button text, feedback HTML and what the summary lists."""
    reg = principles(lang)
    out = {}
    for nid, node in scenario.nodes.items():
        for choice in node.choices:
            fb = choice.feedback
            name = reg[fb.principle].name
            out[f"{nid}/{choice.id}"] = {
                "text": choice.text, "feedback": feedback_html(choice, lang), "set": dict(choice.set),
                "honours": fb.honours, "principle": name,
                "misstep": (f"<li>&ldquo;{_escape(choice.text)}&rdquo; {ui('works_against', lang)} "
                            f"<em>{_escape(name)}</em>: {_escape(fb.why)}</li>"),
                "review": choice.review or ""}
    return out


def table(scenario: Scenario, lang: str | None = None) -> dict:
    """The scenario as the page's player reads it (see the module docstring)."""
    window, moving = _windows(scenario), _moving(scenario)
    best = engine.best_score(scenario)
    start = engine.Walk(scenario)
    ids: dict[tuple, int] = {_key(start, window, moving): 0}
    walks = [start]
    states: list[dict] = []
    i = 0
    while i < len(walks):
        walk = walks[i]
        moves = []
        for choice in walk.options():
            after = walk.copy()
            after.choose(choice.id)
            key = _key(after, window, moving)
            if key not in ids:
                if len(ids) >= MAX_STATES:
                    raise TooLarge(f"scenario {scenario.id!r} has more than {MAX_STATES} states")
                ids[key] = len(walks)
                walks.append(after)
            moves.append([choice.id, ids[key]])
        ceiling, _why = engine.ceiling(best, walk.missteps, walk.outcome)
        ending = scenario.nodes[walk.node].ending
        states.append({"node": walk.node, "moves": moves, "score": walk.score, "earned": walk.earned,
                       "limit": walk.limit or "", "ceiling": ceiling,
                       "ending": None if ending is None else {"outcome": ending.outcome, "title": ending.title}})
        i += 1
    return {"id": scenario.id, "version": scenario.version, "best": best, "variables": dict(scenario.variables),
            "nodes": {nid: _said(scenario, nid) for nid in scenario.nodes},
            "choices": _choices(scenario, lang), "states": states}
