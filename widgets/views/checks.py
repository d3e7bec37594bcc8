"""Knowledge-check widgets: one question at a time, answers saved as soon as they change."""

from __future__ import annotations

from pathlib import Path

import ipywidgets as w

from ..checks import CheckSet, Question, load_checks
from ..i18n import ui
from ..responses import ResponseFileError, store
from .a11y import ChoiceGroup, LiveHTML
from .common import esc, make, root


class KnowledgeCheck:
    """One question; `.widget` is displayed, `.answer(...)` sets an answer as a click would."""

    def __init__(self, checks: CheckSet, question: Question):
        self.checks, self.question = checks, question
        saved = self._saved()
        label = f"{ui('question')} {question.id}"
        self.status = make(LiveHTML, value=f'<span class="pw-status">{ui("saved")}</span>' if saved is not None else "")
        if question.multiple:
            self.boxes = [make(w.Checkbox, value=bool(saved and o.id in saved), description=o.text, indent=False,
                               layout={"width": "100%"}) for o in question.options]
            for box in self.boxes:
                box.observe(lambda _c: self._record(), names="value")
            control = make(w.VBox, self.boxes)
            hint = f"<p><em>{ui('tick_all')}</em></p>"
        else:
            # A radio group named by its question (ipywidgets' RadioButtons has neither a group name nor `name`).
            options = [(o.text, o.id) for o in question.options]
            self.radio = make(ChoiceGroup, options=options,
                              value=saved if saved in {v for _t, v in options} else None,
                              legend=f"{label}: {' '.join(question.prompt.split())}")
            self.radio.observe(lambda _c: self._record(), names="value")
            control = self.radio
            hint = f"<p><em>{ui('choose_one')}</em></p>"
        heading = f'<div role="heading" aria-level="3"><strong>{label}.</strong></div>'
        prompt = make(w.HTML, f"{heading}{esc(question.prompt)}{hint}")
        self.widget = root([prompt, control, self.status], "check")

    def _saved(self):
        try:
            record = store().get(self.checks.activity) or {}
        except ResponseFileError:
            return None
        return record.get("answers", {}).get(self.question.id) if record.get("kind") == "checks" else None

    def current(self):
        """The answer shown now (an option id, a sorted list of ids, or None)."""
        if self.question.multiple:
            return sorted(o.id for o, b in zip(self.question.options, self.boxes, strict=True) if b.value)
        return self.radio.value

    def answer(self, value) -> None:
        """Set the answer (option id, or list of ids for a multiple-answer question)."""
        if self.question.multiple:
            for o, b in zip(self.question.options, self.boxes, strict=True):
                b.value = o.id in value
        else:
            self.radio.value = value

    def _record(self) -> None:
        st = store()
        try:
            record = st.get(self.checks.activity) or {}
        except ResponseFileError:
            record = {}
        if record.get("kind") != "checks":
            record = {"kind": "checks", "answers": {}}
        record["answers"][self.question.id] = self.current()
        st.put(self.checks.activity, record)
        self.status.value = f'<span class="pw-status">{ui("saved")}</span>'


def knowledge_check(checks_file: str | Path, question: str) -> w.VBox:
    """The widget for one question of a lesson's knowledge-check file."""
    checks = load_checks(checks_file)
    return KnowledgeCheck(checks, checks.question(question)).widget
