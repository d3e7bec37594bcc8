"""Does `pathways check --paths` show, for each moment, what every path to it has done and what only some have,
so an author finds a moment whose text assumes a choice some paths never took?"""

from __future__ import annotations

from pathlib import Path

from pathways.authoring import reached
from pathways.grading import cli
from pathways.scenario import load

BASE = Path(__file__).parent / "base.yaml"


def test_each_moment_lists_choices_taken_on_every_some_and_no_path():
    """In base.yaml, 'good' is reached only by kind then finish; 'open' by three different paths."""
    by_node = {r.node: r for r in reached(load(BASE))}
    good, open_ = by_node["good"], by_node["open"]
    assert (good.paths, good.always, good.sometimes, good.never) == (1, ["kind", "finish"], [], ["rush", "leave"])
    assert (open_.paths, open_.always, sorted(open_.sometimes), open_.never) == \
        (3, [], ["finish", "kind", "leave", "rush"], [])
    assert good.values == {"trust": [1]} and open_.values == {"trust": [0, 1]}


def test_cli_prints_the_paths_of_one_file(capsys):
    """Does the command print each moment with its lines, and refuse to run without exactly one file?"""
    assert cli.main(["check", "--paths", str(BASE)]) == 0
    out = capsys.readouterr().out
    assert "good (hopeful ending; 1 path here; trust 1)\n  every path here took: kind, finish\n" \
           "  no path here took: rush, leave\n" in out
    assert "open (open ending; 3 paths here; trust 0 to 1)\n  only some paths here took:" in out
    assert cli.main(["check", "--paths"]) == 1
