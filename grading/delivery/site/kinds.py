"""One static renderer per activity kind (`KIND_RENDERERS`, by the kind's name in pathways.activities.registry),
and one per part of the page that is not an activity (`PAGE_PARTS`). `renderer(call)` finds a lesson cell's call
through the registry: the call names a kind's view, the kind names its renderer; a kind registered without one
stops the build with a message naming it (tests/site/test_site_units.py checks every registered kind has one).

A renderer takes the page being built (`Page`: the lesson folder, the language, a counter for element ids) and the
call's literal arguments, and returns a `Block`: the HTML the page shows before any script runs, and the data the
page's script (static/site.js) needs to make it work, inlined in the page as JSON (never fetched). Keys and
explanations reach the page only from a formative file (public by design, as in the widgets); a `mode: hidden-key`
file is shown without them. A reflection is a text box whose words stay in the page: no model answer or rubric
is read.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pathways import config
from pathways.activities import registry
from pathways.activities.checks import load_checks
from pathways.activities.sorting import load_exercise
from pathways.i18n import ui
from pathways.markdown import md, md_line, plain
from pathways.scenario import load

from . import player

e = html.escape


@dataclass
class Page:
    """What a renderer knows of the page it renders into."""

    folder: Path  # the lesson's source folder (its YAML files)
    lang: str | None  # None: English
    serial: int = 0
    scored: list[dict] = field(default_factory=list)  # the activities whose keys are public: {item, points}

    def next_id(self, kind: str) -> str:
        """A fresh element id for this page."""
        self.serial += 1
        return f"pw-{kind}-{self.serial}"

    def t(self, key: str, **fields) -> str:
        """A widget string in the page's language."""
        return ui(key, self.lang or "en", **fields)


@dataclass
class Block:
    """An activity as the page shows it: HTML, and the data its script reads (None: no script needed)."""

    html: str
    data: dict | None = None


def _box(page: Page, kind: str, item: str | None, inner: str, data: dict | None) -> Block:
    """The outer box of an activity: its kind, its item name (for the skip controls) and its data's id."""
    bid = page.next_id(kind)
    attrs = f' data-pw-item="{e(item)}"' if item else ""
    body = f'<section class="pw-activity pw-{kind}" id="{bid}" data-pw-kind="{kind}"{attrs}>{inner}</section>'
    return Block(body, None if data is None else {"id": bid, "kind": kind, **data})


def safety_panel(page: Page) -> Block:
    """The support panel (the quick exit is in every page's header)."""
    from pathways.resources import load_resources
    from pathways.views.safety import resources_html

    with config.using(lang=page.lang or "en"):  # the panel's own words (its heading) in the page's language
        return Block(resources_html(load_resources(page.folder, lang=page.lang or "en")))


def roleplay(page: Page, scenario_file: str, activity: str = "roleplay") -> Block:
    """A role-play: its header now, the conversation drawn by the player from the engine's transition table."""
    scenario = load(page.folder / scenario_file)
    lang = scenario.language if scenario.language != "en" else None
    head = (f"<h3>{e(scenario.title)}</h3><p><strong>{page.t('you_are')}:</strong> {e(scenario.role)}. "
            f"<strong>{page.t('setting')}:</strong> {e(scenario.setting)}</p>")
    inner = (f'{head}<p class="pw-status pw-notice"></p><div class="pw-history"></div>'
             '<div class="pw-feedback-live" aria-live="polite"></div><div class="pw-prompt"></div>'
             '<div class="pw-choices"></div><div class="pw-summary-live" aria-live="polite"></div>'
             f'<button type="button" class="pw-replay" hidden>{e(page.t("play_again"))}</button>')
    item = f"roleplay:{activity}"
    page.scored.append({"item": item, "kind": "roleplay"})
    return _box(page, "roleplay", item, inner, {"item": item, "table": player.table(scenario, lang)})


def sorting(page: Page, exercise_file: str) -> Block:
    """A sorting exercise: every item with a labelled drop-down of categories, and a check button."""
    ex = load_exercise(page.folder / exercise_file)
    item = f"sorting:{ex.activity}"
    cats = [{"id": c.id, "label": plain(c.label)} for c in ex.categories]
    items = [{"id": i.id, "text": plain(i.text),
              **({"key": i.category, "explanation": md(i.explanation)} if ex.formative else {})} for i in ex.items]
    if ex.formative:
        page.scored.append({"item": item, "kind": "sorting"})
    inner = (f"<h3>{e(ex.title)}</h3>{md(ex.instructions)}<ul class=\"pw-items\"></ul>"
             f'<p class="pw-first-counts">{e(page.t("sort_to_learn"))}</p>'
             f'<button type="button" class="pw-check-button">{e(page.t("check_sorting"))}</button>'
             '<p class="pw-status" aria-live="polite"></p>')
    return _box(page, "sorting", item, inner, {"item": item, "formative": ex.formative, "items": items,
                                               "categories": cats})


def knowledge_check(page: Page, checks_file: str, question: str) -> Block:
    """One knowledge-check question: its options in a fieldset, a check button, the explanations after it."""
    checks = load_checks(page.folder / checks_file)
    q = checks.question(question)
    number = checks.number(q.id)
    item = f"check:{checks.activity}:{q.id}"
    label = f"{page.t('question')} {number}"
    options = [{"id": o.id, "text": plain(o.text),
                **({"html": md_line(o.text), "explanation": md(o.explanation)} if checks.formative else {})}
               for o in q.options]
    if checks.formative:
        page.scored.append({"item": item, "kind": "check"})
    inner = (f'<div role="heading" aria-level="3"><strong>{e(label)}</strong></div>{md(q.prompt)}'
             f'<p><em>{e(page.t("tick_all" if q.multiple else "choose_one"))}</em></p>'
             f'<p class="pw-first-counts">{e(page.t("check_to_learn"))}</p>'
             f'<fieldset class="pw-options"><legend>{e(label)}: {e(plain(q.prompt))}</legend></fieldset>'
             f'<button type="button" class="pw-check-button">{e(page.t("check_answer"))}</button>'
             '<p class="pw-status" aria-live="polite"></p><div class="pw-explanations"></div>')
    data = {"item": item, "multiple": q.multiple, "formative": checks.formative, "options": options}
    if checks.formative:
        data["key"] = q.answer if isinstance(q.answer, list) else [q.answer]
    return _box(page, "check", item, inner, data)


def reflection(page: Page, activity: str, label: str | None = None) -> Block:
    """A reflection: a text box for thinking on the page. Nothing typed is kept or sent, and no model answer or
    rubric is read."""
    tid = page.next_id("reflection-text")
    inner = (f'<label for="{tid}">{e(label or page.t("reflection_label"))}</label>'
             f'<textarea id="{tid}" rows="8" placeholder="{e(page.t("reflection_placeholder"))}"></textarea>'
             f'<p class="pw-status">{e(site_string(page, "reflection_not_kept"))}</p>')
    return _box(page, "reflection", None, inner, None)


def skip_section(page: Page, title: str, items: list[str]) -> Block:
    """A button that folds away every listed activity of a section for the visitor's wellbeing (and back)."""
    label = page.t("skip_section_label", title=" ".join(str(title).split()))
    inner = (f'<button type="button" class="pw-skip-section" aria-pressed="false">{e(label)}</button>'
             f'<p class="pw-status" aria-live="polite"></p>')
    return _box(page, "skip-section", None, inner, {"items": list(items), "note": page.t("skip_section_note"),
                                                    "undo": page.t("skip_undo")})


def site_string(page: Page, key: str) -> str:
    """A string of the static site itself (strings.yaml), in the page's language where translated."""
    from .strings import site_strings

    return site_strings(page.lang)[key]


#: Every kind a lesson cell can call, by the call's name.
KIND_RENDERERS: dict[str, Callable[..., Block]] = {
    "roleplay": roleplay, "sorting": sorting, "checks": knowledge_check, "reflection": reflection,
}
#: Calls that show a part of the page rather than an activity.
PAGE_PARTS: dict[str, Callable[..., Block]] = {"safety_panel": safety_panel, "skip_section": skip_section}


def renderer(call: str) -> Callable[..., Block] | None:
    """The renderer of a lesson cell's call: a part of the page, or the static renderer of the activity kind whose
    view the call names (pathways.activities.registry); None when the site cannot show it."""
    if call in PAGE_PARTS:
        return PAGE_PARTS[call]
    found = registry.view(call)
    return KIND_RENDERERS.get(found[0].name) if found else None
#: Calls a lesson cell makes that show nothing (imports aside): the page's language comes from its file name.
SILENT = {"set_language"}
