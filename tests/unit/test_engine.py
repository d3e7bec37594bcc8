"""Does the engine walk, score and re-check role-plays as the scenario graph says?"""

from pathlib import Path

import pytest
from pathways import engine
from pathways.scenario import load, parse

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


def test_unfinished_transcript_keeps_at_most_half(tiny):
    """Is a legal but unfinished walk scored as far as it went, with no ending credit (at most half the best)?"""
    verdict = engine.replay(tiny, steps(("a", "kind")))
    assert verdict.valid and not verdict.complete and verdict.score == 2 and verdict.fraction == pytest.approx(2 / 8)
    verdict = engine.replay(tiny, steps(("a", "kind"), ("b", "again"), ("a", "kind"), ("b", "secret")))
    assert verdict.complete and verdict.score == 8
    assert "unfinished role-play keeps at most half" in engine.replay(tiny, steps(("a", "rush"))).message


# --- the scoring rule ------------------------------------------------------------------------------------

RULE = """
id: rule
version: 1
title: "Rule"
role: "a tester"
setting: "A test."
start: s1
nodes:
  s1:
    text: "One."
    choices:
      - {id: good1, text: "Good.", next: s2, score: 6,
         feedback: &ok {reaction: "r", principle: safety, honours: true, why: "w"}}
      - {id: bad1, text: "Bad.", next: s2, score: 2, review: "x",
         feedback: &no {reaction: "r", principle: safety, honours: false, why: "w"}}
  s2:
    text: "Two."
    choices:
      - {id: good2, text: "Good.", next: s3, score: 1, feedback: *ok}
      - {id: bad2, text: "Bad.", next: s3, score: 0, review: "x", feedback: *no}
  s3:
    text: "Three."
    choices:
      - {id: good3, text: "Good.", next: hope, score: 1, feedback: *ok}
      - {id: bad3, text: "Bad.", next: hope, score: 0, review: "x", feedback: *no}
      - {id: harsh, text: "Harsh.", next: dark, score: 1, feedback: *ok}
  hope:
    text: "Hope."
    ending: {outcome: hopeful, title: "Hope"}
  dark:
    text: "Dark."
    ending: {outcome: concerning, title: "Dark"}
"""


@pytest.fixture
def rule():
    return parse(RULE)[0]


def walk_of(scenario, *choices):
    walk = engine.Walk(scenario)
    for c in choices:
        walk.choose(c)
    return walk


def test_best_score_counts_only_walks_the_rule_does_not_limit(rule):
    """Is the best score the most a walk with no misstep that does not end at a concerning ending earns (6+1+1)?"""
    assert engine.best_score(rule) == 8 and engine.best_walk(rule).node == "hope"


@pytest.mark.parametrize(
    ("choices", "earned", "limit", "score"),
    [
        (("good1", "good2", "good3"), 8, None, 8),                 # hopeful, no misstep: keeps all
        (("bad1", "good2", "good3"), 2, "missteps", 2),            # a misstep earns nothing, whatever its score
        (("good1", "bad2", "good3"), 7, "missteps", 6),            # one misstep: at most three quarters, any ending
        (("good1", "bad2", "bad3"), 6, "missteps", 4),             # two missteps: at most half, at a hopeful ending
        (("good1", "good2", "harsh"), 8, "concerning", 4),         # concerning: at most half of the best
        (("bad1", "good2", "harsh"), 2, "concerning", 2),          # under half already: unchanged
        (("good1",), 6, "unfinished", 4),                          # unfinished: no ending credit
    ],
)
def test_scoring_rule(rule, choices, earned, limit, score):
    """Does each walk keep what the rule says: missteps earn 0, each misstep lowers the ceiling, a concerning ending
    or an unfinished run keeps at most half?"""
    walk = walk_of(rule, *choices)
    assert (walk.earned, walk.limit, walk.score) == (earned, limit, score)


@pytest.mark.parametrize(("missteps", "outcome", "top", "why"), [
    (0, "hopeful", 12, None), (0, "open", 12, None), (1, "open", 9, "missteps"), (1, "hopeful", 9, "missteps"),
    (2, "hopeful", 6, "missteps"), (2, "open", 6, "missteps"), (3, "open", 3, "missteps"), (4, "open", 0, "missteps"),
    (6, "hopeful", 0, "missteps"), (0, "concerning", 6, "concerning"), (1, "concerning", 6, "concerning"),
    (3, "concerning", 3, "missteps"), (0, None, 6, "unfinished"), (1, None, 6, "unfinished"),
])
def test_each_misstep_takes_a_quarter_of_the_best_score_off_the_ceiling(missteps, outcome, top, why):
    """With a best score of 12, does a walk keep at most 12, 9, 6, 3, then 0 as its missteps grow, whatever its
    ending, and at most half at a concerning ending or unfinished (the lowest ceiling wins)?"""
    assert engine.ceiling(12, missteps, outcome) == (top, why)
    assert engine.kept(12, 12, missteps, outcome) == top and engine.kept(2, 12, missteps, outcome) == min(2, top)


def test_every_consumer_uses_the_same_rule(rule):
    """Do the replay (grader), the summary (widget) and the path table (preview) give a walk the same score?"""
    from pathways.authoring import path_rows

    rows = {tuple(c for _n, c, _t in r.choices): r.score for r in path_rows(rule)}
    for walk in engine.all_walks(rule):
        route = [s.choice for s in walk.steps]
        verdict = engine.replay(rule, [{"node": s.node, "choice": s.choice} for s in walk.steps])
        assert verdict.score == engine.summarize(walk).score == rows[tuple(route)] == walk.score
    assert max(rows.values()) == engine.best_score(rule)


def test_verdict_explains_a_limited_score(rule):
    """Does the grader's message say why a concerning ending kept only half?"""
    walk = walk_of(rule, "good1", "good2", "harsh")
    verdict = engine.replay(rule, [{"node": s.node, "choice": s.choice} for s in walk.steps])
    assert verdict.message == ("finished at 'Dark' with 4 of 8 points (a concerning ending keeps at most half of "
                               "the best score)")
    assert verdict.fraction == 0.5


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


@pytest.mark.parametrize(("lang", "words"), [("en", "Your choices earned 8 points, but a concerning ending"),
                                             ("es", "Tus decisiones sumaron 8 puntos, pero un final preocupante")])
def test_end_summary_says_why_the_score_was_limited(rule, lang, words):
    """Does the learner's end summary show the limited score and say, in their language, why it is limited?"""
    from pathways.views.roleplay import summary_html

    html = summary_html(engine.summarize(walk_of(rule, "good1", "good2", "harsh")), lang)
    assert words in html and ("4 of 8" in html or "4 de 8" in html)
    assert "concerning" not in summary_html(engine.summarize(walk_of(rule, "good1", "good2", "good3")), "en")


@pytest.mark.parametrize(("lang", "words", "full"), [
    ("en", "Your choices earned 7 points, but each misstep takes a quarter of the best score off what a path can "
           "keep, so this path keeps at most 6 (missteps: 1).", "8 of 8"),
    ("es", "Tus decisiones sumaron 7 puntos, pero cada error resta una cuarta parte", "8 de 8")])
def test_a_summary_that_lists_a_misstep_never_says_full_marks(rule, lang, words, full):
    """A walk whose choices earn the best score but for one misstep: does its summary list the misstep, keep 6 of
    8 (never full marks) and say why, in the learner's language?"""
    from pathways.views.roleplay import summary_html

    summary = engine.summarize(walk_of(rule, "good1", "bad2", "good3"))
    assert len(summary.missteps) == 1 and summary.score == 6
    html = summary_html(summary, lang)
    assert words in html and full not in html and ("6 of 8" in html or "6 de 8" in html)
    for walk in engine.all_walks(rule):
        summary = engine.summarize(walk)
        assert not summary.missteps or summary.score < summary.best
