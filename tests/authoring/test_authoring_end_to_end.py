"""Can an instructor write a role-play, check it, draw it, preview it, put it in a lesson and grade it with
nbgrader, using only `pathways` commands and a text editor (the path lessons/AUTHORING.md describes)?"""

from __future__ import annotations

import io
import shutil
from contextlib import redirect_stdout
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook
from pathways import engine
from pathways.grading import cli, nbgrader_run
from pathways.scenario import load
from pathways.views import RolePlay
from pathways.views.preview import Preview
from support.learner import responses_for, write_responses

pytestmark = [pytest.mark.slow]
LESSON = "09-bus-stop"


def run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = cli.main(list(args))
    return code, out.getvalue()


def test_instructor_path_end_to_end(tmp_path, course, monkeypatch):
    """new-scenario → edit → check → graph → preview → lesson → nbgrader release, autograde: all working?"""
    lessons = tmp_path / "lessons"
    folder = lessons / LESSON
    monkeypatch.setenv("PATHWAYS_LESSONS", str(lessons))

    # 1. pathways new-scenario (section 2), into the folder that becomes the lesson.
    assert run("new-scenario", "bus-stop", "--folder", str(folder))[0] == 0
    scenario_file = folder / "bus-stop.yaml"

    # 2. pathways new-lesson (section 11) completes that folder, without nesting a copy: its notebook names the
    # role-play in its three cells, and the template passes the check (warnings for the text still to write).
    code, out = run("new-lesson", LESSON)
    assert code == 0 and f"Wrote the lesson {LESSON} in {folder}" in out
    assert sorted(p.name for p in folder.iterdir()) == ["bus-stop.yaml", "checks.yaml", "lesson.ipynb", "sorting.yaml"]
    nb = nbformat.read(folder / "lesson.ipynb", as_version=4)
    assert sum("bus-stop.yaml" in c.source for c in nb.cells) == 3

    # 3. Edit it (with a slip), and check: the slip is named with its line; fixed, the check passes.
    text = scenario_file.read_text()
    text = text.replace('title: "Lunchtime at the community kitchen"', 'title: "Waiting at the bus stop"')
    text = text.replace("next: check-in\n        score: 1", "next: chek-in\n        score: 1")
    scenario_file.write_text(text)
    code, out = run("check", str(scenario_file))
    slip = text.splitlines().index("        next: chek-in") + 1
    assert code == 1 and f"{scenario_file}:{slip}: error: choice 'usual-hello' leads to 'chek-in'" in out
    scenario_file.write_text(text.replace("next: chek-in", "next: check-in"))
    code, out = run("check")  # no file named: every lesson folder, with its notebook's references
    assert code == 0 and f"{LESSON}/bus-stop.yaml" not in out and "[TO WRITE: ...]" in out
    assert "Checked 1 lesson folder: 0 errors, 3 warnings." in out

    # 4. pathways graph, saved outside the lesson folder.
    assert run("graph", str(scenario_file), "-o", str(tmp_path / "bus-stop.svg"))[0] == 0
    assert (tmp_path / "bus-stop.svg").read_text().lstrip().startswith("<?xml")

    # 5. Preview: pick it, see every path, play the best one.
    monkeypatch.setenv("PATHWAYS_STORAGE", "memory")
    monkeypatch.setenv("PATHWAYS_LANG", "en")
    monkeypatch.chdir(tmp_path)
    preview = Preview(lessons)
    preview.picker.value = str(scenario_file)
    preview.show_paths()
    best = engine.best_score(load(scenario_file))
    assert "Waiting at the bus stop" in preview.roleplay.header.value and f"best score {best}" in preview.paths.value
    monkeypatch.delenv("PATHWAYS_STORAGE")

    # 6. A lesson naming a role-play file that is not there fails the check, with the cell and the fix.
    scenario_file.rename(tmp_path / "bus-stop.yaml")
    code, out = run("check", str(folder))
    assert code == 1 and 'error: roleplay("bus-stop.yaml") names bus-stop.yaml, which is not in the lesson ' \
        "folder (checks.yaml, sorting.yaml there)" in out and "(at cell 6)" in out
    (tmp_path / "bus-stop.yaml").rename(scenario_file)

    # 7. nbgrader: release, a learner plays (the widget writes responses.json), autograde.
    released = nbgrader_run.release([LESSON])[0]  # into the temporary course folder of the `course` fixture
    assert (released / "bus-stop.yaml").is_file() and not (released / "responses.json").exists()
    for student, pick in (("keen", max), ("hasty", min)):
        sub = course / "submitted" / student / LESSON
        shutil.copytree(released, sub)
        (sub / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC")
        others = {k: v for k, v in responses_for(folder, "perfect").items() if v["kind"] != "roleplay"}
        write_responses(sub, others)
        monkeypatch.chdir(sub)
        play(load(sub / "bus-stop.yaml"), pick)
    run_ = nbgrader_run.nbgrader("autograde", LESSON)
    assert run_.ok, run_.output
    scenario = load(scenario_file)
    walks = engine.all_walks(scenario)
    worst = min(w.score for w in walks)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student, expected in (("keen", 4.0), ("hasty", round(4 * worst / best, 2))):
            nb_grades = gb.find_submission_notebook("lesson", LESSON, student).grades
            assert next(g for g in nb_grades if g.name == "test-roleplay").score == expected


def play(scenario, pick) -> None:
    """A learner clicks through the role-play widget along the best (max) or worst (min) path."""
    walk = pick(engine.all_walks(scenario), key=lambda w: w.score)
    rp = RolePlay(scenario)
    for step in walk.steps:
        offered = [c.id for c in rp.options()]
        rp.choices.children[offered.index(step.choice)].click()
    assert rp.walk.finished and Path("responses.json").is_file()
