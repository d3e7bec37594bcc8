"""Can an author pick a scenario, play it at once and see every path, in the notebook and under Voila?"""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request

import nbformat
import pytest
from nbclient import NotebookClient
from pathways import engine
from pathways.grading import course
from pathways.grading.authoring import commands
from pathways.scenario import load
from pathways.views.preview import Preview
from support.processes import stop_process, wait_for
from support.voila import kernel_count

LESSON1 = course.LESSONS / "01-why-dont-they-leave"
BROKEN = commands.Path(__file__).resolve().parent / "broken"


@pytest.fixture
def preview(in_tmp, monkeypatch):
    """A preview over the real lessons; the environment it sets is restored after the test."""
    monkeypatch.setenv("PATHWAYS_STORAGE", "memory")
    monkeypatch.setenv("PATHWAYS_LANG", "en")
    return Preview(course.LESSONS)


def test_preview_notebook_is_not_a_lesson():
    """Is the preview kept out of lessons/ (nbgrader would hand it out), with no outputs committed?"""
    assert commands.PREVIEW.is_file() and course.LESSONS not in commands.PREVIEW.parents
    nb = nbformat.read(commands.PREVIEW, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")


def test_picker_lists_scenarios_and_translations_and_plays_the_first(preview, in_tmp):
    """Does the drop-down offer every scenario and translation, and is the first one playable at once?"""
    labels = [label for label, _v in preview.picker.options]
    assert "01-why-dont-they-leave/er_visit.yaml" in labels and "01-why-dont-they-leave/er_visit.es.yaml" in labels
    assert not any(label.endswith(("checks.yaml", "sorting.yaml")) for label in labels)
    assert preview.roleplay is not None and preview.stage.children == (preview.roleplay.widget,)
    assert "no problems found" in preview.report.value or "advice" in preview.report.value


def test_playing_in_the_preview_saves_nothing(preview, in_tmp):
    """Can the author click through a scenario without any responses.json being written?"""
    preview.picker.value = str(LESSON1 / "er_visit.yaml")
    rp = preview.roleplay
    walk = engine.best_walk(preview.scenario)
    for step in walk.steps:
        offered = [c.id for c in rp.options()]
        rp.choices.children[offered.index(step.choice)].click()
    assert rp.walk.finished and f"{walk.score} of {walk.score}" in rp.summary.value
    assert not (in_tmp / "responses.json").exists()


def test_show_all_paths_lists_every_path_with_score_and_ending(preview):
    """Does 'show all paths' give one row per complete path, best first, with its score and ending?"""
    preview.open(LESSON1 / "er_visit.yaml")
    preview.paths_button.click()
    scenario = load(LESSON1 / "er_visit.yaml")
    walks = engine.all_walks(scenario)
    best = engine.best_score(scenario)
    table = preview.paths.value
    assert table.count("<tr><td>") == len(walks)
    assert f"<strong>{len(walks)} paths</strong>; best score {best}" in table
    assert "<tr><td>1</td>" in table and f"<td>{best} / {best}</td>" in table.split("</tr>")[1]
    for ending in ("A door left open", "Care that did not happen"):
        assert ending in table
    assert "a misstep earns nothing" in table


def test_path_table_says_why_a_score_is_limited(preview):
    """Does the path table show, for a path whose ending limits it, what it earned and why it keeps less?"""
    path = BROKEN.parent / "assessment" / "concerning_keeps_half.yaml"  # the shipped files keep no such path
    preview.open(path)
    preview.paths_button.click()
    walks = engine.all_walks(load(path))
    limited = [w for w in walks if w.limit and w.earned > w.score]
    assert limited
    for walk in limited:
        assert f"{walk.score} / {engine.best_score(walk.scenario)}<br><small>{walk.earned} earned; " \
               f"{engine.limit_words(walk)}</small>" in preview.paths.value


def test_broken_file_shows_every_problem_and_is_not_played(preview):
    """Does a broken file typed in the path box show its problems with lines, and no game?"""
    preview.path_box.value = str(BROKEN / "many_problems.yaml")  # as pressing Enter in the box does
    assert preview.roleplay is None and preview.stage.children == ()
    assert "3 error(s)" in preview.report.value and "line 18" in preview.report.value
    preview.show_paths()
    assert "Fix the errors above first" in preview.paths.value


def test_translation_plays_in_its_language(preview):
    """Does a Spanish translation play with Spanish text and Spanish widget strings?"""
    preview.open(LESSON1 / "er_visit.es.yaml")
    assert preview.scenario.language == "es"
    assert "Una noche ajetreada en la sala de emergencias" in preview.roleplay.header.value
    assert "Eres" in preview.roleplay.header.value and "¿Qué haces?" in preview.roleplay.prompt.value


def test_diagram_button_draws_the_graph(preview):
    """Does 'show the diagram' display a PNG of the scenario?"""
    preview.open(LESSON1 / "er_visit.yaml")
    preview.diagram_button.click()
    assert preview.diagram.value[:8] == b"\x89PNG\r\n\x1a\n" and preview.diagram.layout.display == "block"


@pytest.mark.slow
def test_preview_notebook_executes():
    """Does the preview notebook run top to bottom with nbclient, writing nothing beside it?"""
    nb = nbformat.read(commands.PREVIEW, as_version=4)
    before = set(commands.PREVIEW.parent.iterdir())
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(commands.PREVIEW.parent)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert outputs and all(o.output_type != "error" for o in outputs)
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)
    assert set(commands.PREVIEW.parent.iterdir()) == before


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_preview_is_served_by_voila():
    """Does `pathways preview`'s Voila command serve the preview page on 127.0.0.1 without an error, and is the
    kernel of a page nobody has open shut down (culling shortened here from its five minutes)?"""
    port = free_port()
    cmd, env = commands.preview_command(port)
    shorter = {"--MappingKernelManager.cull_idle_timeout": "2", "--MappingKernelManager.cull_interval": "1"}
    cmd = [f"{arg.split('=')[0]}={shorter[arg.split('=')[0]]}" if arg.split("=")[0] in shorter else arg for arg in cmd]
    proc = subprocess.Popen(cmd, env=env, cwd=commands.PREVIEW.parent, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    try:
        deadline, page = time.monotonic() + 90, ""
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=60) as response:
                    assert response.status == 200
                    page = response.read().decode("utf-8")
                    break
            except OSError:
                time.sleep(0.5)
        assert "Scenario preview" in page and "application/vnd.jupyter.widget-view+json" in page
        assert '"output_type": "error"' not in page
        # Fetched without a browser, the page never connects to its kernel: idle, it is culled.
        assert wait_for(lambda: kernel_count(proc) == 0, timeout=60)
    finally:
        stop_process(proc, timeout=20)


def test_play_again_from_the_start_starts_a_new_run(preview):
    """After a few choices, does "Play it again from the start" show the first moment, with no choice taken?"""
    preview.open(LESSON1 / "er_visit.yaml")
    start = preview.roleplay.history.value
    for step in engine.best_walk(preview.scenario).steps[:2]:
        offered = [c.id for c in preview.roleplay.options()]
        preview.roleplay.choices.children[offered.index(step.choice)].click()
    assert len(preview.roleplay.walk.steps) == 2
    preview.play_button.click()
    rp = preview.roleplay
    assert not rp.walk.steps and rp.walk.node == preview.scenario.start and rp.history.value == start
    assert not rp.practice and "continues where you left off" not in rp.notice.value


def test_a_second_preview_on_a_taken_port_says_so(capsys):
    """Is a preview asked for a port already in use refused with the truth, instead of serving on another port?"""
    from pathways.grading import cli

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert cli.main(["preview", "--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert f"port {port} is already in use" in err and f"pathways preview --port {port + 1}" in err
    assert "--Voila.port_retries=0" in commands.preview_command(port)[0]
