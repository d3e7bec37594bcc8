"""The knowledge-check kind's `pathways check` rules: no answer by shape, every objective assessed.

Every rule gives a warning (the activity still works), located at a file and line, with a fix
(lessons/AUTHORING.md, "Assessment rules", explains each to authors). The rules of a role-play run with the
other scenario rules, in `pathways.scenario.rules.assessment`; every kind names its rules in its registration
(`Kind.rules`).

* `check_key_problems`: the key of a one-answer knowledge check is strictly its longest option in more
  than 40% of a file's questions (only judged from MIN_DECISIONS one-answer questions with a known key).
* `objective_problems`: an objective of the lesson that no knowledge check or sorting exercise assesses.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from ...files import LESSON_NOTEBOOK
from ...scenario.problems import Problem, ScenarioError, SourceMap, dotted
from ...scenario.rules.assessment import MAX_SHARE, MIN_DECISIONS, percent
from ..sorting import load_exercise
from ..testcells import hidden_keys
from .format import load_checks

#: The rules of this kind by name (Problem.rule), and what each checks.
RULES = {
    "check-key": "a knowledge-check key strictly the longest option in more than 40% of the questions",
    "objectives": "an objective of the lesson that no knowledge check or sorting exercise assesses",
}


def notebook_keys(notebook: str | Path, activity: str = "checks") -> dict[str, str | list[str]]:
    """The answer keys of one check activity, read from the notebook's `check_points(...)` calls (hidden tests).

    A notebook that cannot be read, or a call whose arguments are not plain text, gives no key.
    """
    return {c.question: c.key for c in hidden_keys(notebook, "checks", activity)
            if isinstance(c.question, str) and c.key is not None}


def check_keys(path: str | Path, notebook: str | Path | None = None) -> dict[str, str | list[str]]:
    """The answer keys of a knowledge-check file, as the grader reads them: from the file itself when it is
    formative, else from the `check_points(...)` calls of the notebook's hidden tests (lesson.ipynb beside the
    file unless another is named)."""
    path = Path(path)
    checks = load_checks(path)
    if checks.formative:
        return {q.id: q.answer for q in checks.questions if q.answer is not None}
    return notebook_keys(Path(notebook) if notebook else path.with_name(LESSON_NOTEBOOK), checks.activity)


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
