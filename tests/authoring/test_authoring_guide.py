"""Is the authoring guide's example valid, and does every command it shows exist?"""

from __future__ import annotations

import re
import shlex

from pathways.grading import cli
from pathways.grading.authoring import commands as authoring
from pathways.scenario import check_text, parse

GUIDE = authoring.course.LESSONS / "AUTHORING.md"
TEXT = GUIDE.read_text(encoding="utf-8")


def test_guide_example_is_a_complete_valid_scenario():
    """Does the example pass the check with no warning, and use every part the guide promises?"""
    block = re.search(r"```yaml\n(.*?)```", TEXT, re.S).group(1)
    assert check_text(block, "AUTHORING.md example") == []
    scenario = parse(block)[0]
    choices = [c for n in scenario.nodes.values() for c in n.choices]
    assert set(scenario.variables) == {"trust", "safety"}
    assert any(c.set for c in choices) and any(c.when for c in choices) and any(isinstance(c.next, list)
                                                                               for c in choices)
    assert all(c.feedback.principle for c in choices) and any(c.tags for c in choices)
    assert {n.ending.outcome for n in scenario.nodes.values() if n.ending} == {"hopeful", "open", "concerning"}


def test_guide_walk_through_matches_the_scores():
    """Are the numbers the guide quotes for the example's paths the ones the engine computes?"""
    from pathways.authoring import path_rows

    rows = path_rows(parse(re.search(r"```yaml\n(.*?)```", TEXT, re.S).group(1))[0])
    by_route = {r.route: (r.score, r.title) for r in rows}
    assert by_route["consult-room → listen → offer-card"] == (8, "A reason to come back")
    assert by_route["consult-room → just-the-medicine → offer-card"] == (7, "Maybe another day")
    assert max(r.score for r in rows if r.route.startswith("quick-sale")) == 4


def test_every_pathways_command_in_the_guide_exists():
    """Does every `pathways ...` line of the guide parse with the real command line?"""
    parser = cli.build_parser()
    commands = re.findall(r"^pathways [^\n#]+", TEXT, re.M)
    assert len(commands) >= 8
    for line in commands:
        args = shlex.split(line)[1:]
        parser.parse_args(args)  # exits (SystemExit) on an unknown command or option
