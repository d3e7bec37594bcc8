"""Sorting exercises: place each item (a tactic, a message, a situation) into one category.

One format serves every lesson's exercise: sorting tactics onto Biderman's chart or the Power and
Control Wheel, tagging messages in a chat history, matching situations to resources, placing a
story on a stage of exiting. The file holds items and categories only; the answer key lives in
the file (a formative exercise) or in the notebook's hidden autograder test (a hidden-key one).

Like a knowledge check (checks.py), an exercise file has a `mode`: **formative** (the default), where
every item carries its key (`category:`) and a short `explanation`, shown with whether it was placed
right after the learner's first "Check my sorting" (the grader reads the key from the file); or
**hidden-key**, where neither is in the file and the key lives only in the notebook's hidden test.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .checks import EXPLANATION_MAX, Mode, mode_problems
from .scenario.model import ID_PATTERN, check_tags
from .scenario.problems import Problem, ScenarioError
from .scenario.source import load_model


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
