"""`pathways export`: the grades as CSV, one row per learner, with every flag in words."""

from __future__ import annotations

import csv
from pathlib import Path

from ..course import CourseFolder
from . import excusal_totals, gradebook
from .course_setup import course_root, db_url, released_lessons
from .ledger import Ledger

# --- export -------------------------------------------------------------------------------------------

def _cell(value) -> str:
    text = "" if value is None else str(value)
    # A name starting with = + - @ would run as a formula in a spreadsheet.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def flags_text(ledger: Ledger, sid: str) -> str:
    """Every flag of one student, as 'lesson: reason; ...'."""
    parts = []
    for lesson, sub in sorted(ledger.submissions.get(sid, {}).items()):
        prefix = f"{lesson}: NOT GRADED - " if sub.status == "failed" else f"{lesson}: "
        reasons = sub.flags if sub.status != "new" else sub.collect_flags + ["collected, not graded yet"]
        if reasons:
            parts.append(prefix + ", ".join(reasons))
    for record in ledger.unassigned_for(sid):
        others = [c for c in record["candidates"] if c != sid]
        parts.append(f"{record['lesson']}: a hand-in named {record['label']!r} may be theirs (or "
                     f"{', '.join(others)}'s): set aside, not graded - rename it to the id and collect again "
                     f"({record['archive']})")
    return "; ".join(parts)


#: The columns of each lesson in grades.csv, by suffix: the percentage to grade from (adjusted total out of the
#: adjusted maximum), the points and the maximum they are out of (items skipped for wellbeing and reflections
#: awaiting grading left out), how many items were skipped (never which, never why), and the status in words.
EXPORT_COLUMNS = ("%", "points", "out of", "skipped for wellbeing", "status")

#: The status words of a lesson's hand-in in grades.csv.
GRADED, MISSING, NOT_GRADED, NOT_YET, AWAITING = ("graded", "missing", "not graded", "collected, not graded yet",
                                                  "awaiting reflection")


def _num(value: float) -> str:
    return f"{round(value, 4):g}"


def lessons_taught(ledger: Ledger, released: list[str], table: dict) -> list[str]:
    """The released lessons this class has handed something in for (every released one while nothing is in)."""
    seen = {lesson for _sid, lesson, _sub in ledger.entries()} | {lesson for _sid, lesson in table}
    seen |= {r["lesson"] for r in ledger.unassigned}
    return [lesson for lesson in released if lesson in seen] or list(released)


def status(sub, adj) -> str:
    """A hand-in's status in words (see the constants above)."""
    if sub is None and adj is None:
        return MISSING
    if sub is not None and sub.status == "failed":
        return NOT_GRADED
    if sub is not None and sub.needs_grading:
        return NOT_YET
    if adj is not None and adj.pending:
        return AWAITING
    return GRADED


def export(course: str | Path | None = None, out: str | Path | None = None) -> Path:
    """Write grades.csv: one row per learner (id, e-mail, name); per lesson the class handed in, the percentage
    (adjusted total out of the adjusted maximum), the points and what they are out of (items skipped for wellbeing
    and reflections awaiting grading left out), the number of skipped items and the status in words; then a
    flags column giving the reason for anything that needs a look."""
    root = course_root(course)
    out = Path(out) if out else CourseFolder(root).grades_csv
    ledger = Ledger.load(root)
    url = db_url(root)
    table = gradebook.scores(url)
    adjusted = excusal_totals.adjusted_scores(url, root, table)
    lessons = lessons_taught(ledger, released_lessons(root), table)
    students = sorted(set(ledger.students) | {sid for sid, _ in table})
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["student_id", "email", "name",
                         *[f"{les} {s}" for les in lessons for s in EXPORT_COLUMNS], "flags"])
        for sid in students:
            row = [sid, ledger.students.get(sid, {}).get("email", ""), ledger.name(sid)]
            unread = []
            for lesson in lessons:
                sub, adj = ledger.get(sid, lesson), adjusted.get((sid, lesson))
                word = status(sub, adj)
                if adj is None or word in (NOT_GRADED, NOT_YET):
                    row += ["", "", "", "", word]
                    continue
                percent = "" if adj.percent is None else _num(adj.percent)
                row += [percent, _num(adj.score), _num(adj.max), str(adj.excused), word]
                if adj.problem:
                    unread.append(f"{lesson}: skips for wellbeing could not be read ({adj.problem}), none applied")
            row.append("; ".join(p for p in [flags_text(ledger, sid), *unread] if p))
            writer.writerow([_cell(v) for v in row])
    return out
