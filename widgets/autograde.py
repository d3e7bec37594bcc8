"""Functions that nbgrader's autograder test cells call, and the model answers of source notebooks.

Every grading function prints a plain sentence for the learner's feedback and returns the points
earned as a number, which nbgrader reads as partial credit. None of them raises: a missing,
damaged or forged response file earns 0 with a clear message, never a crash, and no message
reveals an answer key.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from . import engine
from .excusal import is_excused
from .exercises import sorting_score
from .responses import (
    Attempt,
    RecordError,
    ResponseFileError,
    RolePlayRecord,
    Step,
    new_seed,
    now,
    parse_record,
    store,
)
from .scenario import Scenario, ScenarioError, load


def _record(activity: str, kind: str) -> tuple[dict | None, str]:
    try:
        record = store().get(activity)
    except ResponseFileError as exc:
        return None, f"{exc}; nothing could be graded from it"
    if record is None:
        return None, "no role-play recorded" if kind == "roleplay" else "no answer recorded"
    if not isinstance(record, dict) or record.get("kind") != kind:
        return None, f"the record for {activity!r} is not a {kind} record"
    return record, ""


def roleplay_verdict(scenario_file: str | Path, activity: str = "roleplay") -> engine.Verdict:
    """Re-check the learner's graded attempt against the scenario graph (see `record_verdict`)."""
    scenario = load(scenario_file)
    record, problem = _record(activity, "roleplay")
    if record is None:
        return engine.Verdict(False, False, 0, engine.best_score(scenario), problem)
    return record_verdict(scenario, record, activity)


#: What the grader says of a transcript recorded on an older version that the current one cannot replay.
OLDER_VERSION = ("recorded on an older version (v{old}) of this role-play, which is now v{new}: its path cannot be "
                 "replayed on the current version, so it was not scored; this is not a sign of cheating, and the "
                 "instructor will review it by hand")


def record_verdict(scenario: Scenario, record: dict | RolePlayRecord, activity: str = "roleplay") -> engine.Verdict:
    """Re-check one role-play record: its first attempt *started* (attempts[0]), scored by the engine's rule.

    Later attempts are practice and never count. An unfinished first attempt is scored as far as it
    went, with no ending credit (the engine's rule 3: at most half of the best score). A record that
    does not validate as a `RolePlayRecord` earns 0, with the reason.

    The scenario's `version` is recorded with the transcript. A transcript recorded on another
    version is replayed on the current one: if its path is still possible it is graded as usual
    (the message says which version it was played on); if not, the verdict has status
    "older-version", earns 0 and says so plainly for the instructor to review, never that the
    path was forged.
    """
    best = engine.best_score(scenario)
    if not isinstance(record, RolePlayRecord):
        try:
            record = parse_record(activity, record, RolePlayRecord)
        except RecordError as exc:
            return engine.Verdict(False, False, 0, best, str(exc))
    if record.scenario != scenario.id:
        return engine.Verdict(False, False, 0, best,
                              f"the recorded role-play is {record.scenario!r}, not {scenario.id!r}")
    attempt = record.graded
    if attempt is None or not attempt.steps:
        return engine.Verdict(False, False, 0, best, "no role-play recorded")
    verdict = engine.replay(scenario, [_step(s) for s in attempt.steps])
    version = attempt.version if attempt.version is not None else record.version
    if version is None or version == scenario.version:
        return verdict
    if verdict.valid:
        return replace(verdict, message=f"{verdict.message} (played on version {version}, graded on version "
                                        f"{scenario.version})")
    return engine.Verdict(False, False, 0, best, OLDER_VERSION.format(old=version, new=scenario.version),
                          status="older-version")


def _step(step: Step) -> dict:
    return {"node": step.node, "choice": step.choice}


#: What every grading function prints for an item the learner skipped for wellbeing.
SKIPPED = "{what}: skipped for wellbeing, not counted (0 of {points:g} points; your instructor's totals leave it out)."


def roleplay_points(scenario_file: str | Path, points: float, activity: str = "roleplay") -> float:
    """Points for the role-play: its graded (first) run's score as a share of the best score, times `points`.

    An item the learner skipped for wellbeing earns 0 and says so; the instructor's totals leave it out.
    """
    if is_excused(f"roleplay:{activity}"):
        print(SKIPPED.format(what="Role-play", points=points))
        return 0.0
    try:
        verdict = roleplay_verdict(scenario_file, activity)
    except ScenarioError as exc:
        print(f"Role-play could not be graded: the scenario file has a problem.\n{exc}")
        return 0.0
    earned = round(points * verdict.fraction, 2)
    print(f"Role-play: {verdict.message}. Points: {earned:g} of {points:g}.")
    return earned


def check_points(question: str, expected: str | list[str], points: float = 1, activity: str = "checks") -> float:
    """Points for one knowledge check: all of `points` if the saved answer equals `expected`."""
    record, problem = _record(activity, "checks")
    answer = (record or {}).get("answers", {}).get(question) if record else None
    if answer is None:
        print(f"Question {question}: {problem or 'no answer recorded'}. Points: 0 of {points:g}.")
        return 0.0
    want = sorted(expected) if isinstance(expected, list) else expected
    got = sorted(answer) if isinstance(answer, list) else answer
    earned = float(points) if got == want else 0.0
    print(f"Question {question}: answer recorded. Points: {earned:g} of {points:g}.")
    return earned


def sorting_points(activity: str, key: dict[str, str], points: float) -> float:
    """Points for a sorting exercise: the share of items placed as in `key`, times `points`."""
    record, problem = _record(activity, "sorting")
    if record is None:
        print(f"Sorting exercise: {problem}. Points: 0 of {points:g}.")
        return 0.0
    placements = record.get("placements") if isinstance(record.get("placements"), dict) else {}
    right, total = sorting_score(placements, key)
    earned = round(points * right / total, 2) if total else 0.0
    print(f"Sorting exercise: {len(placements)} items placed. Points: {earned:g} of {points:g}.")
    return earned


def reflection_text(activity: str) -> str:
    """The learner's saved reflection text, or '' if none."""
    try:
        record = store().get(activity)
    except ResponseFileError:
        return ""
    if isinstance(record, dict) and record.get("kind") == "reflection" and isinstance(record.get("text"), str):
        return record["text"]
    return ""


# --- model answers, called only from solution regions of source notebooks -------------------------

def model_roleplay(scenario_file: str | Path, activity: str = "roleplay") -> None:
    """Record the best walk through the scenario as the first run, in memory only (never on disk)."""
    walk = engine.best_walk(load(scenario_file))
    scenario = walk.scenario
    attempt = Attempt(started=now(), version=scenario.version, finished=True,
                      steps=[Step(node=s.node, choice=s.choice, at="") for s in walk.steps])
    store().put(activity, RolePlayRecord(scenario=scenario.id, version=scenario.version, seed=new_seed(),
                                         attempts=[attempt]), persist=False)


def model_checks(answers: dict[str, str | list[str]], activity: str = "checks") -> None:
    """Record the model answers of the knowledge checks, in memory only."""
    store().put(activity, {"kind": "checks", "answers": dict(answers)}, persist=False)


def model_sorting(key: dict[str, str], activity: str) -> None:
    """Record the model placements of a sorting exercise, in memory only."""
    store().put(activity, {"kind": "sorting", "placements": dict(key)}, persist=False)


def model_reflection(text: str, activity: str) -> None:
    """Record a model reflection, in memory only."""
    store().put(activity, {"kind": "reflection", "text": text}, persist=False)
