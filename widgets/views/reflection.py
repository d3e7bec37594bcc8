"""The reflection widget: free text the instructor grades by hand in nbgrader's formgrader.

The text is saved as it is typed (at most once a second, and always with its last words), not only when
the box loses focus: a learner who leaves with the quick exit, or whose browser closes, keeps what they wrote.
"""

from __future__ import annotations

import asyncio
import time

import ipywidgets as w

from ..autograde import reflection_text
from ..i18n import ui
from ..responses import store
from .a11y import LiveHTML
from .common import make, root

#: While the learner types, the text is saved at most this often (seconds); the last change is always saved.
SAVE_EVERY = 1.0


class Reflection:
    """A text box saved under an activity id; `.widget` is displayed."""

    def __init__(self, activity: str, label: str | None = None, save_every: float = SAVE_EVERY):
        self.activity = activity
        self.save_every = save_every
        self._last_save = float("-inf")
        self._pending = None  # the scheduled save of changes typed since the last one
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
        self.widget = root([self.text, make(w.HBox, [self.save_button, self.status])], "reflection")
        # What is on record is printed as plain text too, so the grader reads it in formgrader.
        if saved:
            print(f"Reflection on record ({len(saved.split())} words):\n{saved}")

    def typed(self) -> None:
        """The text changed: save now if the last save is a second old, else once that second is up."""
        wait = self._last_save + self.save_every - time.monotonic()
        if wait <= 0:
            self.save()
            return
        if self._pending is not None:
            return  # a save is already on its way; it will take this change too
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop (a plain script): nothing could run later, so save now
            self.save()
            return
        self._pending = loop.call_later(wait, self._save_pending)

    def _save_pending(self) -> None:
        self._pending = None
        self.save()

    def save(self) -> None:
        """Save the text now."""
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        self._last_save = time.monotonic()
        store().put(self.activity, {"kind": "reflection", "text": self.text.value})
        words = len(self.text.value.split())
        self.status.value = f'<span class="pw-status">{ui("saved_words", words=words)}</span>'


def reflection(activity: str, label: str | None = None) -> w.VBox:
    """The reflection widget for one activity id."""
    return Reflection(activity, label).widget
