"""Does `pathways graph` draw a valid picture of every shipped scenario, coloured by outcome?"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from pathways.authoring import COLOURS, diagram_graph, draw, scenario_files
from pathways.grading import cli, course
from pathways.grading.authoring import commands
from pathways.scenario import load

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SHIPPED = scenario_files(course.LESSONS)


def test_every_shipped_scenario_is_found():
    """Are the lessons' scenarios found (and knowledge checks, exercises and translations left out)?"""
    names = {p.name for p in SHIPPED}
    assert "er_visit.yaml" in names
    assert not names & {"checks.yaml", "sorting.yaml", "er_visit.es.yaml"}
    # Same as a plain glob of lessons/*/*.yaml without checks, exercises and translations.
    globbed = {p for p in course.LESSONS.glob("*/*.yaml") if p.name != "checks.yaml" and p.name.count(".") == 1
               and "nodes:" in p.read_text(encoding="utf-8")}
    assert set(SHIPPED) == globbed


@pytest.mark.parametrize("scenario_file", SHIPPED, ids=lambda p: p.parent.name)
def test_graph_command_writes_valid_png_and_svg(scenario_file, tmp_path, capsys):
    """Does `pathways graph FILE -o x.png/x.svg` write a real PNG and a well-formed SVG naming every node?"""
    png, svg = tmp_path / "g.png", tmp_path / "g.svg"
    assert cli.main(["graph", str(scenario_file), "-o", str(png)]) == 0
    assert cli.main(["graph", str(scenario_file), "-o", str(svg)]) == 0
    assert png.read_bytes()[:8] == PNG_MAGIC and png.stat().st_size > 5_000
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    # Text is drawn as outlines (no font needed to view it): one text group per node label at least.
    texts = [g for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("id", "").startswith("text_")]
    assert len(texts) >= len(load(scenario_file).nodes)
    assert "Wrote" in capsys.readouterr().out


def test_endings_coloured_by_outcome_and_start_marked():
    """Are endings coloured by their outcome, with every node and every choice present?"""
    scenario = load(course.LESSONS / "01-why-dont-they-leave" / "er_visit.yaml")
    graph = diagram_graph(scenario)
    assert set(graph.nodes) == set(scenario.nodes)
    kinds = {n: d["kind"] for n, d in graph.nodes(data=True)}
    assert kinds["door-open"] == "hopeful" and kinds["left-early"] == "concerning" and kinds["closed"] == "open"
    assert kinds["arrival"] == "node" and graph.nodes["arrival"]["start"]
    labels = "\n".join(d["label"] for _u, _v, d in graph.edges(data=True))
    for node in scenario.nodes.values():
        for choice in node.choices:
            assert f"{choice.id} ({choice.score})" in labels
    assert "then if trust >= 2" in labels and "otherwise" in labels
    assert all(kind in COLOURS for kind in kinds.values())
    # Endings share the bottom layer, below every other node.
    bottom = {graph.nodes[n]["layer"] for n in graph if kinds[n] in ("hopeful", "open", "concerning")}
    assert len(bottom) == 1 and bottom.pop() > max(graph.nodes[n]["layer"] for n in graph if kinds[n] == "node")


def test_svg_is_reproducible(tmp_path):
    """Does drawing the same scenario twice give the same SVG (no date, fixed ids), fit for version control?"""
    scenario = load(course.LESSONS / "01-why-dont-they-leave" / "er_visit.yaml")
    a, b = draw(scenario, tmp_path / "a.svg"), draw(scenario, tmp_path / "b.svg")
    assert a.read_bytes() == b.read_bytes()


def test_graph_of_a_scenario_with_a_missing_node_still_draws(tmp_path):
    """Does a graph error (a choice to a missing node) still draw, with the missing node shown?"""
    path = Path(__file__).parent / "broken" / "unknown_target.yaml"
    assert cli.main(["graph", str(path), "-o", str(tmp_path / "x.png")]) == 0
    from pathways.scenario import analyse

    graph = diagram_graph(analyse(path.read_text(), str(path)).scenario)
    assert graph.nodes["tlak"]["kind"] == "missing"


def test_graph_refuses_schema_errors_and_bad_suffix(tmp_path, capsys):
    """Is a file with schema errors refused with its problems, and an unknown picture format refused clearly?"""
    path = Path(__file__).parent / "broken" / "score_too_high.yaml"
    assert cli.main(["graph", str(path), "-o", str(tmp_path / "x.svg")]) == 1
    assert "this must be at most 10" in capsys.readouterr().err
    good = course.LESSONS / "01-why-dont-they-leave" / "er_visit.yaml"
    assert cli.main(["graph", str(good), "-o", str(tmp_path / "x.pdf")]) == 1
    assert ".svg or .png" in capsys.readouterr().err


def test_graph_warns_when_saving_into_a_lesson_folder(tmp_path, capsys):
    """Is the author warned that a picture saved in a lesson folder would reach learners?"""
    lesson = tmp_path / "lesson"
    lesson.mkdir()
    (lesson / "lesson.ipynb").write_text("{}")
    assert cli.main(["graph", str(course.LESSONS / "01-why-dont-they-leave" / "er_visit.yaml"), "-o",
                     str(lesson / "map.svg")]) == 0
    assert "given to learners" in capsys.readouterr().err


def test_graph_of_a_translation_draws_the_same_graph(tmp_path):
    """Can a translation be drawn too (same graph, translated titles)?"""
    out = commands.graph(course.LESSONS / "01-why-dont-they-leave" / "er_visit.es.yaml", tmp_path / "es.png")
    assert out.read_bytes()[:8] == PNG_MAGIC
