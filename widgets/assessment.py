"""`pathways check` rules that keep an assessment honest: no answer by shape, scores that follow consequences.

Every rule gives a warning (the activity still works), located at a file and line, with a fix. This module
holds the rules of a lesson's knowledge-check file, whose answer key lives only in the hidden tests of the
lesson notebook beside it, and `RULES`, the name of every assessment rule. The rules of a role-play
(position, scoring-misstep, ending, missteps, direction,
last-decision) run with the other scenario rules, in
`pathways.scenario.rules.assessment`; their names are offered here too, as before.

Rules (lessons/AUTHORING.md, "Assessment rules", explains each to authors):

* `check_key_problems`: the key of a one-answer knowledge check is strictly its longest option in more
  than 40% of a file's questions (only judged from MIN_DECISIONS one-answer questions with a known key).
* `objective_problems`: an objective of the lesson that no knowledge check or sorting exercise assesses.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from .checks import load_checks
from .exercises import load_exercise
from .files import LESSON_NOTEBOOK
from .scenario.problems import Problem, ScenarioError, SourceMap, dotted
from .scenario.rules.assessment import (
    MAX_SHARE,
    MIN_DECISIONS,
    SCENARIO_RULES,
    assessment_problems,
    direction_problems,
    ending_problems,
    good_directions,
    last_decision_problems,
    misstep_problems,
    percent,
    position_problems,
    scenario_figures,
    scoring_misstep_problems,
)
from .testcells import call_arg, call_name, calls_in

__all__ = ["MAX_SHARE", "MIN_DECISIONS", "RULES", "SCENARIO_RULES", "assessment_problems", "check_key_figures",
           "check_key_problems", "check_keys", "direction_problems", "ending_problems", "good_directions",
           "last_decision_problems", "lesson_objectives", "misstep_problems", "notebook_keys", "objective_problems",
           "position_problems", "scenario_figures", "scoring_misstep_problems", "sorting_key"]

#: Every assessment rule by name (Problem.rule), and what it checks.
RULES = {
    "position": "the best choice first, or strictly the longest, at more than 40% of the decision points",
    "scoring-misstep": "a misstep with a score above 0",
    "ending": "a concerning ending reached with more than half the best, or a hopeful one with two missteps",
    "missteps": "a path with more missteps that keeps as much as a path with fewer",
    "direction": "a choice that moves a variable against what its feedback says",
    "last-decision": "a last decision whose choices all lead to the same ending",
    "check-key": "a knowledge-check key strictly the longest option in more than 40% of the questions",
    "objectives": "an objective of the lesson that no knowledge check or sorting exercise assesses",
}

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
        for call in calls_in(source):
            if call_name(call) != "check_points":
                continue
            qid, key = call_arg(call, "question", 0), call_arg(call, "expected", 1)
            act = call_arg(call, "activity", 3, "checks")
            if act == activity and isinstance(qid, str) and key is not None:
                keys[qid] = key
    return keys


def check_keys(path: str | Path, notebook: str | Path | None = None) -> dict[str, str | list[str]]:
    """The answer keys of a knowledge-check file, as the grader reads them: from the file itself when it is
    formative, else from the `check_points(...)` calls of the notebook's hidden tests (lesson.ipynb beside the
    file unless another is named)."""
    path = Path(path)
    checks = load_checks(path)
    if checks.formative:
        return {q.id: q.answer for q in checks.questions if q.answer is not None}
    return notebook_keys(Path(notebook) if notebook else path.with_name(LESSON_NOTEBOOK), checks.activity)


def sorting_key(path: str | Path, notebook: str | Path | None = None) -> dict[str, str]:
    """The key of a sorting-exercise file, as the grader reads it: from the file when it is formative, else from
    the `sorting_points(...)` call of the notebook's hidden test (lesson.ipynb beside the file unless named)."""
    path = Path(path)
    exercise = load_exercise(path)
    if exercise.formative:
        return exercise.key
    try:
        nb = json.loads(Path(notebook or path.with_name(LESSON_NOTEBOOK)).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {}
    for cell in nb.get("cells", []) if isinstance(nb, dict) else []:
        source = cell.get("source")
        source = "".join(source) if isinstance(source, list) else str(source or "")
        for call in calls_in(source) if cell.get("cell_type") == "code" else []:
            if call_name(call) == "sorting_points" and call_arg(call, "activity", 0) == exercise.activity:
                key = call_arg(call, "key", 1)
                return key if isinstance(key, dict) else {}
    return {}


def _key_shapes(path: Path, notebook: str | Path | None = None) -> tuple[object, list[tuple[int, bool, bool]]]:
    """A knowledge-check file and, for each one-answer question whose key the grader reads (`check_keys`):
    (its index, key listed first, key strictly longest)."""
    checks = load_checks(path)
    keys = check_keys(path, notebook)
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

    The key is the one the grader reads (`check_keys`): in the file if formative, else in the notebook beside it.
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
                    f"{percent(len(longest), len(shapes), 'one-answer questions')}: {ids}; give the other options as "
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


def check_key_figures(path: str | Path, notebook: str | Path | None = None) -> dict[str, int]:
    """For one knowledge-check file: one-answer questions with a key, keys listed first, keys strictly longest."""
    _, shapes = _key_shapes(Path(path), notebook)
    return {"questions": len(shapes), "first": sum(f for _, f, _ in shapes),
            "longest": sum(lg for _, _, lg in shapes)}
