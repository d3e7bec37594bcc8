"""The quick-exit control and the resources panel shown at the top of every lesson, and the
"Skip this section for my wellbeing" control a content note can show (`skip_section`)."""

from __future__ import annotations

import html
from pathlib import Path

import anywidget
import ipywidgets as w
import traitlets as t

from ..activities import excusal
from ..activities.responses import under_voila
from ..i18n import ui
from ..resources import Resources, load_resources
from .common import SkipToggle, make, root

_HERE = Path(__file__).parent


class QuickExit(anywidget.AnyWidget):
    """A button (and Shift pressed three times) that replaces the page with a neutral one."""

    _esm = _HERE / "quick_exit.js"
    _css = _HERE / "quick_exit.css"
    url = t.Unicode().tag(sync=True)
    label = t.Unicode("Exit this page").tag(sync=True)
    hint = t.Unicode("").tag(sync=True)
    fixed = t.Bool(False).tag(sync=True)


def resources_html(res: Resources) -> str:
    """The resources panel as HTML (numbers exactly as configured)."""
    e = html.escape
    items = [f"<li><strong>{e(res.emergency.name)}: {e(res.emergency.phone)}</strong>. {e(res.emergency.note)}</li>"]
    for line in (ln for ln in res.lines if ln.panel):
        parts = [f"{ui('call')} {e(line.phone)}" + (f" ({e(line.phone_words)})" if line.phone_words else "")]
        keyword = line.text_keyword()
        if keyword:  # "START to 88788": the keyword to send, as its operator documents it (never translated)
            parts.append(e(ui("text_keyword", keyword=keyword[0], number=keyword[1])))
        elif line.text:
            parts.append(f"{ui('text')} {e(line.text)}")
        if line.tty:
            parts.append(f"{ui('tty')} {e(line.tty)}")
        hours = f", {e(line.hours)}" if line.hours else ""
        items.append(f"<li><strong>{e(line.name)}</strong>: {', '.join(parts)}{hours}. {e(line.note)}</li>")
    return (f'<section class="pw-panel" aria-label="{e(ui("support_label"))}"><h2 style="font-size:1.1rem;margin:0">'
            f"{e(ui('support_heading', region=res.region))}</h2><ul>{''.join(items)}</ul>"
            f"<p>{e(ui('step_away'))}</p></section>")


def safety_panel() -> w.VBox:
    """Quick exit plus resources, from the resources configuration in force."""
    res = load_resources()
    exit_button = make(QuickExit, url=res.quick_exit.url, label=res.quick_exit.label, hint=res.quick_exit.hint,
                            fixed=under_voila())
    return root([exit_button, make(w.HTML, resources_html(res))], "safety")


def skip_section(title: str, items: list[str]) -> w.VBox:
    """A toggle for a section's content note: pressed, every listed item (excusal item names such as
    `roleplay:roleplay`, `check:checks:q2`) is skipped for wellbeing at once, each activity of the section
    folds away, and a note says how to come back (Undo here, or on any one activity). Nothing is asked."""
    items = list(dict.fromkeys(items))
    bad = [i for i in items if not excusal.valid_item(i)]
    if not items or bad:
        raise ValueError(f"skip_section needs item names such as 'roleplay:roleplay' (got {bad or 'none'})")
    toggle = SkipToggle(items, label=ui("skip_section_label", title=" ".join(str(title).split())),
                        note=ui("skip_section_note"))
    box = root([toggle], "skip-section")
    box.skip_toggle = toggle
    return box
