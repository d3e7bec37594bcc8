"""The sorting-exercise widget: each item with a labelled drop-down of categories, saved on change.

The whole exercise is one widget (`SortBoard`, drawn by sorting.js with native `<label>` and `<select>`
elements): an item list of eight drop-downs as ipywidgets took 27 widget models, each sent to every dashboard
visitor before the lesson appears.
"""

from __future__ import annotations

from pathlib import Path

import anywidget
import ipywidgets as w
import traitlets as t

from ..exercises import SortExercise, load_exercise
from ..i18n import ui
from ..responses import ResponseFileError, store
from .common import esc, make, root

_HERE = Path(__file__).parent


class SortBoard(anywidget.AnyWidget):
    """Items (id, text), each placed in one of `categories` (label, id; "" = not placed)."""

    _esm = _HERE / "sorting.js"
    title = t.Unicode("").tag(sync=True)
    intro = t.Unicode("").tag(sync=True)  # HTML, escaped
    items = t.List(t.Tuple(t.Unicode(), t.Unicode())).tag(sync=True)
    categories = t.List(t.Tuple(t.Unicode(), t.Unicode())).tag(sync=True)
    place_label = t.Unicode("").tag(sync=True)
    placements = t.Dict().tag(sync=True)  # item id -> category id ("" = not placed)
    status = t.Unicode("").tag(sync=True)

    @t.validate("placements")
    def _known(self, proposal):
        """Keep only known items placed in known categories (a page cannot send anything else)."""
        items, categories = {i for i, _ in self.items}, {c for _, c in self.categories}
        return {item: cat for item, cat in dict(proposal["value"]).items() if item in items and cat in categories}


class Sorting:
    """One sorting exercise; `.widget` is displayed, `.place(item, category)` acts as a learner would."""

    def __init__(self, exercise: SortExercise):
        self.exercise = exercise
        self.board = make(SortBoard, title=exercise.title, intro=esc(exercise.instructions),
                          items=[(item.id, item.text) for item in exercise.items],
                          categories=[(ui("not_placed"), "")] + [(c.label, c.id) for c in exercise.categories],
                          place_label=ui("place_item"))
        self.board.placements = self._saved()
        self.board.observe(lambda _c: self._record(), names="placements")
        self.widget = root([self.board], "sorting")

    def _saved(self) -> dict:
        try:
            record = store().get(self.exercise.activity) or {}
        except ResponseFileError:
            return {}
        return record.get("placements", {}) if record.get("kind") == "sorting" else {}

    def place(self, item: str, category: str) -> None:
        """Put an item in a category (as choosing it in the drop-down would)."""
        self.board.placements = {**self.board.placements, item: category}

    def placements(self) -> dict[str, str]:
        """Current placements of every placed item."""
        return {item: cat for item, cat in self.board.placements.items() if cat}

    def _record(self) -> None:
        store().put(self.exercise.activity, {"kind": "sorting", "placements": self.placements()})
        self.board.status = ui("saved")


def sorting(exercise_file: str | Path) -> w.VBox:
    """The widget for a sorting-exercise file."""
    return Sorting(load_exercise(exercise_file)).widget
