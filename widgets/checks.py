"""Knowledge checks: the question file format (no answers in it) and its loader.

Questions live in a YAML file beside the lesson notebook; the answer key lives only in the
notebook's hidden autograder tests, so it never reaches learners or dashboard visitors.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .scenario import ID_PATTERN, Problem, ScenarioError, _check_tags, load_model


class Option(BaseModel):
    """One answer option."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=r"^[a-z]$")
    text: str = Field(min_length=1)


class Question(BaseModel):
    """One knowledge-check question."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=ID_PATTERN)
    prompt: str = Field(min_length=1)
    multiple: bool = Field(default=False, description="True: tick every option that applies.")
    options: list[Option] = Field(min_length=2)
    tags: list[str] = Field(default_factory=list)

    _tags = field_validator("tags")(lambda v: _check_tags(v))


class CheckSet(BaseModel):
    """The knowledge checks of one lesson."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    activity: str = Field(default="checks", pattern=ID_PATTERN)
    questions: list[Question] = Field(min_length=1)

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
