"""The course evaluation, learner side: the form of a pre-test, post-test or follow-up, and its saved answers.

A small self-contained activity kind (issue 27): the learners' copy of the items (`items`), the answers file
(`record`) and the form (`view`). It never imports `pathways.grading`; the instructor's side is
`pathways.grading.evidence.evaluation`.
"""

from .items import ANSWERS_FILE, ITEMS_FILE, TIMEPOINTS, load_items
from .record import Answers, read_answers


def show(folder=None):
    """Display the evaluation form of the notebook's folder (imports ipywidgets only when called)."""
    from .view import show as _show

    return _show(folder)


__all__ = ["ANSWERS_FILE", "ITEMS_FILE", "TIMEPOINTS", "Answers", "load_items", "read_answers", "show"]
