"""The sorting-exercise widget: each item with a labelled drop-down of categories, saved on change."""

from __future__ import annotations

import html
from pathlib import Path

import ipywidgets as w

from ..exercises import SortExercise, load_exercise
from ..i18n import ui
from ..responses import ResponseFileError, store
from .common import esc, make, root


class Sorting:
    """One sorting exercise; `.widget` is displayed, `.place(item, category)` acts as a learner would."""

    def __init__(self, exercise: SortExercise):
        self.exercise = exercise
        saved = self._saved()
        options = [(ui("not_placed"), "")] + [(c.label, c.id) for c in exercise.categories]
        self.status = make(w.HTML, "")
        self.dropdowns: dict[str, w.Dropdown] = {}
        rows = []
        for number, item in enumerate(exercise.items, start=1):
            dd = make(w.Dropdown, options=options, value=saved.get(item.id, "") if saved.get(item.id, "") in
                            {v for _, v in options} else "",
                            description=f"{number}. {ui('place_item')}", style={"description_width": "initial"},
                            layout={"width": "auto"})
            dd.observe(lambda _c: self._record(), names="value")
            self.dropdowns[item.id] = dd
            rows.append(make(w.VBox, [make(w.HTML, f"<p><strong>{number}.</strong> {html.escape(item.text)}</p>"), dd]))
        header = make(w.HTML, f"<h3>{html.escape(exercise.title)}</h3>{esc(exercise.instructions)}")
        self.widget = root([header, *rows, self.status], "sorting")

    def _saved(self) -> dict:
        try:
            record = store().get(self.exercise.activity) or {}
        except ResponseFileError:
            return {}
        return record.get("placements", {}) if record.get("kind") == "sorting" else {}

    def place(self, item: str, category: str) -> None:
        """Put an item in a category (as choosing it in the drop-down would)."""
        self.dropdowns[item].value = category

    def placements(self) -> dict[str, str]:
        """Current placements of every placed item."""
        return {item: dd.value for item, dd in self.dropdowns.items() if dd.value}

    def _record(self) -> None:
        store().put(self.exercise.activity, {"kind": "sorting", "placements": self.placements()})
        self.status.value = f'<span class="pw-status" role="status">{ui("saved")}</span>'


def sorting(exercise_file: str | Path) -> w.VBox:
    """The widget for a sorting-exercise file."""
    return Sorting(load_exercise(exercise_file)).widget
