"""The knowledge-check kind's record, grader (`check_points`) and model answers."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ...i18n import ui
from ...markdown import plain
from ..common import feedback, find_file, learner_record, points_line, skipped
from ..excusal import is_excused
from ..responses import Answer, Record, new_seed, now, store
from .format import CheckSet, load_checks

#: The item prefix of a question skipped for wellbeing (`check:<activity>:<question>`).
ITEM = "check"


class FirstAnswer(Record):
    """A check's first recorded answer (written once, at the first "Check answer")."""

    answer: Answer
    at: str = ""


class ChecksRecord(Record):
    """Knowledge checks: the first checked answer of each question (graded) and the latest one (kept)."""

    kind: Literal["checks"] = "checks"
    seed: int | None = None
    first: dict[str, FirstAnswer] = Field(default_factory=dict)
    answers: dict[str, Answer] = Field(default_factory=dict)

    def graded(self, question: str) -> Answer | None:
        """The graded answer: the first checked one, else (an old record) the saved one, else None."""
        if question in self.first:
            return self.first[question].answer
        return self.answers.get(question)


def _file_key(checks: CheckSet | None, question: str):
    """The key of a question in a formative check set, or None (no set, a hidden-key set, no such question)."""
    if checks is None or not checks.formative:
        return None
    try:
        return checks.question(question).answer
    except KeyError:
        return None


def _question_label(question: str, number: int | None, checks: CheckSet | None) -> str:
    """"Question 2": the number given, else the question's place in the check set, else its id."""
    if number is None and checks is not None:
        try:
            number = checks.number(question)
        except ValueError:
            number = None
    return f"{ui('question')} {number if number is not None else question}"


def _explain(label: str, question: str, answer, explanations: dict[str, str], checks: CheckSet | None) -> None:
    """Why each option is right or not, for the learner's feedback (the options named by their text)."""
    texts = {}
    if checks is not None:
        try:
            texts = {o.id: plain(o.text) for o in checks.question(question).options}
        except KeyError:
            texts = {}
    chosen = set(answer) if isinstance(answer, list) else {answer}
    lines = [f"{label}: {ui('grade_why_options')}"]
    for oid, text in explanations.items():
        name = f'"{texts[oid]}"' if oid in texts else f"{ui('grade_option')} {oid}"
        mine = f" ({ui('grade_your_answer')})" if oid in chosen else ""
        lines.append(f"- {name}{mine}: {plain(text)}")
    feedback(lines)


def check_points(question: str, expected: str | list[str] | None = None, points: float = 1, activity: str = "checks",
                 explanations: dict[str, str] | None = None, number: int | None = None) -> float:
    """Points for one knowledge check: all of `points` if the graded answer equals the key.

    The key is `expected` (a hidden-key file: the key lives only in this hidden test), else the question's
    `answer:` in the formative check set of the folder being graded (the released file, which the grader's
    copy of the lesson holds). The graded answer is the learner's first checked one (`first`), else, when
    they never pressed "Check answer" (or in an old record), the saved one. Later changes never count.
    `explanations` ({option id: text}; a formative file's own when the key is the file's) are printed after the
    points line, for the learner's feedback. The question is named "Question N": `number`, else its place in the
    check set of the folder, else its id.
    """
    needs_file = number is None or explanations or expected is None
    checks = find_file("checks", activity, load_checks) if needs_file else None
    label = _question_label(question, number, checks)
    if expected is None:
        expected = _file_key(checks, question)
        if expected is None:
            print(f"{label}: {ui('grade_no_key')}. {points_line(points, 0)}")
            return 0.0
        explanations = explanations or {o.id: o.explanation for o in checks.question(question).options}
    if is_excused(f"{ITEM}:{activity}:{question}"):
        print(skipped(label, points))
        return 0.0
    record, problem = learner_record(activity, ChecksRecord)
    answer, how = None, ""
    if record is not None:
        first = record.first.get(question)
        answer = first.answer if first is not None else record.answers.get(question)
        how = ui("grade_first_answer") if first is not None else ui("grade_saved_answer")
    if answer is None:
        print(f"{label}: {problem or ui('grade_no_answer')}. {points_line(points, 0)}")
        return 0.0
    want = sorted(expected) if isinstance(expected, list) else expected
    got = sorted(answer) if isinstance(answer, list) else answer
    earned = float(points) if got == want else 0.0
    print(f"{label}: {how}. {points_line(points, earned)}")
    if explanations:
        _explain(label, question, answer, explanations, checks)
    return earned


def model_checks(answers: dict[str, str | list[str]], activity: str = "checks") -> None:
    """Record the model answers of the knowledge checks as first checked answers, in memory only."""
    record = ChecksRecord(seed=new_seed(), answers=dict(answers),
                          first={qid: FirstAnswer(answer=answer, at=now()) for qid, answer in answers.items()})
    store().put(activity, record, persist=False)
