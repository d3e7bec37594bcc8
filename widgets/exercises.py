"""Sorting exercises: place each item (a tactic, a message, a situation) into one category.

One format serves every lesson's exercise: sorting tactics onto Biderman's chart or the Power and
Control Wheel, tagging messages in a chat history, matching situations to resources, placing a
story on a stage of exiting. The file holds items and categories only; the answer key lives in
the notebook's hidden autograder test.

Like a knowledge check (checks.py), an exercise is formative when every item carries a short
`explanation` (shown after the learner's first "Check my sorting"; it gives the key away, since the
learner can read this file), or graded when none does (the grading call may carry them instead).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .checks import EXPLANATION_MAX
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
    explanation: str | None = Field(default=None, min_length=1, max_length=EXPLANATION_MAX,
                                    description="Where this item belongs and why (short, markdown), shown after the "
                                                "learner's first check. Give every item one, or none.")
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

    @model_validator(mode="after")
    def _all_or_none_explained(self):
        given = [i.id for i in self.items if i.explanation is not None]
        if given and len(given) != len(self.items):
            missing = ", ".join(i.id for i in self.items if i.explanation is None)
            raise ValueError(f"some items carry an explanation but {missing} do not: give every item an "
                             "explanation (a formative exercise), or none (a graded exercise)")
        return self

    @property
    def explained(self) -> bool:
        """True for a formative exercise: every item carries an explanation."""
        return self.items[0].explanation is not None


def load_exercise(path: str | Path) -> SortExercise:
    """Load and validate a sorting-exercise file; errors name file and line."""
    exercise, smap = load_model(path, SortExercise)
    for field, ids in (("categories", [c.id for c in exercise.categories]), ("items", [i.id for i in exercise.items])):
        dups = sorted({i for i in ids if ids.count(i) > 1})
        if dups:
            raise ScenarioError([Problem(str(path), smap.line((field,)), field, f"ids used twice: {', '.join(dups)}")])
    return exercise


def sorting_score(placements: dict, key: dict[str, str]) -> tuple[int, int]:
    """(items placed correctly, items in the key)."""
    return sum(1 for item, cat in key.items() if placements.get(item) == cat), len(key)
