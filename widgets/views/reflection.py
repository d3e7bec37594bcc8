"""The reflection widget: free text the instructor grades by hand in nbgrader's formgrader.

The text is saved as it is typed (at most once a second, and always with its last words), not only when
the box loses focus: a learner who leaves with the quick exit, or whose browser closes, keeps what they wrote.
"""

from __future__ import annotations

import asyncio
import time

import ipywidgets as w

from ..activities.reflection import KIND, ReflectionRecord, reflection_text
from ..activities.responses import store
from ..i18n import ui
from .a11y import LiveHTML
from .common import make, root

#: While the learner types, the text is saved at most this often (seconds); the last change is always saved.
SAVE_EVERY = 1.0
#: The "Saved (N words)" status, which screen readers announce, changes only once typing has paused this long
#: (seconds): announced after every save, it would interrupt a screen-reader user once a second while typing.
ANNOUNCE_AFTER = 2.0


class Reflection:
    """A text box saved under an activity id; `.widget` is displayed."""

    def __init__(self, activity: str, label: str | None = None, save_every: float = SAVE_EVERY):
        self.activity = activity
        self.save_every = save_every
        self._last_save = float("-inf")
        self._pending = None  # the scheduled save of changes typed since the last one
        self._announce = None  # the scheduled status update, once typing pauses
        saved = reflection_text(activity)
        # continuous_update: every keystroke reaches the kernel, so the text never waits for a blur to be saved.
        self.text = make(w.Textarea, value=saved, placeholder=ui("reflection_placeholder"),
                         description=label or ui("reflection_label"),
                         continuous_update=True, style={"description_width": "initial"},
                         layout={"width": "100%", "height": "12rem"})
        self.save_button = make(w.Button, description=ui("save_reflection"), icon="floppy-disk",
                                tooltip=ui("save_reflection_tip"))
        self.status = make(LiveHTML)  # announced by screen readers
        self.save_button.on_click(lambda _: self.save())
        self.text.observe(lambda _c: self.typed(), names="value")
        self.widget = root([self.text, make(w.HBox, [self.save_button, self.status])], "reflection",
                           item=KIND.item_name(activity))
        # What is on record is printed as plain text too, so the grader reads it in formgrader.
        if saved:
            print(f"Reflection on record ({len(saved.split())} words):\n{saved}")

    def typed(self) -> None:
        """The text changed: save now if the last save is a second old, else once that second is up; the
        status is updated once typing pauses."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop (a plain script): nothing could run later, so save now
            self.save()
            return
        if self._announce is not None:
            self._announce.cancel()
        self._announce = loop.call_later(ANNOUNCE_AFTER, self._show_status)
        wait = self._last_save + self.save_every - time.monotonic()
        if wait <= 0:
            self.save(announce=False)
        elif self._pending is None:  # else a save is already on its way; it will take this change too
            self._pending = loop.call_later(wait, self._save_pending)

    def _save_pending(self) -> None:
        self._pending = None
        self.save(announce=False)

    def save(self, announce: bool = True) -> None:
        """Save the text now (and say so, unless the learner is still typing)."""
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        self._last_save = time.monotonic()
        # Built by the model; handed over in its file form (tests/unit/test_reflection_saving.py reads it).
        store().put(self.activity, ReflectionRecord(text=self.text.value).to_dict())
        if announce:
            self._show_status()

    def _show_status(self) -> None:
        if self._announce is not None:
            self._announce.cancel()
            self._announce = None
        words = len(self.text.value.split())
        self.status.value = f'<span class="pw-status">{ui("saved_words", words=words)}</span>'


def reflection(activity: str, label: str | None = None) -> w.VBox:
    """The reflection widget for one activity id."""
    return Reflection(activity, label).widget
