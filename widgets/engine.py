"""The role-play engine under its first name: `pathways.engine` is `pathways.scenario.engine`.

The engine lives in the scenario package, on top of the model and conditions and below the check rules that
score a scenario with it. Lessons, the grading package and the tests import it as `pathways.engine`, so every
public name is offered here too; code inside `pathways` imports `pathways.scenario.engine`.
"""

from __future__ import annotations

from .scenario.engine import (
    HOPEFUL_MAX_MISSTEPS,
    LIMITED_OUTCOMES,
    LIMITS,
    MAX_REPEATS,
    MAX_WALKS,
    MISSTEP_SHARE,
    IllegalMove,
    Step,
    Summary,
    Verdict,
    Walk,
    all_walks,
    best_score,
    best_walk,
    ceiling,
    choice_at,
    holds,
    kept,
    limit_words,
    replay,
    summarize,
    targets,
)

__all__ = ["HOPEFUL_MAX_MISSTEPS", "LIMITED_OUTCOMES", "LIMITS", "MAX_REPEATS", "MAX_WALKS", "MISSTEP_SHARE",
           "IllegalMove", "Step", "Summary", "Verdict", "Walk", "all_walks", "best_score", "best_walk", "ceiling",
           "choice_at", "holds", "kept", "limit_words", "replay", "summarize", "targets"]
