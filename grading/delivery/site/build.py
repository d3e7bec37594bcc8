"""`pathways site`: every lesson as a folder of static files, from the same lesson sources as the notebooks.

The folder holds a landing page (index.html), one page per lesson and language (<lesson>/index.html, and
<lesson>/<lang>.html for a translation such as lesson.es.ipynb), and static/ (the stylesheets and three classic
scripts: the quick exit, the role-play player and the activities). Each page carries its own data as JSON, so the
site works from any static web server and opened from a folder or a USB stick (file://): no module, no fetch.
Pages allow scripts, styles and images from the site's own files only (a Content-Security-Policy), link to
nothing they load from elsewhere, and write nothing about the visitor.

The quick exit is the lessons' own module (widgets/views/quick_exit.js: one click, or Shift pressed three times),
made a classic script here, with one change: inside a frame (an LMS playing a SCORM package) it replaces the
top page, not only the frame.

Before the new folder replaces the old one, every file is scanned for text a visitor must never get (the
dashboards' FORBIDDEN_TEXT: solution regions, hidden tests, the grading calls).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from pathways.files import LESSON_NOTEBOOK

from ... import course as course_mod
from ... import templates
from ..publish import refuse_foreign, replace_published
from . import lesson as lesson_mod
from .strings import site_strings

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
#: A file in every built folder, so `build()` only ever replaces a folder it made itself.
MARKER = ".pathways-site"
COMMAND = "pathways site"
#: The widget strings the page's scripts use.
UI_KEYS = ("you", "what_do_you_do", "ending_hopeful", "ending_open", "ending_concerning", "you_earned",
           "limit_concerning", "limit_missteps", "principles_honoured", "none_yet", "where_differently", "read_again",
           "door_open", "roleplay_open_first", "roleplay_open_practice", "roleplay_open_done", "choose_first",
           "answer_checked", "answer_hidden_here", "right_answer", "your_first_answer", "first_right",
           "first_not_right", "not_placed", "place_all_first", "sorting_checked", "sorting_hidden_here",
           "you_placed", "belongs_in", "sorting_result")
#: Where quick_exit.js navigates, which a page in a frame changes to reach the top page.
_NAVIGATE = "window.location.replace(url);"

_ENV = templates.environment(HERE / "templates")


class SiteError(RuntimeError):
    """The site cannot be built as asked; the message says why."""


def quick_exit_script() -> str:
    """widgets/views/quick_exit.js as a classic script that mounts itself on the page's header."""
    source = resources.files("pathways.views").joinpath("quick_exit.js").read_text(encoding="utf-8")
    for needed in ("export function shiftCounter", "export default { render };", _NAVIGATE):
        if needed not in source:
            raise SiteError(f"widgets/views/quick_exit.js changed ({needed!r} is gone): update "
                            "grading/delivery/site/build.py's quick_exit_script to match")
    source = (source.replace("export function shiftCounter", "function shiftCounter")
              .replace("export default { render };", "").replace(_NAVIGATE, "pathwaysNavigate(url);"))
    return ("// Built from widgets/views/quick_exit.js by grading/delivery/site/build.py: edit that file.\n"
            "(function () {\n\"use strict\";\n"
            "// Inside a frame (an LMS playing a SCORM package), leave with the whole page, not only the frame. A\n"
            "// browser lets a frame of another origin replace the top page only after a click or key press; if it\n"
            "// refuses, the frame itself leaves.\n"
            "function pathwaysNavigate(url) {\n"
            "  if (window.top !== window.self) {\n"
            "    try { window.top.location.replace(url); return; } catch (err) { /* refused: leave the frame */ }\n"
            "  }\n"
            "  window.location.replace(url);\n}\n"
            f"{source}\n"
            "const mount = document.getElementById(\"pw-exit-mount\");\n"
            "if (mount) render({ model: { get: (key) => (key === \"fixed\" ? true : mount.dataset[key] || \"\") }, "
            "el: mount });\n})();\n")


def _json(data: dict) -> str:
    """JSON safe inside a <script> element (no '</' can close it)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


def _quick_exit(folder: Path | None, lang: str | None) -> tuple[dict, str]:
    from pathways import config
    from pathways.resources import load_resources
    from pathways.views.safety import resources_html

    with config.using(lang=lang or "en"):
        res = load_resources(folder, lang=lang or "en")
        return ({"url": res.quick_exit.url, "label": res.quick_exit.label, "hint": res.quick_exit.hint},
                resources_html(res))


def translations(folder: Path) -> list[str]:
    """The languages a lesson is translated into (lesson.<lang>.ipynb beside lesson.ipynb)."""
    return sorted(p.name.split(".")[1] for p in folder.glob("lesson.*.ipynb"))


def page_name(lang: str | None) -> str:
    """A lesson page's file name in its folder: index.html, or <lang>.html for a translation."""
    return "index.html" if lang in (None, "en") else f"{lang}.html"


def render_lesson(folder: Path, lang: str | None, root: str = "../",
                  extra_scripts: Iterable[str] = ()) -> tuple[str, list[dict]]:
    """A lesson's page as HTML, and what it scores (items whose keys are public)."""
    notebook = folder / (LESSON_NOTEBOOK if lang in (None, "en") else f"{Path(LESSON_NOTEBOOK).stem}.{lang}.ipynb")
    from pathways.i18n import ui

    lesson = lesson_mod.read(notebook, lang)
    quick_exit, _support = _quick_exit(folder, lang)
    others = [{"href": page_name(other), "lang": other or "en", "label": site_strings(other)["language_name"]}
              for other in [None, *translations(folder)] if other != lang]
    data = {"ui": {k: ui(k, lang or "en") for k in UI_KEYS}, "site": site_strings(lang),
            "blocks": [b.data for b in lesson.blocks if b.data is not None],
            # what each scored item is worth (its points in the notebook's grading cells; 1 if it has none)
            "points": {s["item"]: lesson.points.get(s["item"], 1.0) for s in lesson.scored}}
    html = _ENV.get_template("lesson.html.j2").render(
        lang=lang or "en", title=lesson.title, root=root, quick_exit=quick_exit, site=site_strings(lang),
        blocks=lesson.blocks, data=_json(data), translations=others, extra_scripts=list(extra_scripts))
    return html, lesson.scored


def render_index(lessons: list[str]) -> str:
    """The landing page: what the lessons are, the content note, every lesson and the support lines."""
    entries = []
    for lesson_id in lessons:
        folder = course_mod.lessons_dir() / lesson_id
        read = lesson_mod.read_head(folder / LESSON_NOTEBOOK)
        entries.append({"href": f"{lesson_id}/index.html", "title": read[0], "summary": read[1],
                        "translations": [{"href": f"{lesson_id}/{page_name(t)}", "lang": t,
                                          "label": site_strings(t)["language_name"]} for t in translations(folder)]})
    quick_exit, support = _quick_exit(None, None)
    return _ENV.get_template("index.html.j2").render(
        lang="en", title=site_strings(None)["site_title"], root="", quick_exit=quick_exit, site=site_strings(None),
        lessons=entries, support=support)


def write_static(dest: Path) -> None:
    """The site's shared files: stylesheets and classic scripts."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("site.css", "site.js", "player.js"):
        shutil.copy2(STATIC / name, dest / name)
    views = resources.files("pathways.views")
    (dest / "quick-exit.css").write_text(views.joinpath("quick_exit.css").read_text(encoding="utf-8"), encoding="utf-8")
    (dest / "quick-exit.js").write_text(quick_exit_script(), encoding="utf-8")


def leaks(folder: Path) -> list[str]:
    """Every built file that contains text a visitor must never get, as 'path: text'."""
    from pathways.grading.delivery.dashboards.build import FORBIDDEN_TEXT

    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        text = path.read_text(encoding="utf-8", errors="replace")
        found += [f"{path.relative_to(folder)}: {bad!r}" for bad in FORBIDDEN_TEXT if bad in text]
    return found


def default_out() -> Path:
    """Where `pathways site` writes by default: site/ beside the dashboards' folder."""
    return course_mod.dashboards_dir(None).parent / "site"


def build(out: str | Path | None = None, lessons: Iterable[str] | None = None) -> Path:
    """Build the static site of the lessons (default: all) into `out`; return the folder.

    The site is assembled and scanned in a temporary folder, then replaces `out` (only a folder an earlier build
    made, or an empty or missing one). Raises SiteError if `out` is someone else's folder, a lesson cannot be
    shown, or solution text would be published.
    """
    out = Path(out) if out is not None else default_out()
    lessons = list(lessons or course_mod.lesson_ids())
    if not lessons:
        raise SiteError(f"no lessons found in {course_mod.lessons_dir()}")
    refuse_foreign(out, MARKER, COMMAND, SiteError)
    with tempfile.TemporaryDirectory(prefix="pathways-site-") as tmp:
        site = Path(tmp) / "site"
        write_static(site / "static")
        for lesson_id in lessons:
            folder = course_mod.lessons_dir() / lesson_id
            (site / lesson_id).mkdir(parents=True)
            for lang in [None, *translations(folder)]:
                try:
                    html, _scored = render_lesson(folder, lang)
                except (lesson_mod.LessonError, ValueError) as exc:
                    raise SiteError(f"{lesson_id}: {exc}") from exc
                (site / lesson_id / page_name(lang)).write_text(html, encoding="utf-8")
        (site / "index.html").write_text(render_index(lessons), encoding="utf-8")
        return replace_published(site, out, MARKER, COMMAND, leaks(site), SiteError)
