"""What every grader shares: the points line, the skipped line, explanations marked for the feedback, the learner's
typed record, and the activity's file in the folder being graded.

Every grading function prints a plain sentence for the learner's feedback and returns the points earned as a
number, which nbgrader reads as partial credit. None of them raises: a missing, damaged or forged response file
earns 0 with a clear message, never a crash, and no message reveals an answer key.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..i18n import current_lang, ui
from .responses import R, RecordError, ResponseFileError, store

#: The metadata that marks a grading cell's output as written for the learner's feedback: the feedback keeps it
#: even from a hidden test, whose other output it removes (grading/preprocessors.py).
FEEDBACK_METADATA = {"pathways": {"feedback": True}}


def skipped(what: str, points: float) -> str:
    """What every grading function prints for an item the learner skipped for wellbeing, in the language in force
    (`grade_skipped` of ui.<lang>.yaml, like the other `grade_` lines)."""
    return ui("grade_skipped", what=what, points=f"{points:g}")


def points_line(points: float, earned: float) -> str:
    """'N of M points', in the language in force."""
    return ui("grade_points", earned=f"{earned:g}", points=f"{points:g}")


def learner_record(activity: str, model: type[R]) -> tuple[R | None, str]:
    """The learner's record of an activity, typed, or None and why nothing can be graded from it ('' when nothing
    was recorded)."""
    try:
        return store().record(activity, model), ""
    except RecordError as exc:  # a record of another kind, or one that does not validate
        return None, str(exc)
    except ResponseFileError as exc:
        return None, f"{exc}; nothing could be graded from it"


def preferred(stem: str) -> str:
    """The file an activity is first looked for in: checks.es.yaml in Spanish, else checks.yaml."""
    lang = current_lang()
    name = f"{stem}.{lang}.yaml" if lang != "en" else f"{stem}.yaml"
    return name if lang == "en" or (Path.cwd() / name).is_file() else f"{stem}.yaml"


def find_file(stem: str, activity: str, loader: Callable):
    """The loaded file of `activity` in the folder being graded (for question numbers, formative keys and the texts
    that explanations name), or None: `preferred(stem)` first, then any other YAML file there."""
    first = preferred(stem)
    folder = Path.cwd()
    candidates = [folder / first, *sorted(p for p in folder.glob("*.yaml") if p.name != first)]
    for path in candidates:
        if not path.is_file():
            continue
        try:
            found = loader(path)
        except Exception:  # noqa: BLE001 - any other file (a scenario, a damaged file): not this one
            continue
        if getattr(found, "activity", None) == activity:
            return found
    return None


def feedback(lines: list[str]) -> None:
    """Explanations for the learner's feedback: in a kernel (nbgrader's autograder), a display output marked
    with FEEDBACK_METADATA, which the feedback keeps although the cell is a hidden test; elsewhere, printed."""
    text = "\n".join(lines)
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:  # pragma: no cover - IPython comes with every Jupyter install
        shell = None
    if shell is not None and getattr(shell, "kernel", None) is not None:
        from IPython.display import publish_display_data

        publish_display_data({"text/plain": text}, metadata=FEEDBACK_METADATA)
    else:
        print(text)
