"""The role-play engine: walks a scenario graph, scores a walk and re-checks a transcript.

It builds on the scenario model and conditions alone (`pathways.engine` is its old name and still works);
the score rules and assessment rules of `pathways check` build on it.

Pure Python, no Jupyter: the widget drives it click by click, and the autograder re-walks the
learner's saved transcript through the same functions, so a forged or impossible path fails.

The scoring rule (one rule, used alike by the widget's end summary, the autograder, the class
report and the author's path table; lessons/AUTHORING.md explains it to authors, README's "How grades
work" in one paragraph):

1. **A misstep earns nothing.** A choice whose feedback says `honours: false` is a misstep: it
   earns 0 points whatever its `score`. Every other choice earns its `score`, each choice counted
   once (so a loop cannot be farmed).
2. **Every misstep lowers what a walk can keep, whatever its ending.** A walk keeps what its
   choices earned, up to a ceiling: the best score with no misstep, and a quarter of the best
   score less for each misstep (MISSTEP_SHARE): one misstep keeps at most three quarters of the
   best score, two at most half, three a quarter, four or more nothing (rounded down). So only a
   walk with no misstep can keep the best score, and a walk with two or more missteps keeps at
   most half of it, at an open or hopeful ending too.
3. **A concerning ending keeps at most half of the best score**, and so does **an unfinished
   walk**, which gets no ending credit: it is scored as far as it went (stopping just before a bad
   ending can therefore never pay). The lowest ceiling that applies is the one kept.
4. **The best score** of a scenario is the most its choices can earn on a complete walk with no
   misstep that does not end at a concerning ending, over every walk in which no choice is taken
   more than twice (a loop that raises a variable could otherwise go on for ever; twice round is
   enough to unlock what a second pass unlocks). No other walk can reach it.

`pathways check` (rules/assessment.py, `misstep_problems`) warns about a scenario in which a walk with
more missteps keeps as much as every walk with fewer, so that the points follow every misstep.

A learner's share of the marks is `score / best`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

from ..principles import principles
from .conditions import holds
from .model import Choice, Scenario, targets

#: How often one choice may be repeated in an enumerated walk.
MAX_REPEATS = 2
#: Hard cap on the number of walks enumerated, so an enormous graph fails clearly instead of hanging.
MAX_WALKS = 20_000
#: Endings that keep at most half of the best score.
LIMITED_OUTCOMES = frozenset({"concerning"})
#: A hopeful ending should follow from at most this many missteps (`pathways check` warns otherwise).
HOPEFUL_MAX_MISSTEPS = 1
#: The share of the best score each misstep takes off what a walk can keep (rule 2).
MISSTEP_SHARE = Fraction(1, 4)

#: Why a walk keeps less than it earned, in words for learners, instructors and authors.
LIMITS = {
    "concerning": "a concerning ending keeps at most half of the best score",
    "missteps": "each misstep takes a quarter of the best score off what a path can keep",
    "unfinished": "an unfinished role-play keeps at most half of the best score",
}


def ceiling(best: int, missteps: int, outcome: str | None) -> tuple[int, str | None]:
    """The most a walk can keep (rules 2 and 3), and why it is below the best score (a key of LIMITS, or None).

    `outcome` is the ending's outcome, or None for an unfinished walk. The lowest ceiling that applies wins.
    """
    caps = [(best, None)]
    if missteps:
        caps.append((math.floor(best * max(0, 1 - missteps * MISSTEP_SHARE)), "missteps"))
    if outcome is None:
        caps.append((best // 2, "unfinished"))
    elif outcome in LIMITED_OUTCOMES:
        caps.append((best // 2, "concerning"))
    return min(caps, key=lambda cap: cap[0])


def kept(earned: int, best: int, missteps: int, outcome: str | None) -> int:
    """What a walk that earned `earned` keeps under the scoring rule (see the module docstring)."""
    return min(earned, ceiling(best, missteps, outcome)[0])


class IllegalMove(ValueError):
    """A choice that is not available where the walk stands."""


@dataclass(frozen=True)
class Step:
    """One choice taken: where, which, and what the scenario said about it."""

    node: str
    choice: str
    score: int  # the choice's declared score
    counted: bool  # first time this choice is taken at this node
    honours: bool = True  # False: a misstep, which earns nothing

    @property
    def points(self) -> int:
        """What this step earns under the scoring rule (0 for a misstep or a repeat)."""
        return self.score if self.counted and self.honours else 0


@dataclass
class Walk:
    """A walk in progress (or finished) through one scenario."""

    scenario: Scenario
    node: str = ""
    variables: dict[str, int] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.node:
            self.node = self.scenario.start
            self.variables = dict(self.scenario.variables)

    @property
    def finished(self) -> bool:
        """True once the walk stands on an ending."""
        return self.scenario.nodes[self.node].ending is not None

    @property
    def earned(self) -> int:
        """What the choices taken so far earn, before the ending's limit (missteps 0, each choice once)."""
        return sum(s.points for s in self.steps)

    @property
    def missteps(self) -> int:
        """How many missteps (choices marked `honours: false`) the walk has taken."""
        return sum(1 for s in self.steps if not s.honours)

    @property
    def outcome(self) -> str | None:
        """The outcome of the ending the walk stands on, or None while it is unfinished."""
        ending = self.scenario.nodes[self.node].ending
        return ending.outcome if ending is not None else None

    @property
    def limit(self) -> str | None:
        """Why the walk can keep less than the best score (a key of LIMITS: the lowest ceiling), or None."""
        why = ceiling(best_score(self.scenario), self.missteps, self.outcome)[1]
        return why or ("unfinished" if self.outcome is None else None)

    @property
    def score(self) -> int:
        """The walk's score under the scoring rule (see the module docstring)."""
        return kept(self.earned, best_score(self.scenario), self.missteps, self.outcome)

    def options(self) -> list[Choice]:
        """The choices offered at the current node, given the variables."""
        return [c for c in self.scenario.nodes[self.node].choices if holds(c.when, self.variables)]

    def choose(self, choice_id: str) -> Choice:
        """Take a choice; raise IllegalMove if it is not offered here."""
        for choice in self.options():
            if choice.id == choice_id:
                break
        else:
            offered = ", ".join(c.id for c in self.options()) or "none (this is an ending)"
            raise IllegalMove(f"choice {choice_id!r} is not offered at node {self.node!r} (offered: {offered})")
        counted = all(s.choice != choice.id or s.node != self.node for s in self.steps)
        self.steps.append(Step(self.node, choice.id, choice.score, counted, choice.feedback.honours))
        for name, delta in choice.set.items():
            self.variables[name] = self.variables.get(name, 0) + delta
        self.node = _destination(choice, self.variables)
        return choice

    def copy(self) -> Walk:
        """An independent copy (for path enumeration)."""
        return Walk(self.scenario, self.node, dict(self.variables), list(self.steps))


def _destination(choice: Choice, variables: dict[str, int]) -> str:
    if isinstance(choice.next, str):
        return choice.next
    for branch in choice.next:
        if holds(branch.when, variables):
            return branch.goto
    return choice.next[-1].goto  # unreachable for a validated scenario: the last branch has no condition


def all_walks(scenario: Scenario) -> list[Walk]:
    """Every complete walk from the start to an ending, without repeating a state and taking no
    choice more than MAX_REPEATS times.

    Raises ValueError if there are more than MAX_WALKS of them.
    """
    done: list[Walk] = []

    def visit(walk: Walk, seen: frozenset) -> None:
        if walk.finished:
            done.append(walk)
            if len(done) > MAX_WALKS:
                raise ValueError(f"scenario {scenario.id!r} has more than {MAX_WALKS} paths; split it up")
            return
        for choice in walk.options():
            if sum(1 for s in walk.steps if s.node == walk.node and s.choice == choice.id) >= MAX_REPEATS:
                continue
            nxt = walk.copy()
            nxt.choose(choice.id)
            state = (nxt.node, tuple(sorted(nxt.variables.items())))
            if state not in seen:
                visit(nxt, seen | {state})

    start = Walk(scenario)
    visit(start, frozenset({(start.node, tuple(sorted(start.variables.items())))}))
    return done


#: Best scores already computed, by scenario object (a scenario is immutable).
_BEST: dict[int, tuple[Scenario, int]] = {}


def best_score(scenario: Scenario) -> int:
    """The highest score a complete walk can keep: the most a complete walk with no misstep earns, not counting
    walks to a concerning ending (rule 4)."""
    cached = _BEST.get(id(scenario))
    if cached is not None and cached[0] is scenario:
        return cached[1]
    best = max((w.earned for w in all_walks(scenario) if w.missteps == 0 and w.outcome is not None
                and w.outcome not in LIMITED_OUTCOMES), default=0)
    if len(_BEST) > 256:
        _BEST.clear()
    _BEST[id(scenario)] = (scenario, best)
    return best


def best_walk(scenario: Scenario) -> Walk:
    """A complete walk with the best score (the model answer), the shortest such walk."""
    return max(all_walks(scenario), key=lambda w: (w.score, w.limit is None, -len(w.steps)))


def limit_words(walk: Walk) -> str:
    """Why the walk's score is limited, in words ('' when it is not)."""
    if walk.limit == "missteps":
        top = ceiling(best_score(walk.scenario), walk.missteps, walk.outcome)[0]
        return f"{LIMITS['missteps']}: with {walk.missteps} misstep{'s' * (walk.missteps > 1)}, at most {top}"
    return LIMITS[walk.limit] if walk.limit else ""


@dataclass(frozen=True)
class Verdict:
    """The result of re-checking a transcript against a scenario."""

    valid: bool
    complete: bool
    score: int
    best: int
    message: str
    walk: Walk | None = None

    status: str = ""  # "older-version": recorded on an older version and impossible in this one

    @property
    def fraction(self) -> float:
        """Score as a share of the best possible (0 for an invalid transcript; an unfinished one keeps
        its limited score)."""
        if not self.valid or self.best == 0:
            return 0.0
        return min(self.score, self.best) / self.best


def replay(scenario: Scenario, transcript: list[dict]) -> Verdict:
    """Re-walk a transcript ([{'node': ..., 'choice': ...}, ...]) through the scenario.

    An impossible step (a choice not offered where the walk stands, or a node that does not
    match) makes the whole transcript invalid: it earns nothing.
    """
    best = best_score(scenario)
    walk = Walk(scenario)
    if not isinstance(transcript, list):
        return Verdict(False, False, 0, best, "the transcript is not a list of steps")
    for i, step in enumerate(transcript, start=1):
        if not isinstance(step, dict) or not isinstance(step.get("choice"), str):
            return Verdict(False, False, 0, best, f"step {i} is not a recorded choice")
        if step.get("node") != walk.node:
            return Verdict(False, False, 0, best,
                           f"step {i} claims node {step.get('node')!r} but the scenario is at {walk.node!r}: "
                           "this path is not possible in the scenario")
        try:
            walk.choose(step["choice"])
        except IllegalMove as exc:
            return Verdict(False, False, 0, best, f"step {i}: {exc}: this path is not possible in the scenario")
    if not walk.finished:
        return Verdict(True, False, walk.score, best, f"the role-play was not finished: {walk.score} of {best} "
                       f"points ({limit_words(walk)})", walk)
    ending = scenario.nodes[walk.node].ending
    why = f" ({limit_words(walk)})" if walk.limit and walk.earned > walk.score else ""
    return Verdict(True, True, walk.score, best,
                   f"finished at '{ending.title}' with {walk.score} of {best} points{why}", walk)


@dataclass(frozen=True)
class Summary:
    """What the learner sees at the end: principles honoured, missteps, what to read again."""

    score: int
    best: int
    ending_title: str
    outcome: str
    honoured: list[str]
    missteps: list[tuple[str, str, str]]  # (choice text, principle name, why)
    review: list[str]
    earned: int = 0  # what the choices earned before the ending's limit
    limit: str | None = None  # why the score is limited (a key of LIMITS), if it is


def summarize(walk: Walk, lang: str | None = None) -> Summary:
    """Summarise a finished walk for the end screen (principle names in `lang` where translated)."""
    scenario = walk.scenario
    reg = principles(lang)
    honoured, missteps, review = [], [], []
    for step in walk.steps:
        choice = next(c for c in scenario.nodes[step.node].choices if c.id == step.choice)
        name = reg[choice.feedback.principle].name
        if choice.feedback.honours:
            if name not in honoured:
                honoured.append(name)
        else:
            missteps.append((choice.text, name, choice.feedback.why))
            if choice.review and choice.review not in review:
                review.append(choice.review)
    ending = scenario.nodes[walk.node].ending
    return Summary(walk.score, best_score(scenario), ending.title if ending else "", ending.outcome if ending else "",
                   honoured, missteps, review, walk.earned, walk.limit)


def choice_at(scenario: Scenario, node: str, choice_id: str) -> Choice:
    """Look up a choice by node and id."""
    return next(c for c in scenario.nodes[node].choices if c.id == choice_id)


__all__ = ["MISSTEP_SHARE", "Walk", "Step", "Verdict", "Summary", "IllegalMove", "all_walks", "best_score", "best_walk",
           "ceiling", "kept", "limit_words", "replay", "summarize", "choice_at", "holds", "targets", "LIMITS"]
