"""Does the engine walk, score and re-check role-plays as the scenario graph says?"""

from pathlib import Path

import pytest
from pathways import engine
from pathways.scenario import load

TINY = Path(__file__).resolve().parent.parent / "fixtures" / "scenarios" / "tiny.yaml"


@pytest.fixture
def tiny():
    return load(TINY)


def steps(*pairs):
    return [{"node": n, "choice": c} for n, c in pairs]


def test_walk_follows_choices_and_variables(tiny):
    """Does a walk move, count score and apply `set`?"""
    walk = engine.Walk(tiny)
    assert [c.id for c in walk.options()] == ["kind", "rush"]
    walk.choose("kind")
    assert walk.node == "b" and walk.variables == {"trust": 1} and walk.score == 2
    assert [c.id for c in walk.options()] == ["again", "finish"]  # 'secret' needs trust >= 2


def test_conditional_branch_and_hidden_choice(tiny):
    """Do `when` on choices and on branches change what is offered and where it leads?"""
    walk = engine.Walk(tiny)
    walk.choose("rush")
    walk.choose("finish")
    assert walk.node == "meh" and walk.finished
    walk = engine.Walk(tiny)
    for c in ["kind", "again", "kind"]:
        walk.choose(c)
    assert "secret" in [c.id for c in walk.options()]


def test_illegal_choice_raises(tiny):
    """Is a choice that is not offered refused with a message naming it?"""
    walk = engine.Walk(tiny)
    with pytest.raises(engine.IllegalMove, match="'finish' is not offered at node 'a'"):
        walk.choose("finish")


def test_loop_cannot_farm_points(tiny):
    """Is each choice counted once, so looping earns nothing extra?"""
    walk = engine.Walk(tiny)
    for c in ["rush", "again", "rush", "again", "rush", "again"]:
        walk.choose(c)
    assert walk.score == 1


def test_best_score_and_best_walk(tiny):
    """Is the best score the best over all complete walks, and does best_walk reach it?"""
    walks = engine.all_walks(tiny)
    assert all(w.finished for w in walks)
    best = engine.best_score(tiny)
    assert best == max(w.score for w in walks) == 2 + 1 + 5  # kind, again (once), secret
    assert engine.best_walk(tiny).score == best


def test_replay_accepts_a_legal_transcript(tiny):
    """Does a legal, finished transcript earn its score?"""
    verdict = engine.replay(tiny, steps(("a", "kind"), ("b", "finish")))
    assert verdict.valid and verdict.complete and verdict.score == 3 and verdict.fraction == pytest.approx(3 / 8)


@pytest.mark.parametrize(
    ("transcript", "message"),
    [
        (steps(("a", "kind"), ("b", "secret")), "'secret' is not offered at node 'b'"),
        (steps(("a", "kind"), ("good", "finish")), "claims node 'good' but the scenario is at 'b'"),
        (steps(("a", "nonsense")), "'nonsense' is not offered"),
        ([{"node": "a"}], "step 1 is not a recorded choice"),
        ("not a list", "not a list"),
    ],
)
def test_replay_rejects_forged_paths(tiny, transcript, message):
    """Does a forged or impossible transcript earn nothing, with a message saying why?"""
    verdict = engine.replay(tiny, transcript)
    assert not verdict.valid and verdict.fraction == 0 and message in verdict.message


def test_unfinished_transcript_earns_nothing(tiny):
    """Is a legal but unfinished walk worth zero?"""
    verdict = engine.replay(tiny, steps(("a", "kind")))
    assert verdict.valid and not verdict.complete and verdict.fraction == 0


def test_summary_names_principles_missteps_and_review(tiny):
    """Does the end summary list honoured principles, missteps with reasons, and what to reread?"""
    walk = engine.Walk(tiny)
    walk.choose("rush")
    walk.choose("finish")
    summary = engine.summarize(walk)
    assert summary.outcome == "open" and summary.ending_title == "Meh"
    assert summary.honoured == ["Trustworthiness and transparency"]
    assert summary.missteps == [("Hurry them.", "Patience and pacing", "Rushing adds pressure.")]
    assert summary.review == ["Section 2"]
