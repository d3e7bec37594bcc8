"""Knowledge-check widgets: one question at a time, its options shuffled, its first checked answer graded.

* The options are shown in the order `responses.shuffled(option ids, seed, question id)`. The seed is the
  check set's (one per activity): made when the first question is shown, kept in memory for the other
  questions, saved in the record with the learner's first answer and read back on reload, so the order
  stays the same in JupyterLab (and is new on every Voila page load, whose kernel is new).
* Every change of answer is saved at once in `answers` (the latest answer, kept for the instructor).
* "Check answer" records the answer shown as `first[question]`, once: pressing it again, re-running the
  cell or reloading never changes it, and it is the graded answer. Only then does the learner see whether
  it was right, the right answer and the explanation of every option (a formative file, which carries the
  key and explanations), or that the answer is not shown (a hidden-key file).
* What the widget says of grades depends on whether answers are kept (`store().persist`): in JupyterLab they
  are, and a graded lesson may follow ("if this lesson is graded"); on a published dashboard (or with memory
  storage) nothing is kept, so nothing is said about grades or feedback.
"""

from __future__ import annotations

from pathlib import Path

import ipywidgets as w

from ..activities.checks import KIND, CheckSet, ChecksRecord, FirstAnswer, Question, load_checks
from ..activities.responses import ResponseFileError, new_seed, now, shuffled, store
from ..i18n import ui
from ..markdown import md, md_line, plain
from .a11y import ChoiceGroup, LiveHTML
from .common import make, root

#: The shown-order seed of each check activity in this kernel, until it is saved with a first answer.
_SEEDS: dict[tuple[str, str], int] = {}


def activity_seed(record: ChecksRecord | None, activity: str) -> int:
    """The seed of a check set's shown order: the record's, else this kernel's for the activity."""
    if record is not None and record.seed is not None:
        return record.seed
    return _SEEDS.setdefault((str(store().path), activity), new_seed())


class KnowledgeCheck:
    """One question; `.widget` is displayed, `.answer(...)` sets an answer and `.check()` presses
    "Check answer", as a learner would."""

    def __init__(self, checks: CheckSet, question: Question):
        self.checks, self.question = checks, question
        record = self._load()
        self.seed = activity_seed(record, checks.activity)
        self.number = checks.number(question.id)
        label = f"{ui('question')} {self.number}"
        by_id = {o.id: o for o in question.options}
        self.order = shuffled(by_id, self.seed, question.id)
        options = [(plain(by_id[oid].text), oid) for oid in self.order]
        saved = record.answers.get(question.id) if record else None
        self.kept = store().persist  # answers written to responses.json: a grade may follow
        self.status = make(LiveHTML, value=self._status("saved") if saved is not None and self.kept else "")
        # The question's choices in a fieldset named by the question: radios for one answer, checkboxes for
        # several (ipywidgets' RadioButtons has neither a group name nor `name`; its Checkboxes have no group).
        self.group = make(ChoiceGroup, options=options, multiple=question.multiple,
                          legend=f"{label}: {plain(question.prompt)}")
        if question.multiple:
            self.group.values = [v for v in saved if isinstance(v, str) and v in by_id] if isinstance(saved, list) \
                else []
            self.group.observe(lambda _c: self._record(), names="values")
            hint = ui("tick_all")
        else:
            self.group.value = saved if isinstance(saved, str) and saved in by_id else None
            self.group.observe(lambda _c: self._record(), names="value")
            hint = ui("choose_one")
        heading = f'<div role="heading" aria-level="3"><strong>{label}</strong></div>'
        note = ui("first_answer_counts" if self.kept else "check_to_learn")
        prompt = make(w.HTML, f'{heading}{md(question.prompt)}<p><em>{hint}</em></p>'
                              f'<p class="pw-first-counts">{note}</p>')
        self.button = make(w.Button, description=ui("check_answer"), tooltip=ui("check_answer_tip"))
        self.button.on_click(lambda _b: self.check())
        self.explanations = make(w.HTML, "")
        self.checked = False
        first = record.first.get(question.id) if record else None
        if first is not None:
            self._reveal(first.answer)
        item = KIND.item_name(checks.activity, question.id)
        self.widget = root([prompt, self.group, self.button, self.status, self.explanations], "check", item=item)

    def _load(self) -> ChecksRecord | None:
        try:
            return store().record(self.checks.activity, ChecksRecord)
        except ResponseFileError:  # damaged file or a record of another kind: start afresh
            return None

    @staticmethod
    def _status(key: str) -> str:
        return f'<span class="pw-status">{ui(key)}</span>'

    def current(self):
        """The answer shown now (an option id, a sorted list of ids, or None)."""
        return sorted(self.group.values) if self.question.multiple else self.group.value

    def answer(self, value) -> None:
        """Set the answer (option id, or list of ids for a multiple-answer question)."""
        if self.question.multiple:
            self.group.values = list(value)
        else:
            self.group.value = value

    def first(self):
        """The first checked answer on record (the graded one), or None if "Check answer" was never pressed."""
        record = self._load()
        first = record.first.get(self.question.id) if record else None
        return None if first is None else first.answer

    def _save(self, record: ChecksRecord) -> None:
        store().put(self.checks.activity, record)

    def _fresh(self) -> ChecksRecord:
        record = self._load() or ChecksRecord()
        if record.seed is None:
            record.seed = self.seed
        return record

    def _record(self) -> None:
        record = self._fresh()
        record.answers[self.question.id] = self.current()
        self._save(record)
        if self.kept:
            self.status.value = self._status("saved_after_check" if self.checked else "saved")

    def check(self) -> None:
        """Press "Check answer": the first press records the answer shown as the graded one, then explains."""
        current = self.current()
        if current is None or current == []:
            self.status.value = self._status("choose_first")
            return
        record = self._fresh()
        first = record.first.get(self.question.id)
        if first is None:
            first = record.first[self.question.id] = FirstAnswer(answer=current, at=now())
            record.answers[self.question.id] = current
            self._save(record)
        self._reveal(first.answer)

    def _reveal(self, first) -> None:
        """Show what follows the first checked answer: right or not, and why (formative), or that it is hidden."""
        # The button stays enabled (a disabled one would drop a keyboard user's focus); pressing it again
        # changes nothing.
        self.checked = True
        self.button.description = ui("answer_checked")
        if not self.checks.formative:
            self.explanations.value = ""
            self.status.value = self._status("first_recorded_hidden" if self.kept else "answer_hidden_here")
            return
        chosen = set(first) if isinstance(first, list) else {first}
        key = self.question.answer
        right = set(key) if isinstance(key, list) else {key}
        by_id = {o.id: o for o in self.question.options}
        rows = "".join(
            f'<li class="{"pw-right" if oid in right else "pw-other"}"><strong>{md_line(by_id[oid].text)}</strong>'
            f'{" <em>(&#10003; " + ui("right_answer") + ")</em>" if oid in right else ""}'
            f'{" <em>(" + ui("your_first_answer") + ")</em>" if oid in chosen else ""}'
            f'{md(by_id[oid].explanation)}</li>' for oid in self.order)
        self.explanations.value = f'<div class="pw-explanations"><ul>{rows}</ul></div>'
        self.status.value = self._status("first_right" if self.question.right(first) else "first_not_right")


def knowledge_check(checks_file: str | Path, question: str) -> w.VBox:
    """The widget for one question of a lesson's knowledge-check file."""
    checks = load_checks(checks_file)
    return KnowledgeCheck(checks, checks.question(question)).widget
