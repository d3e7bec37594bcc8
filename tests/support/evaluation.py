"""Synthetic cohorts for the course evaluation (pathways.grading.evidence.evaluation), built as typed records
(`pathways.evaluation.Answers`) by a simulated learner who gets a given number of the bank's items right.

`sitting(bank, tp, right)` answers the first `right` items with their key and every other item with a wrong
option; `attitudes(bank, level)` answers every statement so that its scored value is `level` (reverse-keyed
ones answered 6 - level). A cohort maps a code to its sittings, as `analysis.analyse` reads it.
"""

from __future__ import annotations

import random

from pathways.evaluation import Answers
from pathways.grading.evidence.evaluation.bank import Bank


def sitting(bank: Bank, timepoint: str, right: int, attitude: int | None = None, relevance: int | None = None,
            change: str = "") -> Answers:
    """A sitting with exactly `right` items right (the first ones in the bank), every item answered."""
    answers = {}
    for n, item in enumerate(bank.items):
        wrong = next(o.id for o in item.options if o.id != item.answer)
        answers[item.id] = item.answer if n < right else wrong
    return Answers(timepoint=timepoint, answers=answers, attitudes=attitudes(bank, attitude) if attitude else {},
                   relevance=relevance, confidence=relevance, change=change)


def attitudes(bank: Bank, level: int) -> dict[str, int]:
    """Every statement answered so that its scored value (reverse-keyed: 6 - answer) is `level`."""
    return {a.id: (6 - level if a.reverse else level) for a in bank.attitudes}


def declined(timepoint: str) -> Answers:
    """A learner who chose not to take part."""
    return Answers(timepoint=timepoint, declined=True)


def cohort_of_30(bank: Bank, seed: int = 27) -> dict[str, dict[str, Answers]]:
    """Thirty learners shaped like Lee et al. (2021): about 55% right before, 85% after, less at follow-up; 18 of
    the 30 take the follow-up, one declines the pre-test, one skips it, and two items everyone knows before."""
    rng, n_items, out = random.Random(seed), len(bank.items), {}
    for k in range(30):
        code = f"c{k:02d}"
        pre, post = rng.randint(5, 10), rng.randint(10, n_items)
        sittings = {"pre": _known(bank, "pre", pre, rng, rng.choice([2, 3, 3, 4])),
                    "post": _known(bank, "post", post, rng, rng.choice([3, 4, 4, 5]), rng.randint(3, 5))}
        if k < 18:
            sittings["followup"] = _known(bank, "followup", max(pre, post - rng.randint(1, 5)), rng,
                                          rng.choice([3, 4, 4]))
        if k == 28:
            sittings["pre"] = declined("pre")
        if k == 29:
            del sittings["pre"]
        out[code] = sittings
    return out


def _known(bank: Bank, timepoint: str, right: int, rng: random.Random, level: int,
           relevance: int | None = None) -> Answers:
    """`right` items right, chosen at random but always including the two easiest (e13, e11), with attitude
    answers scattered one step around `level`."""
    easy = [i.id for i in bank.items if i.id in ("e13", "e11")]
    others = [i.id for i in bank.items if i.id not in easy]
    good = set(easy + rng.sample(others, max(0, right - len(easy))))
    answers = {i.id: i.answer if i.id in good else next(o.id for o in i.options if o.id != i.answer)
               for i in bank.items}
    keyed = {a.id: min(5, max(1, level + rng.choice([-1, 0, 0, 1]))) for a in bank.attitudes}
    return Answers(timepoint=timepoint, answers=answers,
                   attitudes={a.id: 6 - keyed[a.id] if a.reverse else keyed[a.id] for a in bank.attitudes},
                   relevance=relevance, confidence=relevance, change="more time for role-plays" if relevance else "")
