"""Does `pathways new-scenario` write a small scenario that passes `pathways check` and shows every feature?"""

from __future__ import annotations

import io
from contextlib import redirect_stdout

import yaml
from pathways import engine
from pathways.authoring import slug
from pathways.grading import cli
from pathways.scenario import check_file, load


def test_new_scenario_passes_check_with_no_warning(tmp_path):
    """Is the new file valid, free of warnings, named after the scenario, and accepted by `pathways check`?"""
    out = io.StringIO()
    with redirect_stdout(out):
        assert cli.main(["new-scenario", "Bus Station", "--folder", str(tmp_path)]) == 0
    path = tmp_path / "bus-station.yaml"
    assert f"Wrote {path}" in out.getvalue()
    assert check_file(path) == []
    with redirect_stdout(io.StringIO()):
        assert cli.main(["check", "--strict", str(path)]) == 0
    assert load(path).id == "bus-station"


def test_new_scenario_shows_variables_set_and_when_and_endings(tmp_path):
    """Does the starting file use every part of the format an author needs (variables, set, when, endings)?"""
    with redirect_stdout(io.StringIO()):
        cli.main(["new-scenario", "kitchen", "--folder", str(tmp_path)])
    scenario = load(tmp_path / "kitchen.yaml")
    choices = [c for n in scenario.nodes.values() for c in n.choices]
    assert set(scenario.variables) == {"trust", "safety"}
    assert any(c.set for c in choices) and any(c.when for c in choices)
    assert any(isinstance(c.next, list) for c in choices)
    outcomes = {n.ending.outcome for n in scenario.nodes.values() if n.ending}
    assert outcomes == {"hopeful", "open", "concerning"}
    assert any(n.ending and n.ending.score == engine.best_score(scenario) for n in scenario.nodes.values())
    assert "#" in (tmp_path / "kitchen.yaml").read_text()  # comments explain each part


def test_new_scenario_never_overwrites(tmp_path, capsys):
    """Is an existing file kept unless --force is given?"""
    target = tmp_path / "mine.yaml"
    target.write_text("my work")
    assert cli.main(["new-scenario", str(target)]) == 1
    assert target.read_text() == "my work" and "already exists" in capsys.readouterr().err
    assert cli.main(["new-scenario", str(target), "--force"]) == 0
    assert yaml.safe_load(target.read_text())["id"] == "mine"


def test_slug_makes_valid_ids():
    """Are names turned into valid scenario ids?"""
    assert slug("Bus Station") == "bus-station" and slug("Clinic_2!") == "clinic_2" and slug("***") == "my-role-play"
