"""The attendance and completion record (CSV and PDF) and the one-page course sheet, of the kind a
continuing-education provider files: written by `pathways certificate make` beside the certificates.

The record has one row per learner: each lesson's status, the lessons done, the learning time they stand for
(the facilitator guide's estimate for a learner alone), the post-test mark when the rule asks for one, whether the
completion rule was met (and why not), and the certificate's code. The course sheet holds no learner data: the
course, its provider, every lesson's objectives (from the notebooks), the one-day agenda with its contact hours
(from the guide), how learning is assessed and how the course is evaluated. Both say that continuing-education
credit is awarded only by an accredited provider.
"""

from __future__ import annotations

import csv
import importlib.util
from datetime import date
from pathlib import Path

from pathways import config

from .. import course as course_mod
from . import certificates, completion, course_facts, pdf


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text  # never a spreadsheet formula


def _status(result: completion.LessonResult) -> str:
    if result.done and result.excused:
        return f"done ({result.excused} skipped for wellbeing)"
    return "done" if result.done else result.status


def rows(results: list[completion.Completion], lessons: list[course_facts.Lesson], codes: dict[str, str],
         post_test: bool) -> tuple[list[str], list[list[str]]]:
    """The record's header and rows (also the PDF's table)."""
    minutes = {les.id: les.minutes_alone for les in lessons}
    header = ["learner id", "name", "email", *[f"lesson {les.number}" for les in lessons], "lessons done",
              "learning time (minutes)", *(["post-test %"] if post_test else []), "completed", "why not",
              "certificate code"]
    out = []
    for r in results:
        statuses = [_status(r.learner.results.get(les.id, completion.LessonResult("missing"))) for les in lessons]
        out.append([r.learner.id, r.learner.name, r.learner.email, *statuses, str(len(r.done)),
                    str(sum(minutes.get(x, 0) for x in r.done)),
                    *([("" if r.post_mark is None else f"{r.post_mark:g}")] if post_test else []),
                    "yes" if r.complete else "no", "; ".join(r.reasons), codes.get(r.learner.id, "")])
    return header, out


def write_record(course: str | Path | None = None, today: date | None = None) -> tuple[Path, Path, list[str]]:
    """Write the completion record as CSV and PDF; return their paths and warnings (names no font can show)."""
    folder = course_mod.folder(course)
    table = completion.class_table(folder.root)
    rule = completion.Rule.configured()
    marks = completion.post_test_marks(folder.root) if rule.post_test else {}
    lessons = course_facts.course_lessons(only=table.lessons)
    results = completion.completions(table, rule, marks)
    codes = {lid: certificates.code_for(folder, lid) for lid in (r.learner.id for r in results if r.complete)}
    header, body = rows(results, lessons, {k: v for k, v in codes.items() if v}, bool(rule.post_test))
    with open(folder.completion_csv, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows([[_cell(v) for v in row] for row in body])
    names = "".join(r.learner.name for r in results)
    missing = pdf.uncovered(names)
    warnings = [f"some names have characters no font on this machine has ({missing}): they show as boxes in "
                f"{folder.completion_pdf.name}; install a font that has them (Debian: fonts-noto-core, "
                "fonts-noto-cjk)"] if missing else []
    pdf.render(pdf.page("record.html.j2", header=header, rows=body, rule=rule.text(len(table.lessons)),
                        provider=config.current().provider, course=certificates.COURSE_TITLE,
                        day=(today or date.today()).isoformat(), note=certificates.CREDIT_NOTE,
                        completed=sum(r.complete for r in results), total=len(results)), folder.completion_pdf)
    return folder.completion_csv, folder.completion_pdf, warnings


def evaluation_text() -> str:
    """How the course is evaluated, as true for this installation (the evaluation is a part of its own)."""
    if importlib.util.find_spec(f"{__package__}.evaluation") is None:
        return ("No pre-test or post-test is set up in this installation; lessons' knowledge checks are formative "
                "and are not an evaluation of the course.")
    return ("Voluntary pre-test, post-test and delayed follow-up (items used in no lesson), an attitude scale written "
            "for this course (not externally validated) and a reaction form, never part of a grade; the class report "
            "shows the results and the number of learners behind each.")


def course_sheet(course: str | Path | None = None) -> Path:
    """Write the one-page course sheet (no learner data) into the course folder; return its path."""
    folder = course_mod.folder(course)
    lessons = course_facts.course_lessons()
    items = course_facts.agenda()
    contact = sum(i.minutes for i in items if i.contact)
    rule = completion.Rule.configured()
    return pdf.render(pdf.page(
        "course_sheet.html.j2", course=certificates.COURSE_TITLE, provider=config.current().provider,
        lessons=lessons, agenda=items, contact=course_facts.hours_text(contact), contact_hours=f"{contact / 60:.1f}",
        alone=course_facts.hours_text(sum(les.minutes_alone for les in lessons)),
        rule=rule.text(len(lessons)), evaluation=evaluation_text(), note=certificates.CREDIT_NOTE),
        folder.course_sheet)
