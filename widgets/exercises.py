"""Sorting exercises: place each item (a tactic, a message, a situation) into one category.

One format serves every lesson's exercise: sorting tactics onto Biderman's chart or the Power and
Control Wheel, tagging messages in a chat history, matching situations to resources, placing a
story on a stage of exiting. The file holds items and categories only; the answer key lives in
the notebook's hidden autograder test.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .scenario import ID_PATTERN, Problem, ScenarioError, SourceMap, _check_tags, _clean_loc, _dotted, _friendly


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
    tags: list[str] = Field(default_factory=list)

    _tags = field_validator("tags")(lambda v: _check_tags(v))


class SortExercise(_Model):
    """A whole sorting exercise."""

    activity: str = Field(pattern=ID_PATTERN)
    title: str = Field(min_length=1)
    instructions: str = Field(min_length=1)
    categories: list[Category] = Field(min_length=2)
    items: list[Item] = Field(min_length=1)


def load_exercise(path: str | Path) -> SortExercise:
    """Load and validate a sorting-exercise file; errors name file and line."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    try:
        data, smap = yaml.safe_load(text), SourceMap(yaml.compose(text))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise ScenarioError([Problem(str(path), line, "", f"not valid YAML: {exc}")]) from None
    try:
        exercise = SortExercise.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError([Problem(str(path), smap.line(_clean_loc(e["loc"])), _dotted(_clean_loc(e["loc"])),
                                     _friendly(e)) for e in exc.errors()]) from None
    for field, ids in (("categories", [c.id for c in exercise.categories]), ("items", [i.id for i in exercise.items])):
        dups = sorted({i for i in ids if ids.count(i) > 1})
        if dups:
            raise ScenarioError([Problem(str(path), smap.line((field,)), field, f"ids used twice: {', '.join(dups)}")])
    return exercise


def sorting_score(placements: dict, key: dict[str, str]) -> tuple[int, int]:
    """(items placed correctly, items in the key)."""
    return sum(1 for item, cat in key.items() if placements.get(item) == cat), len(key)
