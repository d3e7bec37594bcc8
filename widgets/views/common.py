"""Small helpers the views share: widgets with shared looks, the stylesheet, escaping, and the outer box.

Every ipywidget comes with its own `Layout` model and (for most) its own style model: in a lesson that was
about 140 of its 224 widget models and 45% of the widget data a dashboard visitor's browser has to fetch
before the lesson appears. Widgets that look the same share one `Layout` and one style model instead
(`make`), and every outer box shows the same stylesheet widget, so a page sends each of them once.

An outer box made for a graded item (`root(..., item="roleplay:er-visit")`) also shows a small "Skip this
for my wellbeing" toggle (`SkipToggle`): pressed, the item is excused (`pathways.activities.excusal`), the activity
folds away and a calm note says it will not count against the learner; "Undo" brings it back.
"""

from __future__ import annotations

import html
import weakref
from importlib import resources
from pathlib import Path

import anywidget
import ipywidgets as w
import traitlets as t

from ..activities import excusal
from ..i18n import ui

_SHARED: dict[tuple, w.Widget] = {}


def _shared(key: tuple, build) -> w.Widget:
    """One model per key for the life of the kernel (made again if something closed it)."""
    model = _SHARED.get(key)
    if model is None or getattr(model, "comm", None) is None:
        model = _SHARED[key] = build()
    return model


def make(cls: type[w.DOMWidget], *args, layout: dict | None = None, style: dict | None = None, **kwargs):
    """`cls(*args, **kwargs)` with a shared Layout (and style) model for its `layout` and `style` settings.

    Never change `.layout` or `.style` of a widget made here: the change would show on every widget that
    shares them. A widget that must change its own layout (a button that hides) is made directly.
    """
    lay = tuple(sorted((layout or {}).items()))
    kwargs["layout"] = _shared(("layout", lay), lambda: w.Layout(**dict(lay)))
    trait = cls.class_traits().get("style")
    if trait is not None:
        sty = tuple(sorted((style or {}).items()))
        kwargs["style"] = _shared(("style", trait.klass, sty), lambda: trait.klass(**dict(sty)))
    return cls(*args, **kwargs)


def css() -> w.HTML:
    """The (invisible) widget carrying the Pathways stylesheet: one model, shown in every outer box."""
    def build() -> w.HTML:
        sheet = resources.files(__package__).joinpath("pathways.css").read_text(encoding="utf-8")
        return make(w.HTML, f"<style>{sheet}</style>", layout={"display": "none"})
    return _shared(("css",), build)


def esc(text: str) -> str:
    """Escape text for HTML, keeping paragraph breaks."""
    paras = [p.strip() for p in str(text).split("\n\n") if p.strip()]
    return "".join(f"<p>{html.escape(p)}</p>" for p in paras)


_HERE = Path(__file__).parent
#: Every skip toggle shown in this kernel, so that skipping a section updates the toggles of its activities.
_TOGGLES: weakref.WeakSet = weakref.WeakSet()


class SkipToggle(anywidget.AnyWidget):
    """A toggle button (aria-pressed) that excuses `items` for wellbeing, a calm note while they are excused,
    and an "Undo" button. `pressed` is what the page sets on a click; the kernel saves it at once."""

    _esm = _HERE / "skip.js"
    pressed = t.Bool(False).tag(sync=True)
    label = t.Unicode("").tag(sync=True)
    note = t.Unicode("").tag(sync=True)
    undo_label = t.Unicode("").tag(sync=True)

    def __init__(self, items: list[str], label: str | None = None, note: str | None = None, **kwargs):
        super().__init__(label=label or ui("skip_label"), note=note or ui("skip_note"),
                         undo_label=ui("skip_undo"), **kwargs)
        self.items = list(items)
        self._syncing = True
        self.pressed = self.stored()
        self._syncing = False
        self.add_class("pw-skip")
        self.observe(self._changed, names="pressed")
        _TOGGLES.add(self)

    def stored(self) -> bool:
        """True if every item of this toggle is excused on record."""
        excused = excusal.excused_items()
        return bool(self.items) and all(i in excused for i in self.items)

    def skip(self) -> None:
        """Press the toggle (as a click on it would)."""
        self.pressed = True

    def undo(self) -> None:
        """Press "Undo" (as a click on it would)."""
        self.pressed = False

    def _changed(self, change) -> None:
        if self._syncing:
            return
        (excusal.excuse if change["new"] else excusal.unexcuse)(self.items)
        refresh_toggles()

    def refresh(self) -> None:
        """Show what is on record now (without saving anything)."""
        self._syncing = True
        try:
            self.pressed = self.stored()
        finally:
            self._syncing = False


def refresh_toggles() -> None:
    """Every toggle of this kernel shows what is on record (after a section was skipped or brought back)."""
    for toggle in list(_TOGGLES):
        if getattr(toggle, "comm", None) is not None:
            toggle.refresh()


def root(children: list, kind: str, item: str | None = None) -> w.VBox:
    """The outer box of a widget, styled and carrying the stylesheet. For a graded `item` (an excusal item
    name, see `pathways.activities.excusal`), a "Skip this for my wellbeing" toggle comes first, and while the item is
    skipped the rest of the box folds away (the `pw-skipped` class)."""
    if item is None:
        box = make(w.VBox, [css(), *children])
    else:
        toggle = SkipToggle([item])
        box = make(w.VBox, [css(), toggle, *children])
        box.skip_toggle = toggle

        def fold(_change=None) -> None:
            (box.add_class if toggle.pressed else box.remove_class)("pw-skipped")

        toggle.observe(fold, names="pressed")
        fold()
    box.add_class("pw-root")
    box.add_class(f"pw-{kind}")
    return box
