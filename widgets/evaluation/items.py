"""The learners' copy of the course evaluation (pre-test, post-test, follow-up): what a learner's notebook shows.

The file `items.yaml` beside the evaluation notebook holds the notice, the items (situations with options, never
a key or an explanation: `extra="forbid"` refuses a file that carries one), the attitude statements and, after
the course, the reaction form. `pathways evaluation release` writes it from the instructor's bank.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

#: The three time points, in order.
TIMEPOINTS = ("pre", "post", "followup")
#: What each time point is called for people.
TIMEPOINT_NAMES = {"pre": "pre-test", "post": "post-test", "followup": "follow-up"}
#: The file a learner's answers are saved in, beside the evaluation notebook (handed in with it).
ANSWERS_FILE = "evaluation.json"
#: The learners' copy of the bank, beside the evaluation notebook.
ITEMS_FILE = "items.yaml"
#: The Likert scale of the attitude statements (1 .. 5).
LIKERT = ("strongly disagree", "disagree", "neither agree nor disagree", "agree", "strongly agree")


class ItemOption(BaseModel):
    """One option of an item, as learners see it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=r"^[a-z]$")
    text: str = Field(min_length=1)


class Item(BaseModel):
    """One situation, as learners see it (no key)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    lesson: str
    objective: int
    prompt: str
    options: list[ItemOption] = Field(min_length=2)


class AttitudeText(BaseModel):
    """One attitude statement, answered on LIKERT."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    text: str = Field(min_length=1)


class Reaction(BaseModel):
    """The reaction form's three questions: two ratings (1 .. 5) and one free text."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    relevance: str
    confidence: str
    change: str


class LearnerItems(BaseModel):
    """The whole learners' file of one time point."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    title: str
    timepoint: str = Field(pattern="^(pre|post|followup)$")
    notice: str
    items: list[Item]
    attitudes: list[AttitudeText]
    reaction: Reaction | None = None


def load_items(path: str | Path) -> LearnerItems:
    """Read a learners' file (ValueError naming it if it cannot be used)."""
    path = Path(path)
    try:
        return LearnerItems.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as err:
        raise ValueError(f"{path} is not a usable evaluation file: {err}") from err


def shuffled(ids: list[str], learner: str, key: str) -> list[str]:
    """`ids` in an order of this learner's own: stable across reloads and time points for one learner, different
    between learners, and unrelated to the order in the file (the key is never placed by the author's order)."""
    def rank(i: str) -> str:
        return hashlib.sha256(f"{learner}\0{key}\0{i}".encode()).hexdigest()
    return sorted(ids, key=rank)
