"""The evaluation's item bank (instructor-side): the items with their keys and explanations, the attitude scale
and the reaction form, in one YAML file, `evaluation/bank.yaml` in the lessons folder (never released: on a
workshop's machine the source lessons are out of the learners' reach, README "Installing").

`learner_copy` is what learners get: every item without its key or explanation (`pathways.evaluation.items`
reads it in the learner's kernel). `problems` runs the checks `pathways check` runs on a lesson's knowledge
checks on the bank too: no answer by shape (key first, or strictly the longest option, in more than 40% of the
items), every item naming an objective its lesson states, at least two items per lesson.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import yaml
from pathways.activities.checks.rules import lesson_objectives
from pathways.evaluation.items import TIMEPOINTS, AttitudeText, Reaction
from pathways.files import LESSON_NOTEBOOK
from pathways.scenario.model import ID_PATTERN
from pathways.scenario.problems import Problem
from pathways.scenario.rules.assessment import MAX_SHARE, MIN_DECISIONS
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ... import course as course_mod

#: Where the bank lives in a lessons folder.
BANK = Path("evaluation") / "bank.yaml"
#: The fewest items each lesson needs (issue 27).
PER_LESSON = 2


class BankOption(BaseModel):
    """An option with the explanation the post-test's feedback shows."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=r"^[a-z]$")
    text: str = Field(min_length=1)
    explanation: str = Field(min_length=1, max_length=600)


class BankItem(BaseModel):
    """One situation, its key, and the lesson objective it measures."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=ID_PATTERN)
    lesson: str = Field(min_length=1)
    objective: int = Field(ge=1, description="The number of the objective in the lesson's overview.")
    answer: str = Field(pattern=r"^[a-z]$")
    prompt: str = Field(min_length=1)
    options: list[BankOption] = Field(min_length=3)

    @model_validator(mode="after")
    def _answer_is_an_option(self):
        if self.answer not in {o.id for o in self.options}:
            raise ValueError(f"the answer of item {self.id!r} names {self.answer}, which is not an option")
        return self

    def right(self, choice: str | None) -> bool:
        """True when `choice` is the key."""
        return choice == self.answer


class BankAttitude(AttitudeText):
    """An attitude statement and whether it is reverse-keyed (agreeing is the less trauma-informed view)."""

    reverse: bool = False


class Bank(BaseModel):
    """The whole bank."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    title: str
    notice: str = Field(min_length=1, description="How the answers are used, shown first to every learner.")
    items: list[BankItem] = Field(min_length=1)
    attitudes: list[BankAttitude] = Field(min_length=2)
    reaction: Reaction

    @model_validator(mode="after")
    def _unique_ids(self):
        ids = [i.id for i in self.items] + [a.id for a in self.attitudes]
        dups = sorted(i for i, n in Counter(ids).items() if n > 1)
        if dups:
            raise ValueError(f"ids used twice: {', '.join(dups)}")
        return self

    def item(self, iid: str) -> BankItem | None:
        """The item of that id, or None."""
        return next((i for i in self.items if i.id == iid), None)


def bank_path(lessons: str | Path | None = None) -> Path:
    """The bank file of the lessons folder in force (or `lessons`)."""
    return (Path(lessons) if lessons else course_mod.lessons_dir()) / BANK


def load_bank(path: str | Path | None = None) -> Bank:
    """Read and validate the bank; a missing or malformed file is a ValueError naming it."""
    path = Path(path) if path else bank_path()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ValueError(f"no evaluation item bank at {path} ({err.strerror})") from err
    try:
        return Bank.model_validate(data)
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from err


def learner_copy(bank: Bank, timepoint: str) -> dict:
    """The learners' file for one time point: the notice, every item without key or explanation, the attitude
    statements without their keying, and the reaction form after the course only."""
    if timepoint not in TIMEPOINTS:
        raise ValueError(f"unknown time point {timepoint!r}; one of {', '.join(TIMEPOINTS)}")
    return {"title": bank.title, "timepoint": timepoint, "notice": bank.notice,
            "items": [{"id": i.id, "lesson": i.lesson, "objective": i.objective, "prompt": i.prompt,
                       "options": [{"id": o.id, "text": o.text} for o in i.options]} for i in bank.items],
            "attitudes": [{"id": a.id, "text": a.text} for a in bank.attitudes],
            "reaction": bank.reaction.model_dump() if timepoint != "pre" else None}


def secrets(bank: Bank) -> list[str]:
    """Every string that must never reach a learner before grading: each explanation (the keys are option ids,
    found through the learners' files carrying no `answer`)."""
    return [o.explanation for i in bank.items for o in i.options]


def shape_problems(bank: Bank) -> list[str]:
    """`pathways check`'s key-shape rules on the bank: the key listed first, or strictly the longest option, in
    more than MAX_SHARE of the items (judged from MIN_DECISIONS items)."""
    if len(bank.items) < MIN_DECISIONS:
        return []
    first = [i.id for i in bank.items if i.options[0].id == i.answer]
    longest = [i.id for i in bank.items
               if all(len(o.text) < len(next(k for k in i.options if k.id == i.answer).text)
                      for o in i.options if o.id != i.answer)]
    out = []
    for what, ids in (("listed first", first), ("strictly the longest option", longest)):
        if len(ids) > MAX_SHARE * len(bank.items):
            out.append(f"the key is {what} in {len(ids)} of {len(bank.items)} items (more than "
                       f"{round(100 * MAX_SHARE)}%): {', '.join(ids)}")
    return out


def coverage_problems(bank: Bank, lessons: str | Path | None = None) -> list[str]:
    """Each lesson of the lessons folder with at least PER_LESSON items, and each item naming a lesson that
    exists and an objective that lesson states."""
    folder = Path(lessons) if lessons else course_mod.lessons_dir()
    known = course_mod.lesson_ids(folder)
    out = []
    for item in bank.items:
        if item.lesson not in known:
            out.append(f"item {item.id} names lesson {item.lesson!r}, which is not in {folder}")
            continue
        stated = lesson_objectives(folder / item.lesson / LESSON_NOTEBOOK)
        if stated and item.objective > len(stated):
            out.append(f"item {item.id} names objective {item.objective}, but {item.lesson} states "
                       f"objectives 1 to {len(stated)}")
    counts = Counter(i.lesson for i in bank.items)
    out += [f"lesson {les} has {counts[les]} item(s); the evaluation needs at least {PER_LESSON} per lesson"
            for les in known if counts[les] < PER_LESSON]
    return out


def problems(path: str | Path | None = None, lessons: str | Path | None = None) -> list[str]:
    """Everything wrong with the bank, as lines for `pathways evaluation check` (empty when it is sound)."""
    try:
        bank = load_bank(path)
    except ValueError as err:
        return [str(err)]
    return shape_problems(bank) + coverage_problems(bank, lessons)


def is_bank(path: str | Path) -> bool:
    """True for a lessons folder's evaluation bank (`evaluation/bank.yaml`), which `pathways check` checks too."""
    path = Path(path)
    return path.name == BANK.name and path.parent.name == BANK.parent.name


def check_problems(path: str | Path) -> list[Problem]:
    """`pathways check` on the bank: an error if it cannot be read; the key-shape rule (`check-key`) and the
    coverage of lessons and objectives (`objectives`) as warnings, against the lessons folder it sits in."""
    path = Path(path)
    try:
        bank = load_bank(path)
    except ValueError as err:
        return [Problem(str(path), None, "", str(err))]
    return [Problem(str(path), None, "items", m, "warning", "check-key") for m in shape_problems(bank)] + \
        [Problem(str(path), None, "items", m, "warning", "objectives")
         for m in coverage_problems(bank, path.parent.parent)]


def dump(data: dict) -> str:
    """A learners' file as YAML text (the order of the keys kept)."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110)
