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
        options = [(o.text, o.id) for o in question.options]
        known = {v for _t, v in options}
        # The question's choices in a fieldset named by the question: radios for one answer, checkboxes for
        # several (ipywidgets' RadioButtons has neither a group name nor `name`; its Checkboxes have no group).
        self.group = make(ChoiceGroup, options=options, multiple=question.multiple,
                          legend=f"{label}: {' '.join(question.prompt.split())}")
        if question.multiple:
            self.group.values = [v for v in saved if isinstance(v, str) and v in known] if isinstance(saved, list) \
                else []
            self.group.observe(lambda _c: self._record(), names="values")
            hint = f"<p><em>{ui('tick_all')}</em></p>"
        else:
            self.group.value = saved if isinstance(saved, str) and saved in known else None
            self.group.observe(lambda _c: self._record(), names="value")
            hint = f"<p><em>{ui('choose_one')}</em></p>"
        heading = f'<div role="heading" aria-level="3"><strong>{label}.</strong></div>'
        prompt = make(w.HTML, f"{heading}{esc(question.prompt)}{hint}")
        self.widget = root([prompt, self.group, self.status], "check")

    def _saved(self):
        try:
            record = store().get(self.checks.activity) or {}
        except ResponseFileError:
            return None
        return record.get("answers", {}).get(self.question.id) if record.get("kind") == "checks" else None

    def current(self):
        """The answer shown now (an option id, a sorted list of ids, or None)."""
        return sorted(self.group.values) if self.question.multiple else self.group.value

    def answer(self, value) -> None:
        """Set the answer (option id, or list of ids for a multiple-answer question)."""
        if self.question.multiple:
            self.group.values = list(value)
        else:
            self.group.value = value

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
