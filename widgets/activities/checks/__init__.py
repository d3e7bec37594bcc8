"""The knowledge-check kind: questions in a YAML file beside the notebook, one widget per question, the first
checked answer graded.

format.py: the file format and its loader (formative or hidden-key, see `pathways.activities.modes`);
grader.py: its record, grader (`check_points`) and model answers; rules.py: its `pathways check` rules. Its view
is `pathways.views.checks`. This module registers the kind.
"""

from __future__ import annotations

from pathlib import Path

from ...scenario.problems import Problem, ScenarioError
from .. import registry
from ..registry import Arg, FileFormat, Grader, Kind, ReportSection, View
from .format import CheckSet, Option, Question, load_checks
from .grader import ITEM, ChecksRecord, FirstAnswer, check_points, model_checks
from .rules import RULES, check_key_figures, check_key_problems, check_keys, notebook_keys, objective_problems

__all__ = ["KIND", "CheckSet", "ChecksRecord", "FirstAnswer", "Option", "Question", "check_key_figures",
           "check_key_problems", "check_keys", "check_points", "load_checks", "model_checks", "notebook_keys",
           "objective_problems"]


def check(path: Path) -> list[Problem]:
    """Every problem of a knowledge-check file: its schema and modes, then its rules."""
    try:
        load_checks(path)
    except ScenarioError as exc:
        return exc.problems
    return check_key_problems(path) + objective_problems(path)


def _mode(path: Path) -> str:
    return load_checks(path).mode


def _activities(path: Path) -> dict[str, list[str]]:
    checks = load_checks(path)
    return {checks.activity: [q.id for q in checks.questions]}


def _label(release: Path, call) -> str:
    """'q2: <the question's prompt>' from the released check file of the call's activity, else its id."""
    for path in sorted(release.glob("*.y*ml")):
        try:
            checks = load_checks(path)
            if checks.activity == call.activity:
                return f"{call.question}: {' '.join(checks.question(call.question).prompt.split())}"
        except Exception:  # noqa: BLE001 - not a knowledge-check file, or not this question
            continue
    return str(call.question)


ACTIVITY = Arg("activity", 3, "checks")
KIND = registry.register(Kind(
    name="checks", title="Knowledge check", record=ChecksRecord, item=ITEM,
    graders=(Grader("check_points", check_points, activity=ACTIVITY, question=Arg("question", 0),
                    key=Arg("expected", 1)),),
    models=(Grader("model_checks", model_checks, activity=Arg("activity", 1, "checks")),),
    view=View("knowledge_check", "pathways.views.checks:knowledge_check", file=Arg("checks_file", 0),
              question=Arg("question", 1)),
    files=(FileFormat("checks", lambda data: "questions" in data, load_checks, check, _mode, _activities),),
    rules=RULES, report=ReportSection(_label, per_question=True, section="check")))
