"""The scenario format: the pydantic models of a role-play, what a choice leads to, and the published schema.

A role-play is a graph written in YAML: nodes (moments of the story), choices between them, variables that
choices change and conditions that test them. The models check each field; the graph rules (`rules/`) check
what a schema cannot express. This module imports nothing of the loaders or the rules: the engine builds on it.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from ..checklist import checklist_ids
from ..principles import principle_ids
from .conditions import check_condition

#: A name (of a scenario, node, choice or variable): lowercase letters, digits, '-' and '_'.
ID_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
#: The form of a coverage-checklist id ('TI-01').
CHECKLIST_ID = re.compile(r"^[A-Z]{2}-\d{2}$")

Identifier = Annotated[str, Field(pattern=ID_PATTERN, max_length=60)]


def check_tag(tag: str) -> str:
    """The tag unchanged if it is a known coverage-checklist id; else ValueError in an author's words."""
    if not CHECKLIST_ID.match(tag):
        raise ValueError(f"tag {tag!r} is not a checklist id like 'TI-01'")
    if tag not in checklist_ids():
        raise ValueError(f"unknown checklist id {tag!r}; use an id of the coverage checklist "
                         "(`pathways check --list` shows them all)")
    return tag


def check_tags(value: list[str]) -> list[str]:
    """The tags unchanged if every one is a known checklist id (a field validator for other file formats)."""
    for tag in value:
        check_tag(tag)
    return value


#: A coverage-checklist id such as 'TI-01' (one of widgets/data/checklist.yaml).
ChecklistId = Annotated[str, AfterValidator(check_tag),
                        Field(json_schema_extra={"enum": sorted(checklist_ids())})]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Feedback(_Strict):
    """What the learner reads after a choice: the likely reaction, and the principle behind it."""

    reaction: str = Field(min_length=1, description="What the other person likely felt or did next.")
    principle: str = Field(description="Id of the trauma-informed principle (see principles.yaml).",
                           json_schema_extra={"enum": sorted(principle_ids())})
    honours: bool = Field(description="True if the choice honours the principle, false if it breaks it.")
    why: str = Field(min_length=1, description="Why, in one or two sentences, without shaming the learner.")

    @field_validator("principle")
    @classmethod
    def _known_principle(cls, value: str) -> str:
        if value not in principle_ids():
            raise ValueError(
                f"unknown principle {value!r}; use one of: {', '.join(sorted(principle_ids()))}"
            )
        return value


class Branch(_Strict):
    """One conditional destination: go to `goto` when `when` holds (no `when`: always)."""

    when: str | None = Field(default=None, description="A condition such as 'trust >= 2'; leave it out on the "
                             "last branch.")
    goto: Identifier = Field(description="The node this branch leads to.")

    _when = field_validator("when")(check_condition)


class Choice(_Strict):
    """One option the learner can pick at a node."""

    id: Identifier = Field(description="A short name for the choice, unique within its node.")
    text: str = Field(min_length=1, description="What the learner does or says (the button text).")
    next: Identifier | list[Branch] = Field(description="The node it leads to, or a list of branches "
                                            "tested in order.")
    score: int = Field(ge=0, le=10, description="Points for taking this choice (0 to 10).")
    feedback: Feedback
    when: str | None = Field(default=None, description="Only offered when this condition holds.")
    set: dict[Identifier, int] = Field(default_factory=dict, description="Add these amounts to variables.")
    tags: list[ChecklistId] = Field(default_factory=list, description="Checklist ids this choice teaches.")
    review: str | None = Field(default=None, description="What to read again if this choice was taken.")

    _when = field_validator("when")(check_condition)


class Ending(_Strict):
    """Marks a node as an ending of the story."""

    outcome: Literal["hopeful", "open", "concerning"] = Field(description="How the story ends; the diagram "
                                                                 "colours endings by outcome.")
    title: str = Field(min_length=1, description="A short title shown at the end.")
    score: int | None = Field(default=None, ge=0, description="Optional: the best score a learner can have "
                              "when the story ends here; `pathways check` confirms it.")


class Node(_Strict):
    """A moment in the conversation: narrative text, then choices or an ending."""

    speaker: str | None = Field(default=None, description="Who speaks (leave out for narration).")
    text: str = Field(min_length=1, description="What happens or is said at this moment.")
    choices: list[Choice] = Field(default_factory=list)
    ending: Ending | None = None


class Scenario(_Strict):
    """A whole role-play."""

    id: Identifier = Field(description="The scenario's name; a learner's saved answers refer to it.")
    version: int = Field(ge=1, description="Raise it when you change the story.")
    title: str = Field(min_length=1)
    role: str = Field(min_length=1, description="Who the learner plays, e.g. 'an ER nurse'.")
    setting: str = Field(min_length=1, description="Where and when the scene happens.")
    language: str = Field(default="en", description="Language code of the text, e.g. 'en' or 'es'.")
    checklist: list[ChecklistId] = Field(default_factory=list, description="Checklist ids the role-play teaches.")
    variables: dict[Identifier, int] = Field(default_factory=dict, description="Variables such as trust or "
                                             "safety, with their starting values.")
    good_direction: dict[Identifier, Literal["up", "down"]] = Field(
        default_factory=dict, description="Optional: for a variable, which way is good ('up': better higher, such "
        "as trust; 'down': better lower, such as risk). `pathways check` warns about a choice whose feedback says "
        "the opposite of how it moves the variable.")
    start: Identifier = Field(description="The node the story starts at.")
    nodes: dict[Identifier, Node] = Field(min_length=1)


def targets(choice: Choice) -> list[str]:
    """Every node a choice can lead to."""
    return [choice.next] if isinstance(choice.next, str) else [b.goto for b in choice.next]


def conditions_of(choice: Choice) -> list[str]:
    """Every condition a choice carries: its own 'when' and its branches' (the ones given)."""
    conds = [choice.when] + ([b.when for b in choice.next] if isinstance(choice.next, list) else [])
    return [c for c in conds if c]


def json_schema() -> dict:
    """The published JSON Schema of the scenario format (lessons/scenario.schema.json)."""
    schema = Scenario.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "description": "A Pathways role-play scenario. Write it in YAML; see lessons/AUTHORING.md.",
            **schema}
