"""`pathways check` rules that keep an assessment honest: no answer by shape, scores that follow consequences.

Every rule gives a warning (the activity still works), located at a file and line, with a fix.
The scenario rules run on a scenario that has no error; `check_key_problems` runs on a knowledge-check
file, whose answer key lives only in the hidden tests of the lesson notebook beside it.

Rules (lessons/AUTHORING.md, "Assessment rules", explains each to authors):

* `position_problems`: the best choice is listed first in the file, or is strictly the longest, at
  more than 40% of a scenario's decision points (moments with two or more choices; only judged from
  MIN_DECISIONS of them).
* `scoring_misstep_problems`: a misstep (`honours: false`) with a score above 0.
* `ending_problems`: a concerning ending that a path reaches with more than half of the best score
  earned by its choices; a hopeful ending reachable with two or more missteps.
* `direction_problems`: a choice that moves a variable against what its feedback says (a choice that
  honours a principle moving a variable the wrong way, or a misstep moving it the good way). The good
  way is declared under `good_direction:`, or, when not declared, is the way every choice that honours
  a principle moves it (at least two of them, all the same way).
* `last_decision_problems`: a decision whose choices all lead straight to the same ending.
* `check_key_problems`: the key of a one-answer knowledge check is strictly its longest option in more
  than 40% of a file's questions (only judged from MIN_DECISIONS one-answer questions with a known key).
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import yaml

from .scenario.model import Choice, Scenario, targets
from .scenario.problems import Problem, ScenarioError, SourceMap, dotted

#: Above this share of decision points (or questions), position or length gives the answer away.
MAX_SHARE = 0.40
#: Shares are only judged over at least this many decision points (or one-answer questions).
MIN_DECISIONS = 3


def _earns(choice: Choice) -> int:
    """What a choice earns under the scoring rule (a misstep earns nothing)."""
    return choice.score if choice.feedback.honours else 0


def _percent(n: int, total: int, what: str) -> str:
    return f"{n} of {total} {what} ({round(100 * n / total)}%, more than {round(100 * MAX_SHARE)}%)"


class _Report:
    """Collects one rule's warnings for one scenario file."""

    def __init__(self, smap: SourceMap, filename: str, rule: str):
        self.smap, self.filename, self.rule, self.problems = smap, filename, rule, []

    def add(self, path: tuple, message: str) -> None:
        self.problems.append(Problem(self.filename, self.smap.line(path), dotted(path), message, "warning",
                                     self.rule))


def position_problems(scenario: Scenario, smap: SourceMap, filename: str) -> list[Problem]:
    """The best choice first in the file, or strictly the longest, at more than 40% of the decision points."""
    report = _Report(smap, filename, "position")
    decisions = [(nid, node.choices) for nid, node in scenario.nodes.items() if len(node.choices) >= 2]
    if len(decisions) < MIN_DECISIONS:
        return []
    shapes = _best_shapes(scenario)
    first = [nid for nid, (is_first, _) in shapes.items() if is_first]
    longest = [nid for nid, (_, is_longest) in shapes.items() if is_longest]
    total = len(decisions)
    if len(first) > MAX_SHARE * total:
        report.add(("nodes", first[0], "choices"), f"the best choice is listed first at "
                   f"{_percent(len(first), total, 'decision points')}: {', '.join(first)}; list it second or "
                   "later at some of them, so that a learner who always picks the first choice does not score best")
    if len(longest) > MAX_SHARE * total:
        report.add(("nodes", longest[0], "choices"), f"the best choice is strictly the longest at "
                   f"{_percent(len(longest), total, 'decision points')}: {', '.join(longest)}; give the other "
                   "choices as much detail, or shorten the best one, so that length gives nothing away")
    return report.problems


def scoring_misstep_problems(scenario: Scenario, smap: SourceMap, filename: str) -> list[Problem]:
    """A misstep (honours: false) with a score above 0: under the scoring rule it earns nothing anyway."""
    report = _Report(smap, filename, "scoring-misstep")
    for nid, node in scenario.nodes.items():
        for ci, choice in enumerate(node.choices):
            if not choice.feedback.honours and choice.score > 0:
                report.add(("nodes", nid, "choices", ci, "score"), f"choice {choice.id!r} works against a principle "
                           f"(honours: false) yet has score {choice.score}; a misstep earns nothing, so set its "
                           "score to 0")
    return report.problems


def ending_problems(scenario: Scenario, smap: SourceMap, filename: str) -> list[Problem]:
    """A concerning ending whose paths earn more than half of the best; a hopeful ending reached with two missteps."""
    from . import engine  # the engine builds on the scenario module, as this one does

    report = _Report(smap, filename, "ending")
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
    report = _Report(smap, filename, "direction")
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
    report = _Report(smap, filename, "last-decision")
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


#: Every assessment rule by name (Problem.rule), and what it checks.
RULES = {
    "position": "the best choice first, or strictly the longest, at more than 40% of the decision points",
    "scoring-misstep": "a misstep with a score above 0",
    "ending": "a concerning ending reached with more than half the best, or a hopeful one with two missteps",
    "direction": "a choice that moves a variable against what its feedback says",
    "last-decision": "a last decision whose choices all lead to the same ending",
    "check-key": "a knowledge-check key strictly the longest option in more than 40% of the questions",
    "objectives": "an objective of the lesson that no knowledge check or sorting exercise assesses",
}

#: The scenario rules, in the order they run.
SCENARIO_RULES = (position_problems, scoring_misstep_problems, ending_problems, direction_problems,
                  last_decision_problems)


def assessment_problems(scenario: Scenario, smap: SourceMap, filename: str) -> list[Problem]:
    """Every assessment warning of a scenario that has no error."""
    return [p for rule in SCENARIO_RULES for p in rule(scenario, smap, filename)]


# --- knowledge checks: the key's length --------------------------------------------------------------------


def notebook_keys(notebook: str | Path, activity: str = "checks") -> dict[str, str | list[str]]:
    """The answer keys of one check activity, read from the notebook's `check_points(...)` calls (hidden tests).

    A notebook that cannot be read, or a call whose arguments are not plain text, gives no key.
    """
    try:
        nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {}
    keys: dict[str, str | list[str]] = {}
    for cell in nb.get("cells", []) if isinstance(nb, dict) else []:
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source")
        source = "".join(source) if isinstance(source, list) else str(source or "")
        lines = [ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!"))]
        try:
            tree = ast.parse("\n".join(lines))
        except SyntaxError:
            continue
        for call in ast.walk(tree):
            if not (isinstance(call, ast.Call) and getattr(call.func, "id", getattr(call.func, "attr", None))
                    == "check_points"):
                continue
            args = {i: a for i, a in enumerate(call.args)}
            args.update({k.arg: k.value for k in call.keywords if k.arg})
            try:
                qid = ast.literal_eval(args.get(0, args.get("question")))
                key = ast.literal_eval(args.get(1, args.get("expected")))
                act = ast.literal_eval(args[3]) if 3 in args else ast.literal_eval(args.get("activity",
                                                                                            ast.Constant("checks")))
            except (ValueError, TypeError, SyntaxError):
                continue
            if act == activity and isinstance(qid, str):
                keys[qid] = key
    return keys


def _key_shapes(path: Path, notebook: str | Path | None = None) -> tuple[object, list[tuple[int, bool, bool]]]:
    """A knowledge-check file and, for each one-answer question whose key the notebook's hidden tests give
    (lesson.ipynb beside the file unless another is named): (its index, key listed first, key strictly longest)."""
    from .checks import load_checks

    checks = load_checks(path)
    keys = notebook_keys(Path(notebook) if notebook else path.with_name("lesson.ipynb"), checks.activity)
    shapes = []
    for qi, question in enumerate(checks.questions):
        key = keys.get(question.id)
        if question.multiple or not isinstance(key, str):
            continue
        lengths = {o.id: len(o.text) for o in question.options}
        shapes.append((qi, question.options[0].id == key,
                       key in lengths and all(lengths[key] > n for oid, n in lengths.items() if oid != key)))
    return checks, shapes


def check_key_problems(path: str | Path, notebook: str | Path | None = None) -> list[Problem]:
    """The key of a one-answer check strictly the longest option in more than 40% of the file's questions.

    The key comes from the notebook beside the file (lesson.ipynb) unless another is named.
    """
    path = Path(path)
    checks, shapes = _key_shapes(path, notebook)
    longest = [qi for qi, _, is_longest in shapes if is_longest]
    if len(shapes) < MIN_DECISIONS or len(longest) <= MAX_SHARE * len(shapes):
        return []
    smap = SourceMap(yaml.compose(path.read_text(encoding="utf-8")))
    ids = ", ".join(checks.questions[qi].id for qi in longest)
    at = ("questions", longest[0], "options")
    return [Problem(str(path), smap.line(at), dotted(at), f"the answer is strictly the longest option in "
                    f"{_percent(len(longest), len(shapes), 'one-answer questions')}: {ids}; give the other options as "
                    "much detail, or shorten the answer, so that length gives nothing away", "warning", "check-key")]


def lesson_objectives(notebook: str | Path) -> list[str]:
    """The lesson's objectives: the first numbered list of the overview (the markdown cell headed "## 1."),
    in any language. [] when the notebook cannot be read or has no such list."""
    try:
        nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return []
    for cell in nb.get("cells", []) if isinstance(nb, dict) else []:
        source = cell.get("source")
        source = "".join(source) if isinstance(source, list) else str(source or "")
        if cell.get("cell_type") != "markdown" or not source.lstrip().startswith("## 1."):
            continue
        found: list[str] = []
        for line in source.splitlines():
            item = re.match(r"^(\d+)\.\s+(.*)", line)
            if item and int(item.group(1)) == len(found) + 1:
                found.append(item.group(2))
            elif found and line.strip() and not line.startswith(" "):
                break  # the list has ended
        return found
    return []


def objective_problems(path: str | Path) -> list[Problem]:
    """Every objective in the lesson's overview assessed by a question here or by the sorting beside it.

    `checks.yaml` pairs with `lesson.ipynb` and `sorting.yaml`; a translation `checks.es.yaml` with
    `lesson.es.ipynb` and `sorting.es.yaml`. No objectives list in the notebook: no judgement."""
    from .checks import load_checks
    from .exercises import load_exercise

    path = Path(path)
    lang = path.name[len("checks"):-len(path.suffix)]  # "" or ".es"
    notebook = path.with_name(f"lesson{lang}.ipynb")
    objectives = lesson_objectives(notebook)
    if not objectives:
        return []
    checks = load_checks(path)
    smap = SourceMap(yaml.compose(path.read_text(encoding="utf-8")))
    problems, covered = [], set()
    for qi, question in enumerate(checks.questions):
        covered.update(question.objectives)
        for n in question.objectives:
            if not 1 <= n <= len(objectives):
                at = ("questions", qi, "objectives")
                problems.append(Problem(str(path), smap.line(at), dotted(at), f"question {question.id!r} names "
                                        f"objective {n}, but {notebook.name} lists objectives 1 to {len(objectives)}",
                                        "warning", "objectives"))
    sorting = path.with_name(f"sorting{lang}{path.suffix}")
    if sorting.is_file():
        try:
            covered.update(load_exercise(sorting).objectives)
        except ScenarioError:
            pass  # the sorting file's own check reports it
    missing = [n for n in range(1, len(objectives) + 1) if n not in covered]
    if missing:
        names = "; ".join(f"{n}. {objectives[n - 1][:70]}" for n in missing)
        problems.append(Problem(str(path), smap.line(("questions",)), "questions", f"no question here or in "
                                f"{sorting.name} assesses objective{'s' * (len(missing) > 1)} "
                                f"{', '.join(map(str, missing))} of {notebook.name} ({names}); write one and name it "
                                "with `objectives: [N]`, so that every objective the lesson states is assessed",
                                "warning", "objectives"))
    return problems


# --- figures for authors and the closing notes of a release ---------------------------------------------


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
    from . import engine

    shapes = _best_shapes(scenario)
    best = engine.best_score(scenario)
    kept = [w.score for w in engine.all_walks(scenario)
            if scenario.nodes[w.node].ending and scenario.nodes[w.node].ending.outcome in engine.LIMITED_OUTCOMES]
    return {"decisions": len(shapes), "first": sum(f for f, _ in shapes.values()),
            "longest": sum(lg for _, lg in shapes.values()),
            "concerning_share": max(kept, default=0) / best if best else 0.0}


def check_key_figures(path: str | Path, notebook: str | Path | None = None) -> dict[str, int]:
    """For one knowledge-check file: one-answer questions with a key, keys listed first, keys strictly longest."""
    _, shapes = _key_shapes(Path(path), notebook)
    return {"questions": len(shapes), "first": sum(f for _, f, _ in shapes),
            "longest": sum(lg for _, _, lg in shapes)}
