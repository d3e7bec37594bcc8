"""Totals with what a learner skipped for wellbeing left out, beside nbgrader's own (raw) totals.

nbgrader has no "excused" state, so Pathways keeps nbgrader's own scores untouched (the raw total) and works out
an adjusted total beside it: a grade cell whose every graded item the learner skipped for wellbeing leaves both
the points earned and the maximum. Which cell grades which item is read from the lesson's test cells as the
gradebook holds them (hidden tests included); which items a learner skipped from the `wellbeing` record of the
responses.json that was graded. See GRADING.md, "Skipped for wellbeing". Read by export.py and report.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from pathways.activities import testcells
from pathways.activities.excusal import excusals_in_file

from ..course import CourseFolder
from .gradebook import scores


def graded_items(source: str) -> list[str]:
    """The excusal items a test cell grades (`roleplay:<activity>`, `check:<activity>:<qid>`, ...): the item of each
    registered kind's grader call in it (`pathways.activities.testcells.graded_calls`)."""
    return [call.item for call in testcells.graded_calls(source) if call.item is not None]


def _manual_item(source: str) -> str | None:
    """The item of the first view of a kind graded by hand (a reflection) in a cell, or None."""
    return next((call.item for call in testcells.view_calls(source) if call.kind.manual and call.item), None)


def cell_items(db_url: str, lesson: str, release: Path | None = None) -> dict[str, frozenset[str]]:
    """Grade cell -> the excusal items it grades, for one lesson.

    Autograded cells: the grading calls in their source (as the gradebook keeps it, hidden tests included).
    A manually graded task cell grades the item of the first view of a kind graded by hand (a reflection:
    `reflection:<activity>` for the first `reflection(...)` widget) that follows it in the released notebook
    (`release`: the lesson's release folder), before the next task or test cell. A cell that grades nothing
    excusable is left out.
    """
    import nbformat

    found: dict[str, frozenset[str]] = {}
    with Gradebook(db_url) as gb:
        for nb in gb.find_assignment(lesson).notebooks:
            sources = {c.name: c.source for c in nb.source_cells}
            grade_cells = {c.name for c in nb.grade_cells}
            task_cells = {c.name for c in nb.task_cells}
            for name in grade_cells:
                items = graded_items(sources.get(name, ""))
                if items:
                    found[name] = frozenset(items)
            if not task_cells or release is None or not (release / f"{nb.name}.ipynb").is_file():
                continue
            order = [c.metadata.get("nbgrader", {}).get("grade_id") or "" for c in
                     nbformat.read(release / f"{nb.name}.ipynb", as_version=4).cells]
            for i, name in enumerate(order):
                if name not in task_cells:
                    continue
                for after in order[i + 1:]:
                    if after in task_cells or after in grade_cells:
                        break
                    item = _manual_item(sources.get(after, ""))
                    if item:
                        found[name] = frozenset({item})
                        break
    return found


@dataclass
class Adjusted:
    """One hand-in's totals: nbgrader's raw ones, and the ones that leave out what was skipped for wellbeing."""

    raw: float
    raw_max: float
    score: float
    max: float
    excused: int = 0  # how many graded items were skipped (never which, never why)
    problem: str | None = None  # why the skips could not be read (then none were applied)
    pending: int = 0  # items graded by hand (reflections) awaiting grading: left out of `max` until graded

    @property
    def percent(self) -> float | None:
        """The adjusted total as a percentage of the adjusted maximum (None when nothing counts yet)."""
        return round(100 * self.score / self.max, 1) if self.max else None


def excusals_of(path: Path) -> tuple[dict, str | None]:
    """The items skipped for wellbeing in a response file (none if there is no file), and why they could not be
    read (then none count)."""
    return excusals_in_file(path) if path.exists() else ({}, None)


def adjust(entry: dict, items_of: dict[str, frozenset[str]], excused: set[str] | dict,
           problem: str | None = None) -> Adjusted:
    """The adjusted totals of one hand-in (an entry of `scores`): a cell whose every item is excused leaves, and a
    cell graded by hand that is not graded yet (a reflection awaiting grading) leaves the maximum until it is."""
    excused = set(excused)
    gone = [cell for cell, items in items_of.items() if items and items <= excused and cell in entry["cell_max"]]
    graded = set().union(*items_of.values()) if items_of else set()
    waiting = [cell for cell in entry.get("pending", []) if cell not in gone]  # not graded yet: not a 0
    earned = sum(entry["cells"].get(cell) or 0.0 for cell in gone)
    maximum = sum(entry["cell_max"].get(cell) or 0.0 for cell in gone + waiting)
    raw, raw_max = entry["score"] or 0.0, entry["max"] or 0.0
    return Adjusted(raw=raw, raw_max=raw_max, score=round(max(raw - earned, 0.0), 6),
                    max=round(max(raw_max - maximum, 0.0), 6), excused=len(excused & graded), problem=problem,
                    pending=len(waiting))


def adjusted_scores(db_url: str, course_root: Path, table: dict | None = None) -> dict[tuple[str, str], Adjusted]:
    """Every graded hand-in's raw and adjusted totals: {(student, lesson): Adjusted}.

    Skips are read through the typed response record (`pathways.activities.excusal`); a damaged file or record counts
    as no skips, with the reason in `problem`, and never stops the others.
    """
    table = scores(db_url) if table is None else table
    structure: dict[str, dict[str, frozenset[str]]] = {}
    out = {}
    for (sid, lesson), entry in table.items():
        if lesson not in structure:
            try:
                structure[lesson] = cell_items(db_url, lesson, CourseFolder(course_root).released(lesson))
            except (MissingEntry, OSError, ValueError):
                structure[lesson] = {}
        path = CourseFolder(course_root).graded_responses(sid, lesson)
        excused, problem = excusals_in_file(path) if path.exists() else ({}, None)
        out[(sid, lesson)] = adjust(entry, structure[lesson], excused, problem)
    return out
