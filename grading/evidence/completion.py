"""Who completed the course: each learner's lessons as the gradebook and the ledger record them, and the course's
completion rule (pathways.config: `completion_lessons`, `completion_post_test`).

A lesson counts as done when its hand-in was graded (a reflection still awaiting the instructor's marks counts too),
whatever the score: this is a record of completion, not a pass mark. Items skipped for wellbeing count as done, so
a lesson whose every graded item was skipped is done as well (and is `excused` in the LMS files). A post-test mark,
when the rule asks for one, comes from the evaluation (`pathways.grading.evidence.evaluation.scores`); without it
the rule cannot be applied and the command says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pathways import config

from ..instructor import excusal_totals, gradebook
from ..instructor.course_setup import course_root, db_url, released_lessons
from ..instructor.export import AWAITING, GRADED, lessons_taught, status
from ..instructor.ledger import Ledger, name_id


@dataclass(frozen=True)
class LessonResult:
    """One learner's result in one lesson."""

    status: str  # grades.csv's status words (instructor/export.py)
    percent: float | None = None  # of the adjusted maximum (skipped items left out)
    excused: int = 0  # items skipped for wellbeing
    all_excused: bool = False  # every graded item skipped: nothing to grade

    @property
    def done(self) -> bool:
        """Graded (or awaiting only the reflection's marks): the lesson was handed in and counts as done."""
        return self.status in (GRADED, AWAITING)


@dataclass(frozen=True)
class Learner:
    """A learner of the course: id, name, e-mail, and whether the id came from the class list's id column."""

    id: str
    name: str
    email: str = ""
    listed_id: bool = False
    results: dict[str, LessonResult] = field(default_factory=dict)


@dataclass
class ClassTable:
    """Every learner's lessons: `lessons` released (teaching order), `taught` those the class handed in for."""

    lessons: list[str]
    taught: list[str]
    learners: list[Learner]


def _listed_id(sid: str, info: dict) -> bool:
    """True when the id is one an LMS can know (given on the class list, or an e-mail), not one made from a name."""
    return bool(info.get("roster")) and sid != name_id(info.get("name", "")) and not sid.startswith("learner-")


def class_table(course: str | Path | None = None) -> ClassTable:
    """The course's learners and their results, from the ledger and the gradebook (as `pathways export` reads)."""
    root = course_root(course)
    ledger = Ledger.load(root)
    url = db_url(root)
    table = gradebook.scores(url)
    adjusted = excusal_totals.adjusted_scores(url, root, table)
    released = released_lessons(root)
    ids = sorted(set(ledger.students) | {sid for sid, _ in table})
    learners = []
    for sid in ids:
        info = ledger.students.get(sid, {})
        results = {}
        for lesson in released:
            adj = adjusted.get((sid, lesson))
            word = status(ledger.get(sid, lesson), adj)
            if adj is None or word not in (GRADED, AWAITING):
                results[lesson] = LessonResult(word)
            else:
                results[lesson] = LessonResult(word, adj.percent, adj.excused, adj.max == 0 and adj.excused > 0)
        learners.append(Learner(sid, ledger.name(sid), info.get("email", ""), _listed_id(sid, info), results))
    return ClassTable(released, lessons_taught(ledger, released, table), learners)


@dataclass(frozen=True)
class Rule:
    """The completion rule in force: how many lessons (None: every released one) and what post-test mark (0: none)."""

    lessons: int | None
    post_test: int

    @classmethod
    def configured(cls) -> Rule:
        """The rule of the configuration in force."""
        cfg = config.current()
        text = cfg.completion_lessons.strip().lower()
        return cls(None if text == "all" else int(text), cfg.completion_post_test)

    def text(self, released: int) -> str:
        """The rule in words, for the record and the course sheet."""
        need = (f"every lesson ({released})" if self.lessons is None
                else f"at least {self.lessons} of {released} lessons")
        post = f", and a post-test mark of at least {self.post_test}%" if self.post_test else ""
        return (f"{need} handed in and graded{post}. Items skipped for wellbeing count as done; the score of a lesson "
                "does not matter.")


@dataclass(frozen=True)
class Completion:
    """Whether one learner met the rule, and why not."""

    learner: Learner
    done: list[str]
    post_mark: float | None
    complete: bool
    reasons: tuple[str, ...]


def post_test_marks(course: str | Path | None = None) -> dict[str, float]:
    """Learner id -> post-test mark (percent), from the evaluation; RuntimeError when there is none to read."""
    try:
        from .evaluation import scores
    except ImportError:
        raise RuntimeError("the completion rule asks for a post-test mark (PATHWAYS_COMPLETION_POST_TEST), but this "
                           "Pathways has no evaluation to read it from (pathways.grading.evidence.evaluation): set "
                           "PATHWAYS_COMPLETION_POST_TEST=0, or install a Pathways that has the evaluation") from None
    marks = {}
    for sid, value in (scores(course) or {}).items():
        mark = value.get("post") if isinstance(value, dict) else getattr(value, "post", value)
        if isinstance(mark, (int, float)):
            marks[sid] = float(mark)
    return marks


def completions(table: ClassTable, rule: Rule, post_marks: dict[str, float] | None = None) -> list[Completion]:
    """Every learner's completion under `rule` (post_marks: from `post_test_marks`, needed when the rule asks)."""
    need = len(table.lessons) if rule.lessons is None else rule.lessons
    out = []
    for learner in table.learners:
        done = [lesson for lesson in table.lessons if learner.results.get(lesson, LessonResult("")).done]
        reasons = []
        if len(done) < need:
            missing = [lesson for lesson in table.lessons if lesson not in done]
            reasons.append(f"{len(done)} of {need} lessons done (not done: " + ", ".join(
                f"{lesson}: {learner.results.get(lesson, LessonResult('missing')).status}" for lesson in missing) + ")")
        mark = (post_marks or {}).get(learner.id)
        if rule.post_test:
            if mark is None:
                reasons.append("no post-test mark")
            elif mark < rule.post_test:
                reasons.append(f"post-test mark {mark:g}% below {rule.post_test}%")
        out.append(Completion(learner, done, mark, not reasons, tuple(reasons)))
    return out
