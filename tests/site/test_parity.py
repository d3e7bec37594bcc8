"""One meaning for a role-play: every path of every shipped scenario, translation and test fixture, walked through
the Python engine and through the static site's player (node), shows the same options, feedback, variables,
endings, scores and end summary."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from pathways import authoring
from pathways.grading.delivery.site import player
from pathways.i18n import ui_strings
from pathways.scenario import engine, load
from pathways.views.roleplay import feedback_html, summary_html

ROOT = Path(__file__).resolve().parents[2]
PLAYER_JS = ROOT / "grading" / "delivery" / "site" / "static" / "player.js"


def scenario_files() -> list[Path]:
    """Every scenario the project ships or tests: lessons (translations included) and tests/fixtures."""
    shipped = [p for p in sorted((ROOT / "lessons").glob("*/*.yaml"))
               if authoring.file_kind(p) in ("scenario", "translation")]
    return shipped + sorted((ROOT / "tests" / "fixtures" / "scenarios").glob("*.yaml"))


def python_trace(scenario, lang, path: list[str]) -> dict:
    walk = engine.Walk(scenario)

    def look() -> dict:
        ending = scenario.nodes[walk.node].ending
        options = walk.options()
        return {"node": walk.node, "said": player._said(scenario, walk.node),
                "options": sorted(c.id for c in options), "texts": sorted(c.text for c in options),
                "variables": dict(walk.variables), "score": walk.score,
                "ending": None if ending is None else {"outcome": ending.outcome, "title": ending.title}}

    trace = [look()]
    for cid in path:
        choice = walk.choose(cid)
        trace.append({**look(), "feedback": feedback_html(choice, lang)})
    summary = summary_html(engine.summarize(walk, lang or "en"), lang) if walk.finished else None
    return {"trace": trace, "summary": summary}


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_every_path_means_the_same_in_the_engine_and_the_site_player():
    cases, expected, counts = [], [], {}
    for path in scenario_files():
        scenario = load(path)
        lang = scenario.language if scenario.language != "en" else None
        # every complete walk; its trace holds every state on the way (an unfinished walk's options and score, as a
        # learner who stops half way sees them)
        paths = [[s.choice for s in w.steps] for w in engine.all_walks(scenario)]
        cases.append({"table": player.table(scenario, lang), "ui": ui_strings(lang or "en"),
                      "paths": [list(p) for p in paths]})
        expected.append([python_trace(scenario, lang, list(p)) for p in paths])
        counts[path.name] = (len(paths), sum(len(p) + 1 for p in paths))
    result = subprocess.run(["node", str(Path(__file__).with_name("parity.js"))], check=True, capture_output=True,
                            text=True, input=json.dumps({"player": str(PLAYER_JS), "cases": cases}), timeout=120)
    got = json.loads(result.stdout)
    for (name, _), want, have in zip(counts.items(), expected, got, strict=True):
        for i, (w, h) in enumerate(zip(want, have, strict=True)):
            assert h == w, f"{name}: path {i} differs"
    print("parity (complete walks, states compared on them):", counts)
    assert len(counts) >= 9
