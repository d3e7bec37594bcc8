"""Simulated learners: build the response files a real learner's clicks would leave.

The answer keys are read from the source notebook's autograder test cells (with `ast`), so these
helpers follow the lessons as they change instead of repeating their keys.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from pathlib import Path

import nbformat
from pathways import engine
from pathways.checks import load_checks
from pathways.responses import FILENAME, FORMAT
from pathways.scenario import load


@dataclass(frozen=True)
class Graded:
    """One autograder call found in a source notebook's test cell."""

    cell_id: str
    func: str
    args: tuple
    kwargs: dict
    points: float


def graded_calls(notebook: Path) -> list[Graded]:
    """Every roleplay_points / check_points / sorting_points call in the notebook's test cells."""
    nb = nbformat.read(notebook, as_version=4)
    out = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("grade"):
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") in {
                    "roleplay_points", "check_points", "sorting_points"}:
                args = tuple(ast.literal_eval(a) for a in node.args)
                kwargs = {k.arg: ast.literal_eval(k.value) for k in node.keywords}
                out.append(Graded(meta["grade_id"], node.func.id, args, kwargs, float(meta["points"])))
    return out


def auto_points(notebook: Path) -> float:
    """The notebook's total autograded points."""
    return sum(g.points for g in graded_calls(notebook))


def _steps(walk: engine.Walk) -> list[dict]:
    return [{"node": s.node, "choice": s.choice, "at": "2026-01-01T00:00:00+00:00"} for s in walk.steps]


def responses_for(lesson_dir: Path, quality: str) -> dict:
    """The activities a learner of the given quality leaves: 'perfect', 'wrong' or 'forged'.

    perfect: the best walk, every key answer. wrong: the lowest-scoring walk and a wrong option for
    every check and sorting item. forged: a transcript that jumps straight to an ending, plus the
    perfect checks.
    """
    activities: dict = {}
    for g in graded_calls(lesson_dir / "lesson.ipynb"):
        if g.func == "roleplay_points":
            scenario = load(lesson_dir / g.args[0])
            activity = g.kwargs.get("activity", "roleplay")
            walks = engine.all_walks(scenario)
            if quality == "forged":
                ending = next(n for n, node in scenario.nodes.items() if node.ending)
                first = scenario.nodes[scenario.start].choices[0].id
                steps = [{"node": scenario.start, "choice": first}, {"node": ending, "choice": "made-up"}]
            else:
                walk = max(walks, key=lambda w: w.score) if quality == "perfect" else min(walks, key=lambda w: w.score)
                steps = _steps(walk)
            activities[activity] = {"kind": "roleplay", "scenario": scenario.id, "version": scenario.version,
                                    "seed": 7, "attempts": [{"started": "2026-01-01T00:00:00+00:00",
                                                             "version": scenario.version, "steps": steps,
                                                             "finished": True}]}
        elif g.func == "check_points":
            question, key = g.args[0], g.args[1]
            activity = g.kwargs.get("activity", "checks")
            record = activities.setdefault(activity, {"kind": "checks", "answers": {}})
            record["answers"][question] = key if quality != "wrong" else _wrong(lesson_dir, question, key)
        elif g.func == "sorting_points":
            activity, key = g.args[0], g.args[1]
            categories = sorted(set(key.values()))
            placements = dict(key) if quality != "wrong" else {
                item: next(c for c in categories + ["zz-none"] if c != cat) for item, cat in key.items()}
            activities[activity] = {"kind": "sorting", "placements": placements}
    return activities


def _wrong(lesson_dir: Path, question: str, key):
    checks = load_checks(lesson_dir / "checks.yaml")
    options = [o.id for o in checks.question(question).options]
    if isinstance(key, list):
        return [o for o in options if o not in key][:1] or options[:1]
    return next(o for o in options if o != key)


def write_responses(folder: Path, activities: dict, fmt: str = FORMAT) -> Path:
    """Write a response file as the widgets would (`fmt`: FORMAT_V1 for a file written by an older version)."""
    path = folder / FILENAME
    path.write_text(json.dumps({"format": fmt, "activities": activities}, indent=1), encoding="utf-8")
    return path


def expected_points(lesson_dir: Path, quality: str) -> dict[str, float]:
    """Points each autograder cell should give a learner of this quality (by grade id)."""
    activities = responses_for(lesson_dir, quality)
    out = {}
    for g in graded_calls(lesson_dir / "lesson.ipynb"):
        if g.func == "roleplay_points":
            if quality == "forged":
                out[g.cell_id] = 0.0
                continue
            scenario = load(lesson_dir / g.args[0])
            record = activities[g.kwargs.get("activity", "roleplay")]
            verdict = engine.replay(scenario, record["attempts"][0]["steps"])
            out[g.cell_id] = round(g.kwargs["points"] * verdict.fraction, 2)
        elif g.func == "check_points":
            out[g.cell_id] = 0.0 if quality == "wrong" else g.points
        else:
            out[g.cell_id] = 0.0 if quality == "wrong" else g.points
    return out
