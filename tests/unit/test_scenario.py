"""Does the loader accept good scenario files and name file, line and fix for bad ones?"""

from pathlib import Path

import pytest
from pathways.scenario import ScenarioError, load, parse

TINY = (Path(__file__).resolve().parent.parent / "fixtures" / "scenarios" / "tiny.yaml").read_text()


def problems(text):
    with pytest.raises(ScenarioError) as info:
        parse(text, "bad.yaml")
    return info.value.problems


def test_tiny_fixture_loads():
    """Is the fixture valid, with its variables and branches read?"""
    scenario = load(Path(__file__).resolve().parent.parent / "fixtures" / "scenarios" / "tiny.yaml")
    assert scenario.id == "tiny" and scenario.variables == {"trust": 0}


def test_missing_file_is_named():
    """Does a missing file give a clear error naming it?"""
    with pytest.raises(ScenarioError, match="nope.yaml: error: scenario file not found"):
        load("nope.yaml")


def test_yaml_syntax_error_names_line():
    """Is broken YAML reported with its line?"""
    [p] = problems("id: x\ntitle: [unclosed\nrole: r\n")
    assert p.file == "bad.yaml" and p.line == 3 and "not valid YAML" in p.message


def test_unknown_principle_names_line_and_choices():
    """Is an unknown principle reported at its own line, with the allowed ids?"""
    text = TINY.replace("principle: safety", "principle: bravery")
    [p] = problems(text)
    assert p.line == 20 and p.path == "nodes.a.choices[0].feedback.principle"
    assert "unknown principle 'bravery'" in p.message and "safety" in p.message
    assert str(p).startswith("bad.yaml:20: error: unknown principle")


def test_misspelt_field_and_missing_field():
    """Are a misspelt and a missing field both reported at once?"""
    text = TINY.replace("    score: 2\n", "    scroe: 2\n", 1)
    found = {(p.path, p.message) for p in problems(text)}
    assert ("nodes.a.choices[0].score", "this field is required but missing") in found
    assert any(path.endswith("scroe") and "not part of the scenario format" in msg for path, msg in found)


def test_unknown_target_is_located():
    """Is a choice leading to a missing node reported on the choice's 'next' line?"""
    text = TINY.replace("next: a\n", "next: nowhere\n")
    [p] = problems(text)
    assert "leads to 'nowhere', which is not a node" in p.message and p.line == 32


def test_unreachable_node_and_dead_end():
    """Are an unreachable node and a node with no way on both errors?"""
    text = TINY + "  orphan:\n    text: \"Nobody comes here.\"\n"
    messages = [p.message for p in problems(text)]
    assert any("no choices and is not an ending" in m for m in messages)


def test_loop_with_no_way_out():
    """Is a loop from which no ending can be reached an error?"""
    text = TINY.replace("goto: good}", "goto: a}").replace("{goto: meh}", "{goto: a}").replace(
        "next: good\n", "next: a\n")
    messages = [p.message for p in problems(text)]
    assert any("no ending can be reached" in m for m in messages)


def test_undeclared_variable():
    """Is a variable used in a condition but not declared reported?"""
    text = TINY.replace("  trust: 0\n", "  safety: 0\n")
    messages = [p.message for p in problems(text)]
    assert any("uses variable 'trust', which is not declared" in m for m in messages)


def test_malformed_choice_condition_is_located():
    """Is a choice's own malformed 'when' an error at its line (it once crashed the condition checks)?"""
    text = TINY.replace('when: "trust >= 2"', 'when: "trust is high"')
    [p] = problems(text)
    assert p.path == "nodes.b.choices[2].when" and p.line == 44
    assert "condition 'trust is high' is not of the form 'name >= number'" in p.message


def test_one_condition_evaluator():
    """Do the engine and the state graph decide conditions with the same function?"""
    from pathways import engine
    from pathways.scenario import conditions, states

    assert engine.holds is conditions.holds is states.holds
    assert conditions.holds("trust >= 2", {"trust": 2}) and not conditions.holds("trust > 2", {"trust": 2})
    assert conditions.holds(None, {}) and conditions.holds("risk < 1", {})  # an unset variable counts as 0
