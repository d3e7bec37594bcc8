"""The reflection widget: free text the instructor grades by hand in nbgrader's formgrader."""

from __future__ import annotations

import ipywidgets as w

from ..autograde import reflection_text
from ..i18n import ui
from ..responses import store
from .a11y import LiveHTML
from .common import make, root


class Reflection:
    """A text box saved under an activity id; `.widget` is displayed."""

    def __init__(self, activity: str, label: str | None = None):
        self.activity = activity
        saved = reflection_text(activity)
        self.text = make(w.Textarea, value=saved, placeholder=ui("reflection_placeholder"),
                         description=label or ui("reflection_label"),
                         continuous_update=False, style={"description_width": "initial"},
                         layout={"width": "100%", "height": "12rem"})
        self.save_button = make(w.Button, description=ui("save_reflection"), icon="floppy-disk",
                                tooltip=ui("save_reflection_tip"))
        self.status = make(LiveHTML)  # announced by screen readers
        self.save_button.on_click(lambda _: self.save())
        self.text.observe(lambda _c: self.save(), names="value")
        self.widget = root([self.text, make(w.HBox, [self.save_button, self.status])], "reflection")
        # What is on record is printed as plain text too, so the grader reads it in formgrader.
        if saved:
            print(f"Reflection on record ({len(saved.split())} words):\n{saved}")

    def save(self) -> None:
        """Save the text now."""
        store().put(self.activity, {"kind": "reflection", "text": self.text.value})
        words = len(self.text.value.split())
        self.status.value = f'<span class="pw-status">{ui("saved_words", words=words)}</span>'


def reflection(activity: str, label: str | None = None) -> w.VBox:
    """The reflection widget for one activity id."""
    return Reflection(activity, label).widget
