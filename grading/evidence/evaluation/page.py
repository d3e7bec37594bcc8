"""`pathways evaluation report`: the evaluation section on a page of its own (the class report carries the same
section), its figures beside it, and the pseudonymous paired CSV."""

from __future__ import annotations

from pathlib import Path

from markupsafe import Markup, escape

from ... import course as course_mod
from ...instructor.report_names import title
from .section import section

HEAD = ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Pathways: course evaluation</title>"
        "<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.45}"
        "img{max-width:100%} table{border-collapse:collapse;margin:1rem 0} td,th{border:1px solid #999;"
        "padding:.25rem .5rem;text-align:left;vertical-align:top} .meta{color:#555}</style></head><body><main>\n")


def write_page(course: str | Path | None = None, out: str | Path | None = None) -> Path:
    """Write the page (and the CSV); a course with no evaluation handed in gets a page that says so."""
    folder = course_mod.folder(course)
    out = Path(out) if out else folder.evaluation_page
    lessons = sorted(p.name for p in folder.release.iterdir()) if folder.release.is_dir() else []
    part = section(folder.root, {les: title(folder.root, les) for les in lessons})
    body = part.html if part else Markup("<h2>Learning: pre-test, post-test and follow-up</h2><p>No learner has "
                                         "handed in any part of the evaluation yet.</p>")
    figdir = out.parent / f"{out.stem}-figures"
    if part:
        part.write_csv(folder.evaluation_csv)
    for chart in part.charts if part else []:
        figdir.mkdir(parents=True, exist_ok=True)
        (figdir / f"{chart.name}.png").write_bytes(chart.png)
    heading = f"<h1>Course evaluation: {escape(folder.root.name)}</h1>\n"
    # str(): a plain string added to Markup would be escaped, the page's own tags with it
    out.write_text(HEAD + heading + str(body) + "</main></body></html>\n", encoding="utf-8")
    return out
