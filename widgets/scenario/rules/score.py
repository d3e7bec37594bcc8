"""Rule: scores as grading sees them. Some path earns points, and each ending's declared score (`ending.score`)
is the best a path that ends there keeps, under the engine's one scoring rule."""

from __future__ import annotations

from ..engine import all_walks
from ..model import Scenario
from ..problems import Problem, Report, SourceMap


def score_problems(scenario: Scenario, smap: SourceMap, filename: str) -> list[Problem]:
    """Scores as grading sees them: some path earns points, and each ending's declared score is reachable."""
    report = Report(smap, filename)
    try:
        walks = all_walks(scenario)
    except (ValueError, RecursionError):
        report.add(("nodes",), "the scenario has too many different paths for grading to find the best score; "
                   "split it into smaller role-plays or merge branches")
        return report.problems
    best = max((w.score for w in walks), default=0)
    if walks and best == 0:
        report.add(("nodes",), "no path earns any points, so the role-play cannot be graded; give the good "
                   "choices a score above 0")
    by_ending: dict[str, list[int]] = {}
    for walk in walks:
        by_ending.setdefault(walk.node, []).append(walk.score)
    for nid, node in scenario.nodes.items():
        if not node.ending or node.ending.score is None or not by_ending.get(nid):
            continue  # unreachable endings are reported by the condition checks
        declared, top = node.ending.score, max(by_ending[nid])
        if declared > top:
            report.add(("nodes", nid, "ending", "score"), f"ending {nid!r} declares score {declared}, but no "
                       f"path that ends here earns more than {top}; change the score to {top} or the scores of "
                       "the choices on the way")
        elif declared < top:
            report.add(("nodes", nid, "ending", "score"), f"ending {nid!r} declares score {declared}, but a path "
                       f"that ends here earns {top}; change the score to {top} or lower the scores of the "
                       "choices on the way")
    return report.problems
