"""The course evaluation, instructor side (issue 27): a pre-test, post-test and delayed follow-up on an item bank
of their own (`bank`), with an attitude scale and a reaction form; voluntary, scored, never part of a grade.

`store` keeps each learner's answers (take-home notebooks handed back, `pathways evaluation collect`) and makes
the pseudonymous code; `analysis` and `stats` compute what the class report's section shows (`section`,
`figures`, `page`); `delivery` writes the take-home folders, the post-test's explanation pages and shows the
comments; `cli` holds `pathways evaluation`. The learner's side is `pathways.evaluation` (widgets/evaluation).
"""

from __future__ import annotations

from pathlib import Path


def scores(course: str | Path | None = None) -> dict[str, dict[str, float]]:
    """Each learner's percent correct at each time point (learner id → "pre"/"post"/"followup" → percent): see
    `section.scores`. Imported when called, so `pathways --help` and `pathways check` never load the report's
    figures (matplotlib)."""
    from .section import scores as _scores

    return _scores(course)


__all__ = ["scores"]
