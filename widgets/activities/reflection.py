"""The reflection kind: free text, saved as it is typed, graded by hand in nbgrader's formgrader.

No grader: the instructor grades the manually graded task cell the lesson puts before the widget (`manual`), and
excusal's totals find that cell's item from the `reflection(...)` view that follows it. Its view is
`pathways.views.reflection`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from . import registry
from .registry import Arg, Grader, Kind, ReportSection, View
from .responses import Record, ResponseFileError, store


class ReflectionRecord(Record):
    """A reflection's text (never graded automatically)."""

    kind: Literal["reflection"] = "reflection"
    text: str = ""


def reflection_text(activity: str) -> str:
    """The learner's saved reflection text, or '' if none."""
    try:
        record = store().record(activity, ReflectionRecord)
    except ResponseFileError:  # a damaged file, or a record that is not a valid reflection (RecordError)
        return ""
    return record.text if record is not None else ""


def model_reflection(text: str, activity: str) -> None:
    """Record a model reflection, in memory only."""
    store().put(activity, ReflectionRecord(text=text), persist=False)


def _label(_release: Path, _call) -> str:
    return "Reflection"


KIND = registry.register(Kind(
    name="reflection", title="Reflection", record=ReflectionRecord, item="reflection", manual=True,
    models=(Grader("model_reflection", model_reflection, activity=Arg("activity", 1)),),
    view=View("reflection", "pathways.views.reflection:reflection", activity=Arg("activity", 0)),
    report=ReportSection(_label, section="reflection")))
