"""The sorting-exercise widget: each item with a labelled drop-down of categories, saved on change.

The whole exercise is one widget (`SortBoard`, drawn by sorting.js with native `<label>` and `<select>`
elements): an item list of eight drop-downs as ipywidgets took 27 widget models, each sent to every dashboard
visitor before the lesson appears. The "Check my sorting" button, the status and the explanations are part
of that one widget too.

* Items and categories are shown in the order `responses.shuffled(ids, seed, "items" / "categories")`
  (categories too, so that "everything in the first category" is no better than chance); the seed is
  made when the widget is first shown and saved with the learner's first placement, so the order stays
  the same on reload in JupyterLab.
* Every change is saved at once in `placements` (the latest, kept for the instructor).
* The first "Check my sorting" (with every item placed) records the placements as `checked`, once: they
  are the graded ones. Only then does the learner see how many were right and, under each item, where it
  belongs and why (a formative file, which carries the key and explanations), or that the key is not shown
  (a hidden-key file). Grades are mentioned only where answers are kept (`store().persist`), as in checks.py.
"""

from __future__ import annotations

from pathlib import Path

import anywidget
import ipywidgets as w
import traitlets as t

from ..activities.responses import ResponseFileError, new_seed, now, shuffled, store
from ..activities.sorting import KIND, SortExercise, SortingCheck, SortingRecord, load_exercise, sorting_score
from ..i18n import ui
from ..markdown import md, md_line, plain
from .common import make, root

_HERE = Path(__file__).parent
#: The shown-order seed of each exercise in this kernel, until it is saved with a first placement.
_SEEDS: dict[tuple[str, str], int] = {}


class SortBoard(anywidget.AnyWidget):
    """Items (id, text), each placed in one of `categories` (label, id; "" = not placed), and a check button.

    The page sends {"event": "check", "placements": ...} when the button is pressed (the placements it shows, which a
    state update held back in the page could otherwise bring after the check); `checked` disables it afterwards.
    """

    _esm = _HERE / "sorting.js"
    title = t.Unicode("").tag(sync=True)
    intro = t.Unicode("").tag(sync=True)  # HTML, escaped
    items = t.List(t.Tuple(t.Unicode(), t.Unicode())).tag(sync=True)
    categories = t.List(t.Tuple(t.Unicode(), t.Unicode())).tag(sync=True)
    place_label = t.Unicode("").tag(sync=True)
    placements = t.Dict().tag(sync=True)  # item id -> category id ("" = not placed)
    status = t.Unicode("").tag(sync=True)
    note = t.Unicode("").tag(sync=True)  # the line before the button: the first check counts
    check_label = t.Unicode("").tag(sync=True)
    checked_label = t.Unicode("").tag(sync=True)
    checked = t.Bool(False).tag(sync=True)
    explanations = t.Dict().tag(sync=True)  # item id -> HTML (escaped markdown), shown under the item

    @t.validate("placements")
    def _known(self, proposal):
        """Keep only known items placed in known categories (a page cannot send anything else)."""
        items, categories = {i for i, _ in self.items}, {c for _, c in self.categories}
        return {item: cat for item, cat in dict(proposal["value"]).items() if item in items and cat in categories}


class Sorting:
    """One sorting exercise; `.widget` is displayed, `.place(item, category)` and `.check()` act as a learner
    would."""

    def __init__(self, exercise: SortExercise):
        self.exercise = exercise
        record = self._load()
        if record is not None and record.seed is not None:
            self.seed = record.seed
        else:
            self.seed = _SEEDS.setdefault((str(store().path), exercise.activity), new_seed())
        items = {i.id: i for i in exercise.items}
        categories = {c.id: c for c in exercise.categories}
        self.order = shuffled(items, self.seed, "items")
        self.category_order = shuffled(categories, self.seed, "categories")
        self.kept = store().persist  # placements written to responses.json: a grade may follow
        self.board = make(SortBoard, title=exercise.title, intro=md(exercise.instructions),
                          items=[(iid, plain(items[iid].text)) for iid in self.order],
                          categories=[(ui("not_placed"), "")]
                          + [(plain(categories[cid].label), cid) for cid in self.category_order],
                          place_label=ui("place_item"),
                          note=ui("first_sorting_counts" if self.kept else "sort_to_learn"),
                          check_label=ui("check_sorting"), checked_label=ui("sorting_checked"))
        self.board.placements = dict(record.placements) if record else {}
        if record is not None and record.checked is not None:
            self._reveal(record.checked.placements)
        self.board.observe(lambda _c: self._record(), names="placements")
        self.board.on_msg(self._message)
        item = KIND.item_name(exercise.activity)
        self.widget = root([self.board], "sorting", item=item)

    def _load(self) -> SortingRecord | None:
        try:
            return store().record(self.exercise.activity, SortingRecord)
        except ResponseFileError:  # damaged file or a record of another kind: start afresh
            return None

    def _fresh(self) -> SortingRecord:
        record = self._load() or SortingRecord()
        if record.seed is None:
            record.seed = self.seed
        return record

    def place(self, item: str, category: str) -> None:
        """Put an item in a category (as choosing it in the drop-down would)."""
        self.board.placements = {**self.board.placements, item: category}

    def placements(self) -> dict[str, str]:
        """Current placements of every placed item."""
        return {item: cat for item, cat in self.board.placements.items() if cat}

    def checked(self) -> dict[str, str] | None:
        """The placements of the first check on record (the graded ones), or None if never checked."""
        record = self._load()
        return None if record is None or record.checked is None else dict(record.checked.placements)

    def _record(self) -> None:
        record = self._fresh()
        record.placements = self.placements()
        store().put(self.exercise.activity, record)
        if self.kept:
            self.board.status = ui("sorting_saved_after_check" if self.board.checked else "saved")

    def _message(self, _widget, content, _buffers) -> None:
        if isinstance(content, dict) and content.get("event") == "check":
            if isinstance(content.get("placements"), dict):  # what the page showed when pressed (validated, saved)
                self.board.placements = content["placements"]
            self.check()

    def check(self) -> None:
        """Press "Check my sorting": the first press (every item placed) records the graded placements."""
        placements = self.placements()
        left = sum(1 for item in self.exercise.items if item.id not in placements)
        if left:
            self.board.status = ui("place_all_first", left=left)
            return
        record = self._fresh()
        if record.checked is None:
            record.checked = SortingCheck(placements=placements, at=now())
            record.placements = placements
            store().put(self.exercise.activity, record)
        self._reveal(record.checked.placements)

    def _reveal(self, first: dict[str, str]) -> None:
        """Show what follows the first check: how many were right and, for each item, where it belongs and why
        (formative), or that the key is not shown (hidden-key)."""
        self.board.checked = True
        if not self.exercise.formative:
            self.board.explanations = {}
            self.board.status = ui("sorting_recorded_hidden" if self.kept else "sorting_hidden_here")
            return
        labels = {c.id: plain(c.label) for c in self.exercise.categories}
        notes = {}
        for item in self.exercise.items:
            placed = first.get(item.id, "")
            where = ui("you_placed", category=labels.get(placed, ui("not_placed")))
            if placed != item.category:
                where += "; " + ui("belongs_in", category=labels[item.category])
            mark = "&#10003; " if placed == item.category else ""
            notes[item.id] = f'<p><strong>{mark}{md_line(where)}</strong></p>{md(item.explanation)}'
        self.board.explanations = notes
        right, total = sorting_score(first, self.exercise.key)
        self.board.status = ui("sorting_result", right=right, total=total)


def sorting(exercise_file: str | Path) -> w.VBox:
    """The widget for a sorting-exercise file."""
    return Sorting(load_exercise(exercise_file)).widget
