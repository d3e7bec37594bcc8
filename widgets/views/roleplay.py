"""The role-play widget: a thin view over the engine that records every attempt.

It shows the conversation so far, the choices as buttons (in a shuffled order, numbered as shown),
feedback after each choice (what the other person likely felt and the principle the choice honours or
works against), and an end summary. Every click is saved through the response store: to
`responses.json` in JupyterLab, to memory only under Voila.

The first run started is the graded one (attempts[0]). Re-running the cell, reloading the page or
restarting the kernel never resets it: the widget replays the saved steps through the engine and
resumes where the learner stopped, or shows the summary of a finished first run. "Play again" then
starts a practice run, recorded but never graded. The shown order comes from the record's seed
(`pathways.activities.responses.shuffled`), so it stays the same on reload in JupyterLab.
"""

from __future__ import annotations

import html
from functools import partial
from pathlib import Path

import ipywidgets as w

from ..activities.responses import ResponseFileError, new_seed, now, shuffled, store
from ..activities.roleplay import KIND, Attempt, RolePlayRecord, Step
from ..i18n import DEFAULT_LANG, current_lang, ui
from ..principles import principles
from ..scenario import Choice, Scenario, engine, load
from .a11y import LiveHTML
from .common import esc, make, root


class RolePlay:
    """Plays one scenario; `.widget` is what the notebook displays."""

    def __init__(self, scenario: Scenario, activity: str = "roleplay"):
        self.scenario = scenario
        self.activity = activity
        # A translated scenario brings its own language; otherwise the language in force decides.
        self.lang = scenario.language if scenario.language != DEFAULT_LANG else None
        self.walk = engine.Walk(scenario)
        self.seed = new_seed()  # kept in memory until the first recorded click, then saved with the record
        self.index: int | None = None  # which recorded attempt this walk is (None: not recorded yet)
        self.attempt: Attempt | None = None
        self.known: int = 0  # how many attempts the record had when this widget last read it
        self.header = make(w.HTML, self._header_html())
        self.notice = make(w.HTML, "")
        self.history = make(w.HTML, "")
        self.prompt = make(w.HTML, "")
        self.choices = make(w.VBox, [])
        # Live regions that stay on the page, so a screen reader announces each new feedback and the summary.
        self.feedback = make(LiveHTML)
        self.summary = make(LiveHTML)
        self.replay_button = w.Button(description=self._t("play_again"), icon="rotate-left",
                                      tooltip=self._t("play_again_tip"), layout=w.Layout(display="none", width="auto"))
        self.replay_button.on_click(lambda _: self.restart())
        self.widget = root([self.header, self.notice, self.history, self.feedback, self.prompt, self.choices,
                            self.summary, self.replay_button], "roleplay", item=KIND.item_name(activity))
        self._load()

    # --- driving (also used by tests, like Button.click) ---------------------------------------
    def _t(self, key: str, **fields) -> str:
        return ui(key, self.lang, **fields)

    @property
    def practice(self) -> bool:
        """True while this walk is a practice run (not the first, graded one)."""
        return self.index is not None and self.index > 0 or self.index is None and self.known > 0

    def options(self) -> list[Choice]:
        """The choices offered now, in the order shown."""
        offered = {c.id: c for c in self.walk.options()}
        return [offered[cid] for cid in shuffled(offered, self.seed, self.walk.node)]

    def choose(self, choice_id: str) -> None:
        """Take a choice, as a click on its button would."""
        if self.walk.finished:
            return
        node_id = self.walk.node
        after = self.walk.copy()
        choice = after.choose(choice_id)  # IllegalMove if not offered here: nothing is recorded
        if not self._save(node_id, choice_id, after.finished):
            return  # another copy of this role-play moved on: it now shows where the record stands
        self.walk = after
        self._notice()
        self.history.value += self._you_html(choice)
        self.feedback.value = feedback_html(choice, self.lang)
        self.history.value += self._said_html(self.walk.node)
        self._show_node()

    def restart(self) -> None:
        """Start a practice run from the first node (the first run stays the graded one)."""
        self.walk = engine.Walk(self.scenario)
        self.index, self.attempt = None, None
        self.history.value = self._said_html(self.walk.node)
        self.feedback.value = ""
        self.summary.value = ""
        self.replay_button.layout.display = "none"
        self._notice()
        self._show_node()

    # --- the record ---------------------------------------------------------------------------
    def _read(self) -> RolePlayRecord | None:
        """This scenario's record, or None (nothing yet, or unusable: the next click starts a new record)."""
        try:
            record = store().record(self.activity, RolePlayRecord)
        except ResponseFileError:
            return None
        return record if record is not None and record.scenario == self.scenario.id else None

    def _load(self, moved_on: bool = False) -> None:
        """Show what is on record: resume the graded run, show its summary, or wait for the first click."""
        record = self._read()
        self.walk = engine.Walk(self.scenario)
        self.index, self.attempt, self.known = None, None, 0
        if record is not None and record.seed is not None:
            self.seed = record.seed
        history = self._said_html(self.walk.node)
        feedback, problem, note = "", "", ""
        if record is not None and record.attempts:
            self.known = len(record.attempts)
            graded = record.attempts[0]
            walk = engine.Walk(self.scenario)
            try:
                for step in graded.steps:
                    if step.node != walk.node:
                        raise engine.IllegalMove(step.node)
                    choice = walk.choose(step.choice)
                    history += self._you_html(choice) + self._said_html(walk.node)
                    feedback = feedback_html(choice, self.lang)
            except engine.IllegalMove:
                problem = "roleplay_older_version"  # recorded on another version: kept for the instructor
            else:
                self.walk, self.index, self.attempt = walk, 0, graded  # finished: its summary shows
                if not walk.finished:
                    note = "roleplay_resumed" if graded.steps else ""
        if problem:
            history = self._said_html(self.walk.node)
            feedback = ""
        self.history.value = history
        self.feedback.value = feedback
        self.summary.value = ""
        self.replay_button.layout.display = "none"
        self._notice("roleplay_moved_on" if moved_on else problem or note)
        if problem:
            self.replay_button.layout.display = "flex"
            self.prompt.value, self.choices.children = "", []
            return
        self._show_node()

    def _save(self, node_id: str, choice_id: str, finished: bool) -> bool:
        """Record a click; False (nothing recorded, the widget reloaded) if the record moved on elsewhere."""
        st = store()
        record = self._read() or RolePlayRecord(scenario=self.scenario.id, version=self.scenario.version,
                                                seed=self.seed)
        if self.index is None:
            stale = len(record.attempts) != self.known
        else:
            stale = (len(record.attempts) <= self.index
                     or record.attempts[self.index].steps != (self.attempt.steps if self.attempt else []))
        if stale:
            self._load(moved_on=True)
            return False
        if record.seed is None:
            record.seed = self.seed
        if self.index is None:
            self.attempt = Attempt(started=now(), version=self.scenario.version)
            record.attempts.append(self.attempt)
            self.index, self.known = len(record.attempts) - 1, len(record.attempts)
        else:
            self.attempt = record.attempts[self.index].model_copy(deep=True)
        self.attempt.steps.append(Step(node=node_id, choice=choice_id, at=now()))
        self.attempt.finished = finished
        record.attempts[self.index] = self.attempt
        st.put(self.activity, record)
        return True

    # --- rendering ----------------------------------------------------------------------------
    def _header_html(self) -> str:
        s = self.scenario
        return (f"<h3>{html.escape(s.title)}</h3><p><strong>{self._t('you_are')}:</strong> {html.escape(s.role)}. "
                f"<strong>{self._t('setting')}:</strong> {html.escape(s.setting)}</p>")

    def _notice(self, extra: str = "") -> None:
        """The line above the conversation: the first run counts, or this is practice (and any note)."""
        kept = store().persist  # a graded lesson may follow only where the run is kept
        key = ("roleplay_practice" if self.practice else "roleplay_first_counts") if kept else \
            ("roleplay_open_practice" if self.practice else "roleplay_open_first")
        lines = [self._t(extra)] if extra else []
        lines.append(self._t(key))
        self.notice.value = "".join(f'<p class="pw-status">{html.escape(line)}</p>' for line in lines)

    def _said_html(self, node_id: str) -> str:
        node = self.scenario.nodes[node_id]
        speaker = f"<strong>{html.escape(node.speaker)}:</strong> " if node.speaker else ""
        return f'<div class="pw-said">{speaker}{esc(node.text)}</div>'

    def _you_html(self, choice: Choice) -> str:
        return f'<div class="pw-you"><strong>{self._t("you")}:</strong> {html.escape(choice.text)}</div>'

    def _show_node(self) -> None:
        node = self.scenario.nodes[self.walk.node]
        if node.ending:
            self.prompt.value = ""
            self.choices.children = []
            self.summary.value = summary_html(engine.summarize(self.walk, self.lang or current_lang()), self.lang)
            self.replay_button.layout.display = "flex"
            done = self._t(("roleplay_practice" if self.practice else "roleplay_graded_done") if store().persist
                           else ("roleplay_open_practice" if self.practice else "roleplay_open_done"))
            self.notice.value = f'<p class="pw-status">{html.escape(done)}</p>'
            return
        if not self.notice.value:
            self._notice()
        self.prompt.value = f'<p><strong>{self._t("what_do_you_do")}</strong></p>'
        buttons = []
        for number, choice in enumerate(self.options(), start=1):
            button = make(w.Button, description=f"{number}. {choice.text}", tooltip=choice.text,
                          layout={"width": "100%", "height": "auto"})
            button.add_class("pw-choice")
            button.on_click(lambda _b, cid=choice.id: self.choose(cid))
            buttons.append(button)
        self.choices.children = buttons


def feedback_html(choice: Choice, lang: str | None = None) -> str:
    """Feedback for one choice: the reaction, then the principle honoured or worked against, and why."""
    tr = partial(ui, lang=lang)
    fb = choice.feedback
    p = principles(lang or current_lang())[fb.principle]
    verdict = tr("this_honours") if fb.honours else tr("this_works_against")
    cls = "pw-honours" if fb.honours else "pw-breaks"
    mark = "&#10003;" if fb.honours else "&#9888;"
    return (f'<div class="pw-feedback {cls}">'
            f"<p><strong>{tr('what_happened')}:</strong> {html.escape(fb.reaction)}</p>"
            f"<p><strong>{mark} {verdict} <em>{html.escape(p.name)}</em></strong> ({html.escape(p.source)}). "
            f"{html.escape(fb.why)}</p></div>")


def summary_html(summary: engine.Summary, lang: str | None = None) -> str:
    """The end-of-role-play summary."""
    tr = partial(ui, lang=lang)
    e = html.escape
    honoured = "".join(f"<li>{e(n)}</li>" for n in summary.honoured) or f"<li>{tr('none_yet')}</li>"
    missteps = "".join(f"<li>&ldquo;{e(t)}&rdquo; {tr('works_against')} <em>{e(n)}</em>: {e(why)}</li>"
                       for t, n, why in summary.missteps)
    review = "".join(f"<li>{e(r)}</li>" for r in summary.review)
    top = engine.ceiling(summary.best, len(summary.missteps), summary.outcome or None)[0]
    parts = [f'<div class="pw-summary"><h4>{e(tr("ending_" + summary.outcome))}: '
             f"{e(summary.ending_title)}</h4>",
             f"<p><strong>{e(tr('you_earned', score=summary.score, best=summary.best))}</strong></p>",
             *([f"<p>{e(tr('limit_' + summary.limit, earned=summary.earned, count=len(summary.missteps), ceiling=top))}"
                "</p>"] if summary.limit in ("concerning", "missteps") and summary.earned > summary.score else []),
             f"<p><strong>{tr('principles_honoured')}</strong></p><ul>{honoured}</ul>"]
    if missteps:
        parts.append(f"<p><strong>{tr('where_differently')}</strong></p><ul>{missteps}</ul>")
    if review:
        parts.append(f"<p><strong>{tr('read_again')}</strong></p><ul>{review}</ul>")
    parts.append(f"<p>{tr('door_open')}</p></div>")
    return "".join(parts)


def roleplay(scenario_file: str | Path, activity: str = "roleplay") -> w.VBox:
    """Load a scenario file and return the role-play widget to display."""
    return RolePlay(load(scenario_file), activity).widget
