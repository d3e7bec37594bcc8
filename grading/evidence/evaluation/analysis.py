"""What the evaluation shows, computed from the bank and the pseudonymous answers: pure functions, no files.

* A sitting's **score** is the percent of the bank's items answered right (an item left blank is not known);
  a sitting with no item answered, or declined, has no score.
* **Pairs**: learners with both a pre-test and a post-test score. The mean paired gain (post - pre, in
  percentage points) has a 95% interval: Student's t from BOOTSTRAP_BELOW pairs on, a seeded percentile
  bootstrap below. Under CONCLUDE_FROM pairs nothing is concluded: the figures are shown, no interval or
  test is, and the report says so plainly.
* **Decay**: learners with a post-test and a follow-up score; their mean change (follow-up - post).
* **Uninformative items**: at least UNINFORMATIVE of the learners who answered it were right on the pre-test.
* **Attitudes**: each statement 1..5, reverse-keyed ones scored 6 - answer, so that higher is always the
  trauma-informed view; a sitting's attitude score is the mean of the statements answered (at least half);
  change pre -> post by median and the Wilcoxon signed-rank test; reliability by Cronbach's alpha over the
  sittings that answered every statement. The scale was written for this course and is not externally validated.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from pathways.evaluation.items import TIMEPOINTS
from pathways.evaluation.record import Answers

from . import stats
from .bank import Bank

CONCLUDE_FROM = 10
BOOTSTRAP_BELOW = 15
UNINFORMATIVE = 0.80

Cohort = dict[str, dict[str, Answers]]  # pseudonymous code -> time point -> answers


def score(bank: Bank, answers: Answers | None) -> float | None:
    """Percent of the bank's items answered right; None when declined or nothing was answered."""
    if answers is None or answers.declined or not any(i.id in answers.answers for i in bank.items):
        return None
    return 100.0 * sum(i.right(answers.answers.get(i.id)) for i in bank.items) / len(bank.items)


def attitude_items(bank: Bank, answers: Answers | None) -> dict[str, int]:
    """The statements answered, each scored so that higher is the trauma-informed view."""
    if answers is None or answers.declined:
        return {}
    keyed = {a.id: a.reverse for a in bank.attitudes}
    return {k: (6 - v if keyed[k] else v) for k, v in answers.attitudes.items() if k in keyed and 1 <= v <= 5}


def attitude_score(bank: Bank, answers: Answers | None) -> float | None:
    """The mean scored statement, when at least half of the statements were answered."""
    got = attitude_items(bank, answers)
    return stats.mean(list(got.values())) if len(got) * 2 >= len(bank.attitudes) else None


@dataclass
class Change:
    """A paired change: how many pairs, the mean and its interval (None under CONCLUDE_FROM pairs), the share
    of pairs that went up, and the means of the two sides."""

    n: int
    mean: float | None = None
    interval: stats.Interval | None = None
    improved: float | None = None
    before: float | None = None
    after: float | None = None

    @property
    def concluded(self) -> bool:
        return self.n >= CONCLUDE_FROM


def paired_change(before: dict[str, float], after: dict[str, float]) -> Change:
    """The change from `before` to `after` over the codes in both."""
    codes = sorted(set(before) & set(after))
    if not codes:
        return Change(0)
    diffs = [after[c] - before[c] for c in codes]
    interval = None
    if len(codes) >= CONCLUDE_FROM:
        interval = stats.mean_interval(diffs, BOOTSTRAP_BELOW)
    return Change(len(codes), stats.mean(diffs), interval, sum(d > 0 for d in diffs) / len(diffs),
                  stats.mean([before[c] for c in codes]), stats.mean([after[c] for c in codes]))


@dataclass
class ItemRow:
    """One item: its lesson and objective, and per time point the share right and how many answered."""

    id: str
    lesson: str
    objective: int
    share: dict[str, float | None]
    n: dict[str, int]

    @property
    def uninformative(self) -> bool:
        pre = self.share.get("pre")
        return pre is not None and pre >= UNINFORMATIVE


@dataclass
class AttitudeChange:
    """The attitude scale: medians at each time point, the paired pre -> post change and its test, alpha."""

    n: dict[str, int]
    medians: dict[str, float | None]
    pairs: int = 0
    median_change: float | None = None
    test: stats.Wilcoxon | None = None
    alpha: dict[str, float | None] = field(default_factory=dict)
    alpha_n: dict[str, int] = field(default_factory=dict)


@dataclass
class ReactionSummary:
    """The reaction form after the course: counts of each rating, medians, how many wrote a comment."""

    n: int
    relevance: Counter
    confidence: Counter
    comments: int

    def median(self, what: str) -> float | None:
        counts: Counter = getattr(self, what)
        values = [v for v, k in counts.items() for _ in range(k)]
        return stats.median(values) if values else None


@dataclass
class Evaluation:
    """Everything the evaluation section shows."""

    taken: dict[str, int]
    declined: dict[str, int]
    scores: dict[str, dict[str, float]]  # time point -> code -> percent
    gain: Change
    decay: Change
    items: list[ItemRow]
    objectives: list[ItemRow]  # id = "lesson objective N", aggregated over its items
    attitudes: AttitudeChange
    reaction: ReactionSummary

    @property
    def concluded(self) -> bool:
        return self.gain.concluded

    @property
    def uninformative(self) -> list[ItemRow]:
        return [row for row in self.items if row.uninformative]


def _shares(bank: Bank, cohort: Cohort, ids: list[str]) -> tuple[dict, dict]:
    share, n = {}, {}
    for tp in TIMEPOINTS:
        marks = [bank.item(i).right(a.answers.get(i)) for sittings in cohort.values()
                 if (a := sittings.get(tp)) and not a.declined for i in ids if i in a.answers]
        n[tp] = len(marks)
        share[tp] = sum(marks) / len(marks) if marks else None
    return share, n


def item_rows(bank: Bank, cohort: Cohort) -> tuple[list[ItemRow], list[ItemRow]]:
    """Each item's row, and each objective's (its items' answers pooled)."""
    items = [ItemRow(i.id, i.lesson, i.objective, *_shares(bank, cohort, [i.id])) for i in bank.items]
    groups: dict[tuple[str, int], list[str]] = {}
    for i in bank.items:
        groups.setdefault((i.lesson, i.objective), []).append(i.id)
    objectives = [ItemRow(f"{les} objective {obj}", les, obj, *_shares(bank, cohort, ids))
                  for (les, obj), ids in groups.items()]
    return items, objectives


def attitude_change(bank: Bank, cohort: Cohort) -> AttitudeChange:
    """Medians, the paired pre -> post change with its Wilcoxon test, and alpha at each time point."""
    by_tp = {tp: {c: s for c, sit in cohort.items() if (s := attitude_score(bank, sit.get(tp))) is not None}
             for tp in TIMEPOINTS}
    out = AttitudeChange({tp: len(v) for tp, v in by_tp.items()},
                         {tp: stats.median(list(v.values())) if v else None for tp, v in by_tp.items()})
    pairs = sorted(set(by_tp["pre"]) & set(by_tp["post"]))
    out.pairs = len(pairs)
    if pairs:
        diffs = [by_tp["post"][c] - by_tp["pre"][c] for c in pairs]
        out.median_change = stats.median(diffs)
        out.test = stats.wilcoxon(diffs) if len(pairs) >= CONCLUDE_FROM else None
    ids = [a.id for a in bank.attitudes]
    for tp in TIMEPOINTS:
        rows = [[got[i] for i in ids] for sit in cohort.values()
                if len(got := attitude_items(bank, sit.get(tp))) == len(ids)]
        out.alpha[tp], out.alpha_n[tp] = stats.cronbach_alpha(rows), len(rows)
    return out


def reaction_summary(cohort: Cohort) -> ReactionSummary:
    """The reaction form, from the post-test (or, for a learner without one, the follow-up)."""
    forms = [a for sit in cohort.values() for a in [sit.get("post") or sit.get("followup")]
             if a is not None and not a.declined]
    return ReactionSummary(sum(1 for a in forms if a.relevance or a.confidence or a.change.strip()),
                           Counter(a.relevance for a in forms if a.relevance),
                           Counter(a.confidence for a in forms if a.confidence),
                           sum(1 for a in forms if a.change.strip()))


def analyse(bank: Bank, cohort: Cohort) -> Evaluation:
    """Every figure of the evaluation section, from the answers of a pseudonymous cohort."""
    scores = {tp: {c: s for c, sit in cohort.items() if (s := score(bank, sit.get(tp))) is not None}
              for tp in TIMEPOINTS}
    declined = {tp: sum(1 for sit in cohort.values() if sit.get(tp) and sit[tp].declined) for tp in TIMEPOINTS}
    items, objectives = item_rows(bank, cohort)
    return Evaluation({tp: len(v) for tp, v in scores.items()}, declined, scores,
                      paired_change(scores["pre"], scores["post"]), paired_change(scores["post"], scores["followup"]),
                      items, objectives, attitude_change(bank, cohort), reaction_summary(cohort))
