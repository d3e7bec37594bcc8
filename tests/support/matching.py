"""A skeleton activity kind, "matching" (pair each left card with a right one), used only by
tests/unit/test_activity_registry.py to prove what a new kind touches: this one module, and its registration
(`register()` here; in the product, one import line in widgets/activities/__init__.py).

It declares every part a kind has (record, file format and loader, check rule, grader, model answer, view, excusal
item, report label) in the smallest honest form, on the same helpers the built-in kinds use.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pathways.activities import registry
from pathways.activities.common import find_file, learner_record, points_line, skipped
from pathways.activities.excusal import is_excused
from pathways.activities.registry import Arg, FileFormat, Grader, Kind, ReportSection, View
from pathways.activities.responses import Record, store
from pathways.scenario.problems import Problem, ScenarioError
from pathways.scenario.source import load_model
from pydantic import BaseModel, ConfigDict, Field


class Matching(BaseModel):
    """The file: an activity id and its pairs (left -> right), the key of a formative exercise."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    activity: str
    pairs: dict[str, str] = Field(min_length=2)


class MatchingRecord(Record):
    """The learner's pairs, as first checked."""

    kind: Literal["matching"] = "matching"
    pairs: dict[str, str] = Field(default_factory=dict)


def load_matching(path: str | Path) -> Matching:
    """Load a matching file; errors name file and line."""
    return load_model(path, Matching)[0]


def check(path: Path) -> list[Problem]:
    """The file's schema, then its one rule: two left cards may not share a right one."""
    try:
        found = load_matching(path)
    except ScenarioError as exc:
        return exc.problems
    if len(set(found.pairs.values())) < len(found.pairs):
        return [Problem(str(path), None, "pairs", "two cards share a right card; give each its own", "warning",
                        "matching-shared")]
    return []


def matching_points(activity: str, points: float = 1) -> float:
    """Points for a matching exercise: the share of pairs matched as in the file's key, times `points`."""
    if is_excused(KIND.item_name(activity)):
        print(skipped("Matching", points))
        return 0.0
    exercise = find_file("matching", activity, load_matching)
    record, problem = learner_record(activity, MatchingRecord)
    if exercise is None or record is None:
        print(f"Matching: {problem or 'nothing to grade'}. {points_line(points, 0)}")
        return 0.0
    right = sum(record.pairs.get(left) == want for left, want in exercise.pairs.items())
    earned = round(points * right / len(exercise.pairs), 2)
    print(f"Matching: {points_line(points, earned)}")
    return earned


def model_matching(pairs: dict[str, str], activity: str) -> None:
    """Record the model pairs, in memory only."""
    store().put(activity, MatchingRecord(pairs=dict(pairs)), persist=False)


def matching(matching_file: str):
    """The view: a placeholder widget (a real kind's view lives in pathways.views)."""
    import ipywidgets

    return ipywidgets.HTML(f"matching {load_matching(matching_file).activity}")


KIND = Kind(
    name="matching", title="Matching", record=MatchingRecord, item="matching",
    graders=(Grader("matching_points", matching_points, activity=Arg("activity", 0)),),
    models=(Grader("model_matching", model_matching, activity=Arg("activity", 1)),),
    view=View("matching", "support.matching:matching", file=Arg("matching_file", 0)),
    files=(FileFormat("matching", lambda data: "pairs" in data, load_matching, check,
                      activities=lambda path: {load_matching(path).activity: []}),),
    rules={"matching-shared": "two left cards that share a right card"},
    report=ReportSection(lambda release, call: f"Matching: {call.activity}"))


def register() -> Kind:
    """Register the kind (what one import line in widgets/activities/__init__.py does for a product kind)."""
    return registry.register(KIND)
