"""The evaluation form a learner fills in: a notice (voluntary, how the answers are used), a button to decline,
the items in an order of the learner's own, the attitude statements, the reaction form after the course, and a
save button. No item says whether an answer was right: there is no key in the learner's folder, and the
post-test's explanations come with the instructor's feedback after collection (`pathways evaluation feedback`).

`EvaluationForm` can be driven without a browser (`.choose`, `.rate`, `.save()`, `.decline()`), as tests do.
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path

import ipywidgets as w

from ..markdown import md, plain
from ..views.a11y import ChoiceGroup, LiveHTML
from ..views.common import make, root
from .items import ITEMS_FILE, LIKERT, TIMEPOINT_NAMES, LearnerItems, load_items, shuffled
from .record import CHANGE_MAX, Answers, answers_path, read_answers, save_answers

RATING = [(f"{n}", str(n)) for n in range(1, 6)]


def learner_name() -> str:
    """Whose order the items are shown in: the hub's user, else this account's name."""
    return os.environ.get("JUPYTERHUB_USER") or getpass.getuser()


class EvaluationForm:
    """The whole form of one time point; `.widget` is displayed."""

    def __init__(self, items: LearnerItems, folder: str | Path | None = None, learner: str | None = None):
        self.items, self.path = items, answers_path(folder)
        saved = read_answers(self.path)
        self.answers = saved if saved and saved.timepoint == items.timepoint else Answers(timepoint=items.timepoint)
        who = learner or learner_name()
        self.groups: dict[str, ChoiceGroup] = {}
        parts: list[w.Widget] = [make(w.HTML, value=f"<h2>{plain(items.title)}: "
                                      f"{TIMEPOINT_NAMES[items.timepoint]}</h2>{md(items.notice)}")]
        self.decline_button = make(w.Button, description="I prefer not to take part")
        self.decline_button.on_click(lambda _b: self.decline())
        parts.append(self.decline_button)
        for n, iid in enumerate(shuffled([i.id for i in items.items], who, "items"), 1):
            item = next(i for i in items.items if i.id == iid)
            order = shuffled([o.id for o in item.options], who, item.id)
            texts = {o.id: plain(o.text) for o in item.options}
            group = make(ChoiceGroup, options=[(texts[o], o) for o in order], legend=f"Situation {n}",
                         value=self.answers.answers.get(iid))
            group.observe(lambda ch, iid=iid: self._set("answers", iid, ch["new"]), names="value")
            self.groups[iid] = group
            parts += [make(w.HTML, value=md(item.prompt)), group]
        parts.append(make(w.HTML, value="<h3>Your views</h3><p>1 = " + LIKERT[0] + ", 5 = " + LIKERT[-1] + ".</p>"))
        for a in items.attitudes:
            self._rating(parts, a.id, a.text, self.answers.attitudes.get(a.id), "attitudes")
        self.change = None
        if items.reaction is not None:
            parts.append(make(w.HTML, value="<h3>About the course</h3>"))
            self._rating(parts, "relevance", items.reaction.relevance, self.answers.relevance, None)
            self._rating(parts, "confidence", items.reaction.confidence, self.answers.confidence, None)
            self.change = make(w.Textarea, value=self.answers.change, placeholder=items.reaction.change,
                               layout={"width": "100%"})
            parts += [make(w.HTML, value=md(items.reaction.change)), self.change]
        self.save_button = make(w.Button, description="Save my answers", button_style="primary")
        self.save_button.on_click(lambda _b: self.save())
        self.status = make(LiveHTML, value="")
        self.widget = root([*parts, self.save_button, self.status], "evaluation")

    def _rating(self, parts: list, key: str, text: str, value: int | None, field: str | None) -> None:
        group = make(ChoiceGroup, options=RATING, legend=plain(text), value=None if value is None else str(value))
        group.observe(lambda ch: self._set(field, key, ch["new"]), names="value")
        self.groups[key] = group
        parts.append(group)

    def _set(self, field: str | None, key: str, value: str | None) -> None:
        if field in ("answers", "attitudes"):
            target = getattr(self.answers, field)
            if value is None:
                target.pop(key, None)
            else:
                target[key] = value if field == "answers" else int(value)
        else:
            setattr(self.answers, key, None if value is None else int(value))
        if value is not None:
            self.answers.declined = False

    def choose(self, key: str, value: str) -> None:
        """Answer an item or a rating as a learner would (a rating's value is "1" .. "5")."""
        self.groups[key].value = value

    def save(self) -> Path:
        """Save every answer given so far (nothing is said about right or wrong)."""
        if self.change is not None:
            self.answers.change = self.change.value[:CHANGE_MAX]
        self.answers.answers = {k: v for k, v in self.answers.answers.items() if v is not None}
        save_answers(self.answers, self.path)
        cut = self.change is not None and len(self.change.value) > CHANGE_MAX
        self.status.value = ("Saved. You can change your answers and save again until you hand this in. "
                             "Taking part is voluntary and never part of your grade." +
                             (f" Only the first {CHANGE_MAX} characters of your comment are kept." if cut else ""))
        return self.path

    def decline(self) -> Path:
        """Record that the learner prefers not to take part: every answer is dropped, nothing is lost."""
        for group in self.groups.values():
            group.value = None  # the form shows what is kept: nothing
        if self.change is not None:
            self.change.value = ""
        self.answers = Answers(timepoint=self.items.timepoint, declined=True)
        save_answers(self.answers, self.path)
        self.status.value = ("Thank you: you are not taking part, and nothing of your answers is kept. "
                             "This costs you nothing.")
        return self.path


def show(folder: str | Path | None = None):
    """The form for the evaluation notebook in `folder` (the working folder: the notebook's), to display."""
    folder = Path(folder or ".")
    return EvaluationForm(load_items(folder / ITEMS_FILE), folder).widget
