"""What a lesson notebook grades and plays, read with the product's own reader (`pathways.activities.testcells`).

The simulated learner (`support.learner`) takes its answer keys from here, so it follows the lessons as they
change instead of repeating their keys.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
from pathways.activities import registry
from pathways.activities.testcells import call_arg, call_name, calls_in

#: The grading functions of the autograder test cells (every registered kind's), and their parameters in order.
GRADERS = {g.name: list(inspect.signature(g.function).parameters.values())
           for kind in registry.kinds() for g in kind.graders}
SOLUTION_MARKERS = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$", re.M)


@dataclass(frozen=True)
class Graded:
    """One grading call found in a source notebook's test cell: `args` by parameter name, defaults filled in."""

    cell_id: str
    func: str
    args: dict
    points: float  # the grade cell's points (nbgrader metadata)

    @property
    def activity(self) -> str:
        """The activity the call grades (the record's name in responses.json)."""
        return self.args["activity"]


def graded_calls(notebook: Path) -> list[Graded]:
    """Every roleplay_points / check_points / sorting_points call in the notebook's grade cells, in order."""
    nb = nbformat.read(notebook, as_version=4)
    out = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("grade"):
            continue
        for call in sorted(calls_in(cell.source), key=lambda c: (c.lineno, c.col_offset)):
            params = GRADERS.get(call_name(call))
            if params is None:
                continue
            args = {p.name: call_arg(call, p.name, i, None if p.default is p.empty else p.default)
                    for i, p in enumerate(params)}
            out.append(Graded(meta["grade_id"], call_name(call), args, float(meta["points"])))
    return out


def auto_points(notebook: Path) -> float:
    """The notebook's total autograded points."""
    return sum(g.points for g in graded_calls(notebook))


def graded_scenarios(lesson_dir: Path) -> dict[str, Path]:
    """Role-play activity -> scenario file, from the lesson's roleplay_points test cells."""
    return {g.activity: lesson_dir / g.args["scenario_file"]
            for g in graded_calls(lesson_dir / "lesson.ipynb") if g.func == "roleplay_points"}


def played_scenarios(notebook: Path) -> list[str]:
    """The scenario files a lesson notebook plays, in order (from its `roleplay("...")` calls)."""
    nb = nbformat.read(notebook, as_version=4)
    found = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            calls = sorted(calls_in(cell.source), key=lambda c: (c.lineno, c.col_offset))
            found += [call_arg(call, "scenario_file", 0) for call in calls if call_name(call) == "roleplay"]
    return [name for name in found if isinstance(name, str)]


def solution_code(notebook: Path) -> str:
    """The code of the notebook's solution cells, markers removed (what the instructor's notebook runs)."""
    nb = nbformat.read(notebook, as_version=4)
    return "\n".join(SOLUTION_MARKERS.sub("", c.source) for c in nb.cells
                     if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution"))


def cell_index(nb, grade_id: str) -> int:
    """Index of the cell with this nbgrader id."""
    return next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
