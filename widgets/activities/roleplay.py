"""The role-play kind: a scenario played as a branching conversation, its first run started graded.

Its file format is the scenario package's (`pathways.scenario`: a scenario, or a translation of one), its
`pathways check` is the scenario check with its assessment rules (`pathways.scenario.rules.assessment`), its view
is `pathways.views.roleplay`. Here: its record, its grader (`roleplay_points`, which re-walks the transcript
through the engine), its model answer, what the class report counts of it, and its registration.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Literal

from pydantic import Field

from .. import i18n
from ..i18n import current_lang, ui
from ..scenario import Scenario, ScenarioError, check_file, engine, load
from . import registry
from .common import learner_record, points_line, skipped
from .excusal import is_excused
from .registry import Arg, FileFormat, Grader, Kind, ReportSection, View
from .responses import Record, RecordError, new_seed, now, parse_record, store


class Step(Record):
    """One choice taken in a role-play: at which node, which choice, when."""

    node: str
    choice: str
    at: str = ""


class Attempt(Record):
    """One run through a role-play. `version` is the scenario version it was played on (if recorded)."""

    started: str = ""
    version: int | None = None
    steps: list[Step] = Field(default_factory=list)
    finished: bool = False


class RolePlayRecord(Record):
    """A role-play: every attempt, in the order started. attempts[0] (the first started) is the graded one."""

    kind: Literal["roleplay"] = "roleplay"
    scenario: str
    version: int | None = None
    seed: int | None = None
    attempts: list[Attempt] = Field(default_factory=list)

    @property
    def graded(self) -> Attempt | None:
        """The graded attempt: the first one started (None if none was)."""
        return self.attempts[0] if self.attempts else None


def roleplay_verdict(scenario_file: str | Path, activity: str = "roleplay") -> engine.Verdict:
    """Re-check the learner's graded attempt against the scenario graph (see `record_verdict`)."""
    scenario = load(scenario_file)
    record, problem = learner_record(activity, RolePlayRecord)
    if record is None:
        return engine.Verdict(False, False, 0, engine.best_score(scenario), problem or ui("grade_no_roleplay"))
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
        return engine.Verdict(False, False, 0, best, ui("grade_no_roleplay"))
    verdict = engine.replay(scenario, [{"node": s.node, "choice": s.choice} for s in attempt.steps])
    version = attempt.version if attempt.version is not None else record.version
    if version is None or version == scenario.version:
        return verdict
    if verdict.valid:
        return replace(verdict, message=f"{verdict.message} (played on version {version}, graded on version "
                                        f"{scenario.version})")
    return engine.Verdict(False, False, 0, best, OLDER_VERSION.format(old=version, new=scenario.version),
                          status="older-version")


def _message(verdict: engine.Verdict) -> str:
    """The verdict in the language in force: finished or unfinished runs are said in it, other (rare) problems
    keep the engine's words."""
    walk = verdict.walk
    if current_lang() == "en" or walk is None or not verdict.valid:
        return verdict.message
    limited = bool(walk.limit) and walk.earned > walk.score
    if not verdict.complete:
        return ui("grade_roleplay_unfinished", score=walk.score, best=verdict.best)
    title = walk.scenario.nodes[walk.node].ending.title
    return ui("grade_roleplay_finished_limited" if limited else "grade_roleplay_finished", title=title,
              score=walk.score, best=verdict.best, earned=walk.earned)


def roleplay_points(scenario_file: str | Path, points: float, activity: str = "roleplay") -> float:
    """Points for the role-play: its graded (first) run's score as a share of the best score, times `points`.

    An item the learner skipped for wellbeing earns 0 and says so; the instructor's totals leave it out.
    """
    if is_excused(KIND.item_name(activity)):
        print(skipped(ui("grade_roleplay"), points))
        return 0.0
    try:
        verdict = roleplay_verdict(scenario_file, activity)
    except ScenarioError as exc:
        print(f"{ui('grade_roleplay_broken')}\n{exc}")
        return 0.0
    earned = round(points * verdict.fraction, 2)
    print(f"{ui('grade_roleplay')}: {_message(verdict)}. {points_line(points, earned)}")
    return earned


def model_roleplay(scenario_file: str | Path, activity: str = "roleplay") -> None:
    """Record the best walk through the scenario as the first run, in memory only (never on disk)."""
    walk = engine.best_walk(load(scenario_file))
    scenario = walk.scenario
    attempt = Attempt(started=now(), version=scenario.version, finished=True,
                      steps=[Step(node=s.node, choice=s.choice, at="") for s in walk.steps])
    store().put(activity, RolePlayRecord(scenario=scenario.id, version=scenario.version, seed=new_seed(),
                                         attempts=[attempt]), persist=False)


def choice_counts(scenario: Scenario, records: Iterable[object], activity: str = "roleplay") \
        -> tuple[dict[str, Counter], int]:
    """Over a class's records of one role-play: how many learners took each choice at each moment in their graded
    attempt (when valid: a forged path, or one played on an older version, says nothing about this version), and
    how many valid transcripts there were. What the class report's role-play section shows."""
    counts: dict[str, Counter] = defaultdict(Counter)
    walkers = 0
    for record in records:
        if not isinstance(record, dict):
            continue
        verdict = record_verdict(scenario, record, activity)  # the attempt the grader graded, as it graded it
        if not verdict.valid:
            continue
        walkers += 1
        seen = set()
        for step in verdict.walk.steps if verdict.walk else []:
            if (step.node, step.choice) not in seen:
                counts[step.node][step.choice] += 1
                seen.add((step.node, step.choice))
    return counts, walkers


def _label(release: Path, call) -> str:
    try:
        return f"Role-play: {load(release / call.file).title}"
    except Exception:  # noqa: BLE001 - a scenario that cannot be read keeps a plain name
        return "Role-play"


ACTIVITY = Arg("activity", 2, "roleplay")
FILE = Arg("scenario_file", 0)
KIND = registry.register(Kind(
    name="roleplay", title="Role-play", record=RolePlayRecord, item="roleplay",
    graders=(Grader("roleplay_points", roleplay_points, activity=ACTIVITY, file=FILE),),
    models=(Grader("model_roleplay", model_roleplay, activity=Arg("activity", 1, "roleplay"), file=FILE),),
    view=View("roleplay", "pathways.views.roleplay:roleplay", file=FILE, activity=Arg("activity", 1, "roleplay")),
    files=(FileFormat("scenario", lambda data: "translates" not in data and ("nodes" in data or "start" in data),
                      load, check_file),
           FileFormat("translation", lambda data: "translates" in data, i18n.load_translated,
                      i18n.check_translation_file)),
    rules={
        "position": "the best choice first, or strictly the longest, at more than 40% of the decision points",
        "scoring-misstep": "a misstep with a score above 0",
        "ending": "a concerning ending reached with more than half the best, or a hopeful one with two missteps",
        "missteps": "a path with more missteps that keeps as much as a path with fewer",
        "direction": "a choice that moves a variable against what its feedback says",
        "last-decision": "a last decision whose choices all lead to the same ending",
    },
    report=ReportSection(_label, section="roleplay")))
