"""A simulated class: hand-ins built programmatically from a lesson's released notebook.

Shared by tests/grading and tests/bench/bench_grading.py. Model answers come from the lesson's own
solution cell (run in memory, as the instructor's notebook does), so the simulated students follow
any lesson without knowing its answers in advance.
"""

from __future__ import annotations

import copy
import json
import os
import random
import re
import shutil
import tempfile
from pathlib import Path

import nbformat
from pathways import engine
from pathways.responses import FORMAT
from pathways.scenario import load

SOLUTION_MARKERS = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$", re.M)


def model_activities(lesson_dir: Path) -> dict[str, dict]:
    """The lesson's model answers, by running its solution cells in a scratch copy of the lesson."""
    import pathways.responses as responses

    nb = nbformat.read(lesson_dir / "lesson.ipynb", as_version=4)
    code = "\n".join(SOLUTION_MARKERS.sub("", c.source) for c in nb.cells
                     if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution"))
    old_cwd, old_store = os.getcwd(), responses._STORE
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / lesson_dir.name
        shutil.copytree(lesson_dir, work, ignore=shutil.ignore_patterns("responses.json", "*.ipynb"))
        try:
            os.chdir(work)
            responses._STORE = None
            exec(compile(code, "model-answers", "exec"), {})  # noqa: S102 - our own lesson's solution cell
            return copy.deepcopy(responses.store().memory)
        finally:
            os.chdir(old_cwd)
            responses._STORE = old_store


def responses_text(activities: dict[str, dict]) -> str:
    """A responses.json as the widgets write it."""
    return json.dumps({"format": FORMAT, "activities": activities}, indent=1, ensure_ascii=False)


def walk_record(scenario, walk) -> dict:
    """A role-play record for a walk, as the widget saves it."""
    steps = [{"node": s.node, "choice": s.choice, "at": "2025-01-01T10:00:00+00:00"} for s in walk.steps]
    return {"kind": "roleplay", "scenario": scenario.id, "version": scenario.version, "seed": 11,
            "attempts": [{"started": "2025-01-01T10:00:00+00:00", "version": scenario.version, "steps": steps,
                          "finished": True}]}


def wrong(expected):
    """An answer that is certainly not the expected one."""
    if isinstance(expected, list):
        return ["z"]
    return "a" if expected != "a" else "b"


def with_wrong_checks(activities: dict, questions, activity: str = "checks") -> dict:
    """A copy of `activities` whose knowledge checks `questions` were answered wrongly: the first checked
    answer (the graded one) and the latest saved answer alike."""
    out = copy.deepcopy(activities)
    record = out[activity]
    for q in questions:
        bad = wrong(record["answers"][q])
        record["answers"][q] = bad
        if q in record.get("first", {}):
            record["first"][q]["answer"] = bad
    return out


def scenario_files(lesson_dir: Path) -> dict[str, Path]:
    """Role-play activity -> scenario file, read from the lesson's roleplay_points test cells."""
    nb = nbformat.read(lesson_dir / "lesson.ipynb", as_version=4)
    found = {}
    for c in nb.cells:
        for m in re.finditer(r"roleplay_points\(\s*[\"']([^\"']+)[\"'](?:[^)]*activity\s*=\s*[\"']([^\"']+))?",
                             c.source):
            found[m.group(2) or "roleplay"] = lesson_dir / m.group(1)
    return found


def random_activities(lesson_dir: Path, model: dict[str, dict], rng: random.Random, p_right: float = 0.7):
    """A plausible learner: each check right with probability p_right, a random walk through each role-play."""
    acts = copy.deepcopy(model)
    for record in acts.values():
        if record.get("kind") == "checks":
            record["answers"] = {q: (a if rng.random() < p_right else wrong(a)) for q, a in record["answers"].items()}
    for activity, path in scenario_files(lesson_dir).items():
        scenario = load(path)
        walks = engine.all_walks(scenario)
        acts[activity] = walk_record(scenario, rng.choice(walks[:500]))
    return acts


def write_submission(dest: Path, release_nb: Path, activities: dict | None = None, responses: str | bytes | None = None,
                     notebook: nbformat.NotebookNode | bytes | None = None) -> Path:
    """Write one hand-in folder: the released notebook (or a given one) and a response file."""
    dest.mkdir(parents=True, exist_ok=True)
    if isinstance(notebook, bytes):
        (dest / release_nb.name).write_bytes(notebook)
    else:
        nbformat.write(notebook if notebook is not None else nbformat.read(release_nb, as_version=4),
                       dest / release_nb.name)
    if responses is None and activities is not None:
        responses = responses_text(activities)
    if responses is not None:
        path = dest / "responses.json"
        path.write_bytes(responses if isinstance(responses, bytes) else responses.encode("utf-8"))
    return dest


def release_notebook(release_nb: Path) -> nbformat.NotebookNode:
    """A fresh copy of the released notebook, to tamper with."""
    return nbformat.read(release_nb, as_version=4)


def cell_index(nb, grade_id: str) -> int:
    """Index of the cell with this nbgrader id."""
    return next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def random_class(course_release: Path, lessons_src: Path, lessons: list[str], n: int, dest: Path,
                 seed: int = 7) -> Path:
    """n students x every lesson, in nbgrader's submitted/ layout under dest."""
    rng = random.Random(seed)
    for lesson in lessons:
        model = model_activities(lessons_src / lesson)
        release_nb = next((course_release / lesson).glob("*.ipynb"))
        for i in range(n):
            acts = random_activities(lessons_src / lesson, model, rng)
            write_submission(dest / f"student{i:02d}" / lesson, release_nb, acts)
    return dest
