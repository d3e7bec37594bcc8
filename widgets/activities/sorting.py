"""The sorting kind: place each item (a tactic, a message, a situation) into one category.

One format serves every lesson's exercise: sorting tactics onto Biderman's chart or the Power and
Control Wheel, tagging messages in a chat history, matching situations to resources, placing a
story on a stage of exiting. The file holds items and categories only; the answer key lives in
the file (a formative exercise) or in the notebook's hidden autograder test (a hidden-key one).

Like a knowledge check, an exercise file has a `mode` (`pathways.activities.modes`): **formative** (the default), where
every item carries its key (`category:`) and a short `explanation`, shown with whether it was placed
right after the learner's first "Check my sorting" (the grader reads the key from the file); or
**hidden-key**, where neither is in the file and the key lives only in the notebook's hidden test.

Here: the file format and its loader, the record, the grader (`sorting_points`) and model answer, and the
kind's registration. Its view is `pathways.views.sorting`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..files import LESSON_NOTEBOOK
from ..i18n import ui
from ..markdown import plain
from ..scenario.model import ID_PATTERN, check_tags
from ..scenario.problems import Problem, ScenarioError
from ..scenario.source import load_model
from . import registry
from .common import feedback, find_file, learner_record, points_line, skipped
from .excusal import is_excused
from .modes import EXPLANATION_MAX, Mode, mode_problems
from .registry import Arg, FileFormat, Grader, Kind, ReportSection, View
from .responses import Record, new_seed, now, store
from .testcells import hidden_keys


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Category(_Model):
    """A place an item can go."""

    id: str = Field(pattern=ID_PATTERN)
    label: str = Field(min_length=1)


class Item(_Model):
    """A thing to place."""

    id: str = Field(pattern=ID_PATTERN)
    text: str = Field(min_length=1)
    category: str | None = Field(default=None, description="The key of a formative exercise: the id of the category "
                                 "this item belongs in.")
    explanation: str | None = Field(default=None, min_length=1, max_length=EXPLANATION_MAX,
                                    description="Where this item belongs and why (short, markdown), shown after the "
                                                "learner's first check. Every item of a formative file has one; a "
                                                "hidden-key file has none.")
    tags: list[str] = Field(default_factory=list)

    _tags = field_validator("tags")(lambda v: check_tags(v))


class SortExercise(_Model):
    """A whole sorting exercise."""

    activity: str = Field(pattern=ID_PATTERN)
    title: str = Field(min_length=1)
    instructions: str = Field(min_length=1)
    categories: list[Category] = Field(min_length=2)
    items: list[Item] = Field(min_length=1)
    objectives: list[int] = Field(default_factory=list, description="The numbers of the lesson objectives (the "
                                  "numbered list in the notebook's overview) that this exercise assesses.")

    mode: Mode = Field(default="formative", description="formative: keys and explanations in this file, shown after "
                       "the first check; hidden-key: the key only in the notebook's hidden test.")

    @model_validator(mode="after")
    def _keys_name_categories(self):
        known = {c.id for c in self.categories}
        unknown = [f"{i.id} ({i.category})" for i in self.items if i.category is not None and i.category not in known]
        if unknown:
            raise ValueError(f"items name a category that is not in `categories`: {', '.join(unknown)}")
        return self

    @property
    def formative(self) -> bool:
        """True when the key and explanations are in this file and shown after the first check."""
        return self.mode == "formative"

    @property
    def key(self) -> dict[str, str]:
        """The key of a formative exercise, {item id: category id} ({} for a hidden-key one)."""
        return {i.id: i.category for i in self.items if i.category is not None}


def load_exercise(path: str | Path) -> SortExercise:
    """Load and validate a sorting-exercise file; errors name file and line."""
    exercise, smap = load_model(path, SortExercise)
    for field, ids in (("categories", [c.id for c in exercise.categories]), ("items", [i.id for i in exercise.items])):
        dups = sorted({i for i in ids if ids.count(i) > 1})
        if dups:
            raise ScenarioError([Problem(str(path), smap.line((field,)), field, f"ids used twice: {', '.join(dups)}")])
    problems = mode_problems(path, smap, exercise.formative, "items", [
        (i.id, i.category is not None, i.explanation is not None) for i in exercise.items])
    if problems:
        raise ScenarioError(problems)
    return exercise


def sorting_score(placements: dict, key: dict[str, str]) -> tuple[int, int]:
    """(items placed correctly, items in the key)."""
    return sum(1 for item, cat in key.items() if placements.get(item) == cat), len(key)


# --- the record, the grader and the model answer -------------------------------------------------------------

class SortingCheck(Record):
    """The placements at the first "Check my sorting" (written once)."""

    placements: dict[str, str]
    at: str = ""


class SortingRecord(Record):
    """A sorting exercise: the latest placements, and those of the first check (graded) if it was pressed."""

    kind: Literal["sorting"] = "sorting"
    seed: int | None = None
    placements: dict[str, str] = Field(default_factory=dict)
    checked: SortingCheck | None = None

    @property
    def graded(self) -> dict[str, str]:
        """The graded placements: those of the first check, else the latest ones."""
        return self.checked.placements if self.checked is not None else self.placements


def _explain(placements: dict[str, str], explanations: dict[str, str], exercise: SortExercise | None) -> None:
    """Where each item belongs and why, for the learner's feedback (items named by their text)."""
    texts = {i.id: plain(i.text) for i in exercise.items} if exercise else {}
    labels = {c.id: plain(c.label) for c in exercise.categories} if exercise else {}
    lines = [f"{ui('grade_sorting')}: {ui('grade_why_items')}"]
    for item, text in explanations.items():
        name = f'"{texts[item]}"' if item in texts else item
        placed = placements.get(item)
        where = f" ({ui('you_placed', category=labels.get(placed, placed))})" if placed else f" {ui('not_placed')}"
        lines.append(f"- {name}{where}: {plain(text)}")
    feedback(lines)


def sorting_points(activity: str, key: dict[str, str] | None = None, points: float = 1,
                   explanations: dict[str, str] | None = None) -> float:
    """Points for a sorting exercise: the share of items placed as in the key, times `points`.

    The key is `key` (a hidden-key file: the key lives only in this hidden test), else the items' `category:`
    in the formative exercise file of the folder being graded. Graded: the placements at the learner's first
    "Check my sorting" (`checked`), else, when they never pressed it (or in an old record), the saved ones.
    `explanations` ({item id: text}; a formative file's own when the key is the file's) are printed after the
    points line, for the learner's feedback.
    """
    exercise = find_file("sorting", activity, load_exercise) if key is None or explanations else None
    if key is None:
        key = exercise.key if exercise is not None and exercise.formative else {}
        if not key:
            print(f"{ui('grade_sorting')}: {ui('grade_no_key')}. {points_line(points, 0)}")
            return 0.0
        explanations = explanations or {i.id: i.explanation for i in exercise.items}
    if is_excused(KIND.item_name(activity)):
        print(skipped(ui("grade_sorting"), points))
        return 0.0
    record, problem = learner_record(activity, SortingRecord)
    if record is None:
        print(f"{ui('grade_sorting')}: {problem or ui('grade_no_answer')}. {points_line(points, 0)}")
        return 0.0
    placements = record.graded
    right, total = sorting_score(placements, key)
    earned = round(points * right / total, 2) if total else 0.0
    when = ui("grade_sorting_first" if record.checked is not None else "grade_sorting_saved")
    print(f"{ui('grade_sorting')}: {ui('grade_items_placed', count=len(placements), when=when)}. "
          f"{points_line(points, earned)}")
    if explanations:
        _explain(placements, explanations, exercise)
    return earned


def model_sorting(key: dict[str, str], activity: str) -> None:
    """Record the model placements of a sorting exercise as its first check, in memory only."""
    record = SortingRecord(seed=new_seed(), placements=dict(key), checked=SortingCheck(placements=dict(key), at=now()))
    store().put(activity, record, persist=False)


def sorting_key(path: str | Path, notebook: str | Path | None = None) -> dict[str, str]:
    """The key of a sorting-exercise file, as the grader reads it: from the file when it is formative, else from
    the `sorting_points(...)` call of the notebook's hidden test (lesson.ipynb beside the file unless named)."""
    path = Path(path)
    exercise = load_exercise(path)
    if exercise.formative:
        return exercise.key
    calls = hidden_keys(notebook or path.with_name(LESSON_NOTEBOOK), "sorting", exercise.activity)
    key = calls[0].key if calls else None
    return key if isinstance(key, dict) else {}


# --- the kind -------------------------------------------------------------------------------------------------

def _check(path: Path) -> list[Problem]:
    try:
        load_exercise(path)
    except ScenarioError as exc:
        return exc.problems
    return []


def _label(release: Path, call) -> str:
    for path in sorted(release.glob("*.y*ml")):
        try:
            exercise = load_exercise(path)
        except Exception:  # noqa: BLE001 - not a sorting exercise
            continue
        if exercise.activity == call.activity:
            return f"Sorting: {exercise.title}"
    return "Sorting"


KIND = registry.register(Kind(
    name="sorting", title="Sorting exercise", record=SortingRecord, item="sorting",
    graders=(Grader("sorting_points", sorting_points, activity=Arg("activity", 0), key=Arg("key", 1)),),
    models=(Grader("model_sorting", model_sorting, activity=Arg("activity", 1)),),
    view=View("sorting", "pathways.views.sorting:sorting", file=Arg("exercise_file", 0)),
    files=(FileFormat("sorting", lambda data: "items" in data and "categories" in data, load_exercise, _check,
                      lambda path: load_exercise(path).mode,
                      lambda path: {load_exercise(path).activity: []}),),
    report=ReportSection(_label, section="sorting")))
