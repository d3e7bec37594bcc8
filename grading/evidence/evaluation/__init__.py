"""The course evaluation, instructor side (issue 27): a pre-test, post-test and delayed follow-up on an item bank
of their own (`bank`), with an attitude scale and a reaction form; voluntary, scored, never part of a grade.

`store` keeps each learner's answers (take-home notebooks handed back, `pathways evaluation collect`) and makes
the pseudonymous code; `analysis` and `stats` compute what the class report's section shows (`section`,
`figures`, `page`); `delivery` writes the take-home folders, the post-test's explanation pages and shows the
comments; `cli` holds `pathways evaluation`. The learner's side is `pathways.evaluation` (widgets/evaluation).
"""

from .section import scores

__all__ = ["scores"]
