"""Assessment rules of a role-play: no answer by shape, scores that follow consequences (`pathways check`).

Every rule gives a warning (the activity still works), located at a file and line, with a fix. They run
after the other rules, on a scenario that has no error, and score its walks with the engine. The rules of
knowledge-check files are in `pathways.activities.checks.rules`; every kind names its rules in its registration
(`pathways.activities.registry.rules()` gives them all); lessons/AUTHORING.md ("Assessment rules") explains
each to authors.

* `position_problems`: the best choice is listed first in the file, or is strictly the longest, at
  more than 40% of a scenario's decision points (moments with two or more choices; only judged from
  MIN_DECISIONS of them).
* `scoring_misstep_problems`: a misstep (`honours: false`) with a score above 0.
* `ending_problems`: a concerning ending that a path reaches with more than half of the best score
  earned by its choices; a hopeful ending reachable with two or more missteps.
* `misstep_problems`: a path with more missteps that keeps as much as every path with fewer (the scoring rule
  lowers what a path keeps for each misstep; this warns when a file's points undo it, e.g. a misstep leading to
  a moment that pays more than it cost).
* `direction_problems`: a choice that moves a variable against what its feedback says (a choice that
  honours a principle moving a variable the wrong way, or a misstep moving it the good way). The good
  way is declared under `good_direction:`, or, when not declared, is the way every choice that honours
  a principle moves it (at least two of them, all the same way).
* `last_decision_problems`: a decision whose choices all lead straight to the same ending.

`scenario_figures` gives the same measures as figures, for authors and the closing notes of a release.
"""

from __future__ import annotations

from typing import Literal

from .. import engine
from ..model import Choice, Scenario, targets
from ..problems import Problem, Report, SourceMap

#: Above this share of decision points (or questions), position or length gives the answer away.
MAX_SHARE = 0.40
#: Shares are only judged over at least this many decision points (or one-answer questions).
MIN_DECISIONS = 3


def _earns(choice: Choice) -> int:
    """What a choice earns under the scoring rule (a misstep earns nothing)."""
    return choice.score if choice.feedback.honours else 0


def percent(n: int, total: int, what: str) -> str:
    """'n of total what (p%, more than 40%)': a share that gives the answer away, in words."""
    return f"{n} of {total} {what} ({round(100 * n / total)}%, more than {round(100 * MAX_SHARE)}%)"


class _Warnings(Report):
    """Collects one assessment rule's warnings for one scenario file."""

    def add(self, path: tuple, message: str, severity: Literal["error", "warning"] = "warning") -> None:
        super().add(path, message, severity)


def position_problems(scenario: Scenario, smap: SourceMap, filename: str) -> list[Problem]:
    """The best choice first in the file, or strictly the longest, at more than 40% of the decision points."""
    report = _Warnings(smap, filename, "position")
    decisions = [(nid, node.choices) for nid, node in scenario.nodes.items() if len(node.choices) >= 2]
    if len(decisions) < MIN_DECISIONS:
        return []
    shapes = _best_shapes(scenario)
    first = [nid for nid, (is_first, _) in shapes.items() if is_first]
    longest = [nid for nid, (_, is_longest) in shapes.items() if is_longest]
    total = len(decisions)
    if len(first) > MAX_SHARE * total:
        report.add(("nodes", first[0], "choices"), f"the best choice is listed first at "
                   f"{percent(len(first), total, 'decision points')}: {', '.join(first)}; list it second or "
                   "later at some of them, so that a learner who always picks the first choice does not score best")
    if len(longest) > MAX_SHARE * total:
        report.add(("nodes", longest[0], "choices"), f"the best choice is strictly the longest at "
                   f"{percent(len(longest), total, 'decision points')}: {', '.join(longest)}; give the other "
                   "choices as much detail, or shorten the best one, so that length gives nothing away")
    return report.problems


def scoring_misstep_problems(scenario: Scenario, smap: SourceMap, filename: str) -> list[Problem]:
    """A misstep (honours: false) with a score above 0: under the scoring rule it earns nothing anyway."""
    report = _Warnings(smap, filename, "scoring-misstep")
    for nid, node in scenario.nodes.items():
        for ci, choice in enumerate(node.choices):
            if not choice.feedback.honours and choice.score > 0:
                report.add(("nodes", nid, "choices", ci, "score"), f"choice {choice.id!r} works against a principle "
                           f"(honours: false) yet has score {choice.score}; a misstep earns nothing, so set its "
                           "score to 0")
    return report.problems


def ending_problems(scenario: Scenario, smap: SourceMap, filename: str) -> list[Problem]:
    """A concerning ending whose paths earn more than half of the best; a hopeful ending reached with two missteps."""
    report = _Warnings(smap, filename, "ending")
    try:
        walks = engine.all_walks(scenario)
    except (ValueError, RecursionError):
        return []  # the score checks already say the scenario has too many paths
    best = engine.best_score(scenario)
    by_ending: dict[str, list] = {}
    for walk in walks:
        by_ending.setdefault(walk.node, []).append(walk)
    for nid, node in scenario.nodes.items():
        ending, reached = node.ending, by_ending.get(nid, [])
        if ending is None or not reached:
            continue
        at = ("nodes", nid, "ending", "outcome")
        if ending.outcome in engine.LIMITED_OUTCOMES:
            top = max(reached, key=lambda w: (w.earned, -len(w.steps)))
            if top.earned > best / 2:
                report.add(at, f"ending {nid!r} is concerning, yet the path {_route(top)} earns {top.earned} of the "
                           f"best {best} points on the way to it (more than half; grading keeps only {best // 2}); "
                           "lower the scores of the choices that lead here, so that the points tell the same story "
                           "as the ending")
        elif ending.outcome == "hopeful":
            worst = [w for w in reached if w.missteps > engine.HOPEFUL_MAX_MISSTEPS]
            if worst:
                walk = min(worst, key=lambda w: (len(w.steps), w.missteps))
                report.add(at, f"ending {nid!r} is hopeful, yet the path {_route(walk)} reaches it with "
                           f"{walk.missteps} missteps; let missteps lead elsewhere (or through a moment that repairs "
                           "them), so that a hopeful ending follows from choices that honour the principles")
    return report.problems


def misstep_problems(scenario: Scenario, smap: SourceMap, filename: str) -> list[Problem]:
    """A path with N missteps that keeps as much as every path with fewer: each misstep must lower what is kept."""
    report = _Warnings(smap, filename, "missteps")
    try:
        walks = engine.all_walks(scenario)
    except (ValueError, RecursionError):
        return []  # the score checks already say the scenario has too many paths
    best = engine.best_score(scenario)
    top: dict[int, engine.Walk] = {}  # for each number of missteps, the path that keeps most (the shortest on a tie)
    for walk in walks:
        held = top.get(walk.missteps)
        if held is None or (walk.score, -len(walk.steps)) > (held.score, -len(held.steps)):
            top[walk.missteps] = walk
    fewer, before = -1, 0  # the most a path with the next fewer missteps keeps, and how many those are
    for count in sorted(top):
        walk = top[count]
        if count and walk.score >= max(fewer, 1):  # once nothing is kept, a further misstep cannot lower it
            report.add(("nodes",), f"the path {_route(walk)} keeps {walk.score} of the best {best} points with "
                       f"{count} misstep{'s' * (count > 1)}, as much as the paths with {before} "
                       f"misstep{'s' * (before > 1)}; raise the "
                       "scores of the choices that honour the principles on the better paths, or lower those on "
                       "this one, so that every misstep lowers what a path keeps")
            break
        fewer, before = walk.score, count
    return report.problems


def _route(walk) -> str:
    return "'" + " → ".join(s.choice for s in walk.steps) + "'"


def good_directions(scenario: Scenario) -> dict[str, tuple[str, bool]]:
    """The good direction of each variable ('up' or 'down'), and whether the author declared it.

    Undeclared: the way every choice that honours a principle moves it, when at least two do and all agree.
    """
    out = {name: (way, True) for name, way in scenario.good_direction.items()}
    moves: dict[str, set[str]] = {}
    counts: dict[str, int] = {}
    for node in scenario.nodes.values():
        for choice in node.choices:
            if choice.feedback.honours:
                for name, delta in choice.set.items():
                    if delta:
                        moves.setdefault(name, set()).add("up" if delta > 0 else "down")
                        counts[name] = counts.get(name, 0) + 1
    for name, ways in moves.items():
        if name not in out and len(ways) == 1 and counts[name] >= 2:
            out[name] = (next(iter(ways)), False)
    return out


def direction_problems(scenario: Scenario, smap: SourceMap, filename: str) -> list[Problem]:
    """A choice that moves a variable against what its feedback says."""
    report = _Warnings(smap, filename, "direction")
    directions = good_directions(scenario)
    for nid, node in scenario.nodes.items():
        for ci, choice in enumerate(node.choices):
            for name, delta in choice.set.items():
                if not delta or name not in directions:
                    continue
                good, declared = directions[name]
                way = "up" if delta > 0 else "down"
                verb = "raises" if delta > 0 else "lowers"
                why = (f"'good_direction' says {name} is better {'higher' if good == 'up' else 'lower'}" if declared
                       else f"every choice that honours a principle {'raises' if good == 'up' else 'lowers'} it")
                at = ("nodes", nid, "choices", ci, "set")
                fix = ("make the change match the feedback (or correct 'good_direction:')" if declared else
                       "make the change match the feedback, or declare which way is good under 'good_direction:'")
                if choice.feedback.honours and way != good:
                    report.add(at, f"choice {choice.id!r} honours a principle but {verb} {name!r}, and {why}; {fix}")
                elif not choice.feedback.honours and way == good:
                    report.add(at, f"choice {choice.id!r} works against a principle but {verb} {name!r}, and {why}; "
                               f"{fix}")
    return report.problems


def last_decision_problems(scenario: Scenario, smap: SourceMap, filename: str) -> list[Problem]:
    """A decision (two or more choices) whose choices all lead straight to the same ending."""
    report = _Warnings(smap, filename, "last-decision")
    for nid, node in scenario.nodes.items():
        if len(node.choices) < 2:
            continue
        dests = {t for c in node.choices for t in targets(c)}
        if len(dests) == 1:
            (dest,) = dests
            end = scenario.nodes.get(dest)
            if end is not None and end.ending is not None:
                report.add(("nodes", nid, "choices"), f"every choice at {nid!r} leads to the same ending {dest!r}, so "
                           "this last decision changes nothing; let the choices that work against a principle lead "
                           "to another ending")
    return report.problems


#: The scenario rules, in the order they run.
SCENARIO_RULES = (position_problems, scoring_misstep_problems, ending_problems, misstep_problems,
                  direction_problems, last_decision_problems)


def assessment_problems(scenario: Scenario, smap: SourceMap, filename: str) -> list[Problem]:
    """Every assessment warning of a scenario that has no error."""
    return [p for rule in SCENARIO_RULES for p in rule(scenario, smap, filename)]



def _best_shapes(scenario: Scenario) -> dict[str, tuple[bool, bool]]:
    """For each decision point that has a best choice: (is the best choice listed first in the file, is it
    strictly the longest)."""
    out = {}
    for nid, node in scenario.nodes.items():
        choices = node.choices
        if len(choices) < 2:
            continue
        top = max(_earns(c) for c in choices)
        if top == 0 or all(_earns(c) == top for c in choices):
            continue  # no best choice here
        lengths = sorted((len(c.text) for c in choices), reverse=True)
        out[nid] = (_earns(choices[0]) == top,
                    lengths[0] > lengths[1] and _earns(max(choices, key=lambda c: len(c.text))) == top)
    return out


def scenario_figures(scenario: Scenario) -> dict[str, int | float]:
    """How much a role-play's shape could give away, and how much a concerning ending keeps.

    `decisions`: decision points with a best choice; `first`: those whose (a) best choice is listed first in the
    file; `longest`: those whose best choice is strictly the longest; `concerning_share`: the highest score a
    complete path to a concerning ending keeps, as a share of the best score (0 when there is none).
    """
    shapes = _best_shapes(scenario)
    best = engine.best_score(scenario)
    kept = [w.score for w in engine.all_walks(scenario)
            if scenario.nodes[w.node].ending and scenario.nodes[w.node].ending.outcome in engine.LIMITED_OUTCOMES]
    return {"decisions": len(shapes), "first": sum(f for f, _ in shapes.values()),
            "longest": sum(lg for _, lg in shapes.values()),
            "concerning_share": max(kept, default=0) / best if best else 0.0}
