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
    """Each grade cell's activity in words: 'Sorting: Act, means or purpose?', 'Role-play: A busy night ...', in the
    words of the kind it grades (`Kind.report.label`, pathways.activities.registry): its grader call, else (a
    cell graded by hand) the kind of the item it grades."""
    from pathways.activities import registry

    release, names = CourseFolder(root).released(lesson), {}
    for cell, items in items_of.items():
        for item in items:
            kind = registry.by_item(item.partition(":")[0])
            if kind is not None and kind.manual and kind.report is not None:
                names[cell] = kind.report.label(release, None)
    for cell, call in structure["graded"].items():
        if call.kind.report is not None:
            names[cell] = call.kind.report.label(release, call)
    return names
