"""The role-play widget: a thin view over the engine that records every attempt.

It shows the conversation so far, the choices as buttons, feedback after each choice (what the
other person likely felt and the principle the choice honours or works against), and an end
summary. Every click is saved through the response store: to `responses.json` in JupyterLab,
to memory only under Voila.
"""

from __future__ import annotations

import html
from functools import partial
from pathlib import Path

import ipywidgets as w

from .. import engine
from ..i18n import DEFAULT_LANG, current_lang, ui
from ..principles import principles
from ..responses import now, store
from ..scenario import Choice, Scenario, load
from .a11y import LiveHTML
from .common import esc, make, root


class RolePlay:
    """Plays one scenario; `.widget` is what the notebook displays."""

    def __init__(self, scenario: Scenario, activity: str = "roleplay"):
        self.scenario = scenario
        self.activity = activity
        # A translated scenario brings its own language; otherwise PATHWAYS_LANG decides.
        self.lang = scenario.language if scenario.language != DEFAULT_LANG else None
        self.walk = engine.Walk(scenario)
        self.attempt: dict | None = None
        self.header = make(w.HTML, self._header_html())
        self.history = make(w.HTML, "")
        self.prompt = make(w.HTML, "")
        self.choices = make(w.VBox, [])
        # Live regions that stay on the page, so a screen reader announces each new feedback and the summary.
        self.feedback = make(LiveHTML)
        self.summary = make(LiveHTML)
        self.replay_button = w.Button(description=self._t("play_again"), icon="rotate-left",
                                      tooltip=self._t("play_again_tip"), layout=w.Layout(display="none", width="auto"))
        self.replay_button.on_click(lambda _: self.restart())
        self.widget = root([self.header, self.history, self.feedback, self.prompt, self.choices, self.summary,
                            self.replay_button], "roleplay")
        self._show_node()

    # --- driving (also used by tests, like Button.click) ---------------------------------------
    def _t(self, key: str, **fields) -> str:
        return ui(key, self.lang, **fields)

    def options(self) -> list[Choice]:
        """The choices offered now."""
        return self.walk.options()

    def choose(self, choice_id: str) -> None:
        """Take a choice, as a click on its button would."""
        node_id = self.walk.node
        choice = self.walk.choose(choice_id)
        self._save(node_id, choice_id)
        you = self._t("you")
        self.history.value += f'<div class="pw-you"><strong>{you}:</strong> {html.escape(choice.text)}</div>'
        self.feedback.value = feedback_html(choice, self.lang)
        self._show_node()

    def restart(self) -> None:
        """Start a new attempt from the first node."""
        self.walk = engine.Walk(self.scenario)
        self.attempt = None
        self.history.value = ""
        self.feedback.value = ""
        self.summary.value = ""
        self.replay_button.layout.display = "none"
        self._show_node()

    # --- rendering ----------------------------------------------------------------------------
    def _header_html(self) -> str:
        s = self.scenario
        return (f"<h3>{html.escape(s.title)}</h3><p><strong>{self._t('you_are')}:</strong> {html.escape(s.role)}. "
                f"<strong>{self._t('setting')}:</strong> {html.escape(s.setting)}</p>")

    def _show_node(self) -> None:
        node = self.scenario.nodes[self.walk.node]
        speaker = f"<strong>{html.escape(node.speaker)}:</strong> " if node.speaker else ""
        self.history.value += f'<div class="pw-said">{speaker}{esc(node.text)}</div>'
        if node.ending:
            self.prompt.value = ""
            self.choices.children = []
            self.summary.value = summary_html(engine.summarize(self.walk, self.lang or current_lang()), self.lang)
            self.replay_button.layout.display = "flex"
            return
        self.prompt.value = f'<p><strong>{self._t("what_do_you_do")}</strong></p>'
        buttons = []
        for number, choice in enumerate(self.options(), start=1):
            button = make(w.Button, description=f"{number}. {choice.text}", tooltip=choice.text,
                          layout={"width": "100%", "height": "auto"})
            button.add_class("pw-choice")
            button.on_click(lambda _b, cid=choice.id: self.choose(cid))
            buttons.append(button)
        self.choices.children = buttons

    def _save(self, node_id: str, choice_id: str) -> None:
        st = store()
        record = st.get(self.activity) or {}
        if record.get("kind") != "roleplay" or record.get("scenario") != self.scenario.id:
            record = {"kind": "roleplay", "scenario": self.scenario.id, "version": self.scenario.version,
                      "attempts": []}
        if self.attempt is None:
            self.attempt = {"started": now(), "steps": [], "finished": False}
            record["attempts"].append(self.attempt)
        else:
            record["attempts"][-1] = self.attempt
        self.attempt["steps"].append({"node": node_id, "choice": choice_id, "at": now()})
        self.attempt["finished"] = self.walk.finished
        st.put(self.activity, record)


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
    parts = [f'<div class="pw-summary"><h4>{e(tr("ending_" + summary.outcome))}: '
             f"{e(summary.ending_title)}</h4>",
             f"<p><strong>{e(tr('you_earned', score=summary.score, best=summary.best))}</strong></p>",
             *([f"<p>{e(tr('limit_' + summary.limit, earned=summary.earned))}</p>"]
               if summary.limit in ("concerning", "hopeful-missteps") and summary.earned > summary.score else []),
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
