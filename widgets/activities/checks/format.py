"""The knowledge-check kind's file format and its loader.

Questions live in a YAML file beside the lesson notebook. Each file is of one of two kinds, its `mode`
(lessons/AUTHORING.md, "Knowledge checks and sorting"; `pathways check` reports it for every file):

* **formative** (the default): every question carries its key (`answer:`) and every option a short
  `explanation` (markdown). Right after the learner's first checked answer, the widget says whether it
  was right and shows every explanation. The file is released with the lesson, so the learner can read
  the key: a formative question teaches, and its low-stakes point rewards a first answer given fairly.
  The grader reads the key from this file (`check_points("q1")`).
* **hidden-key**: no key and no explanation in the file. The key stays in the notebook's hidden
  autograder tests (`check_points("q1", "b", explanations={...})`), which never reach learners or
  dashboard visitors; the explanations reach the learner with their feedback, after grading. For a
  summative assessment with stakes.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ...scenario.model import ID_PATTERN, check_tags
from ...scenario.problems import Problem, ScenarioError
from ...scenario.source import load_model
from ..modes import EXPLANATION_MAX, Mode, mode_problems


class Option(BaseModel):
    """One answer option."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=r"^[a-z]$")
    text: str = Field(min_length=1)
    explanation: str | None = Field(default=None, min_length=1, max_length=EXPLANATION_MAX,
                                    description="Why this option is right or not (short, markdown), shown after the "
                                                "learner's first checked answer. Every option of a formative file "
                                                "has one; a hidden-key file has none.")


class Question(BaseModel):
    """One knowledge-check question."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=ID_PATTERN)
    prompt: str = Field(min_length=1, description="The question (markdown).")
    multiple: bool = Field(default=False, description="True: tick every option that applies.")
    answer: str | list[str] | None = Field(default=None, description="The key of a formative question: the right "
                                           "option's id, or the list of every right option's id (multiple: true).")
    options: list[Option] = Field(min_length=2)
    tags: list[str] = Field(default_factory=list)
    objectives: list[int] = Field(default_factory=list, description="The numbers of the lesson objectives (the "
                                  "numbered list in the notebook's overview) that this question assesses.")

    _tags = field_validator("tags")(lambda v: check_tags(v))

    @model_validator(mode="after")
    def _answer_names_options(self):
        if self.answer is None:
            return self
        given = self.answer if isinstance(self.answer, list) else [self.answer]
        if self.multiple != isinstance(self.answer, list) or not given or len(set(given)) != len(given):
            shape = "a list of option ids, such as [a, c]" if self.multiple else "one option id, such as b"
            raise ValueError(f"the answer of question {self.id!r} must be {shape}")
        unknown = [a for a in given if a not in {o.id for o in self.options}]
        if unknown:
            raise ValueError(f"the answer of question {self.id!r} names {', '.join(unknown)}, which is not an option")
        return self

    def right(self, answer) -> bool:
        """True if `answer` (an option id, or a list of ids) is this question's key (a formative question)."""
        def norm(value):
            return sorted(value) if isinstance(value, list) else value
        return self.answer is not None and norm(answer) == norm(self.answer)


class CheckSet(BaseModel):
    """The knowledge checks of one lesson."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    activity: str = Field(default="checks", pattern=ID_PATTERN)
    mode: Mode = Field(default="formative", description="formative: keys and explanations in this file, shown after "
                       "the first answer; hidden-key: the key only in the notebook's hidden tests.")
    questions: list[Question] = Field(min_length=1)

    @property
    def formative(self) -> bool:
        """True when the keys and explanations are in this file and shown after the first answer."""
        return self.mode == "formative"

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
    checks, smap = load_model(path, CheckSet)
    ids = [q.id for q in checks.questions]
    dups = sorted({i for i in ids if ids.count(i) > 1})
    if dups:
        raise ScenarioError([Problem(str(path), None, "questions", f"question ids used twice: {', '.join(dups)}")])
    explained = [sum(o.explanation is not None for o in q.options) for q in checks.questions]
    problems = mode_problems(path, smap, checks.formative, "questions", [
        (q.id, q.answer is not None, n == len(q.options) if checks.formative else n > 0)
        for q, n in zip(checks.questions, explained, strict=True)])
    if problems:
        raise ScenarioError(problems)
    return checks
