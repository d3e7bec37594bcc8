"""The class report's names in words: a lesson's title, each grade cell's activity (never a slug or a grade id)."""

from __future__ import annotations

from pathlib import Path

from ..course import CourseFolder


def title(root: Path, lesson: str) -> str:
    """A lesson's title in words (its notebook's first heading), else its folder name."""
    import nbformat

    from .feedback_page import lesson_notebook, lesson_title

    try:
        return lesson_title(nbformat.read(lesson_notebook(CourseFolder(root).released(lesson)), as_version=4), lesson)
    except (OSError, ValueError, IndexError):
        return lesson


def activity_names(root: Path, lesson: str, items_of: dict, structure: dict) -> dict[str, str]:
    """Each grade cell's activity in words: 'Sorting: Act, means or purpose?', 'Role-play: A busy night ...'."""
    from pathways.exercises import load_exercise
    from pathways.scenario import load

    release, names = CourseFolder(root).released(lesson), {}
    sortings = {}
    for path in sorted(release.glob("*.y*ml")):
        try:
            exercise = load_exercise(path)
        except Exception:  # noqa: BLE001 - not a sorting exercise
            continue
        sortings[exercise.activity] = exercise.title
    for cell, items in items_of.items():
        for item in items:
            kind, _, activity = item.partition(":")
            if kind == "sorting" and activity in sortings:
                names[cell] = f"Sorting: {sortings[activity]}"
            elif kind == "reflection":
                names[cell] = "Reflection"
    for cell, (_activity, scenario_file) in structure["roleplays"].items():
        try:
            names[cell] = f"Role-play: {load(release / scenario_file).title}"
        except Exception:  # noqa: BLE001 - a scenario that cannot be read keeps a plain name
            names[cell] = "Role-play"
    return names
