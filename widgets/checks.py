"""Knowledge checks: the question file format (no answers in it) and its loader.

Questions live in a YAML file beside the lesson notebook; the answer key lives only in the
notebook's hidden autograder tests, so it never reaches learners or dashboard visitors.

A question is used in one of two ways (lessons/AUTHORING.md, "Knowledge checks and sorting"):

* **formative**: every option carries a short `explanation` (markdown). The widget shows them all
  right after the learner's first checked answer. Anything in this file can be read by the
  learner, so the explanations give the key away: such a question teaches, it does not test.
* **graded**: no option carries an explanation. The key stays in the hidden tests; the grading
  call may carry the explanations (`check_points(..., explanations={...})`), which reach the
  learner with their feedback.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .scenario.model import ID_PATTERN, check_tags
from .scenario.problems import Problem, ScenarioError
from .scenario.source import load_model

#: The longest explanation an option or sorting item may carry (a few sentences).
EXPLANATION_MAX = 600


class Option(BaseModel):
    """One answer option."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=r"^[a-z]$")
    text: str = Field(min_length=1)
    explanation: str | None = Field(default=None, min_length=1, max_length=EXPLANATION_MAX,
                                    description="Why this option is right or not (short, markdown), shown after the "
                                                "learner's first checked answer. Give every option one, or none.")


class Question(BaseModel):
    """One knowledge-check question."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=ID_PATTERN)
    prompt: str = Field(min_length=1, description="The question (markdown).")
    multiple: bool = Field(default=False, description="True: tick every option that applies.")
    options: list[Option] = Field(min_length=2)
    tags: list[str] = Field(default_factory=list)
    objectives: list[int] = Field(default_factory=list, description="The numbers of the lesson objectives (the "
                                  "numbered list in the notebook's overview) that this question assesses.")

    _tags = field_validator("tags")(lambda v: check_tags(v))

    @model_validator(mode="after")
    def _all_or_none_explained(self):
        given = [o.id for o in self.options if o.explanation is not None]
        if given and len(given) != len(self.options):
            missing = ", ".join(o.id for o in self.options if o.explanation is None)
            raise ValueError(f"options {', '.join(given)} carry an explanation but {missing} do not: give every "
                             "option an explanation (a formative question), or none (a graded question)")
        return self

    @property
    def explained(self) -> bool:
        """True for a formative question: every option carries an explanation."""
        return self.options[0].explanation is not None


class CheckSet(BaseModel):
    """The knowledge checks of one lesson."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    activity: str = Field(default="checks", pattern=ID_PATTERN)
    questions: list[Question] = Field(min_length=1)

    def number(self, qid: str) -> int:
        """The question's number for people: its position in the file, from 1."""
        return [q.id for q in self.questions].index(qid) + 1

    def question(self, qid: str) -> Question:
        """Look a question up by id (KeyError naming it if absent)."""
        for q in self.questions:
            if q.id == qid:
                return q
        raise KeyError(f"no question {qid!r}; known: {', '.join(q.id for q in self.questions)}")


def load_checks(path: str | Path) -> CheckSet:
    """Load and validate a knowledge-check file; errors name file and line."""
    checks, _ = load_model(path, CheckSet)
    ids = [q.id for q in checks.questions]
    dups = sorted({i for i in ids if ids.count(i) > 1})
    if dups:
        raise ScenarioError([Problem(str(path), None, "questions", f"question ids used twice: {', '.join(dups)}")])
    return checks
