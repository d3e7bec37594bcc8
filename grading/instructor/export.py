"""`pathways export`: the grades as CSV, one row per learner, with every flag in words."""

from __future__ import annotations

import csv
from pathlib import Path

from . import excusal_totals, gradebook
from .course_folder import course_root, db_url, released_lessons
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


#: The columns of each lesson in grades.csv after the lesson's own (nbgrader's raw total), by suffix.
EXPORT_COLUMNS = ("max", "adjusted", "adjusted max", "excused")


def _num(value: float) -> str:
    return f"{round(value, 4):g}"


def export(course: str | Path | None = None, out: str | Path | None = None) -> Path:
    """Write the grades CSV: one row per student; per lesson, nbgrader's raw total (the lesson's own column) and
    maximum, the adjusted total and maximum (items skipped for wellbeing left out of both) and the number of
    skipped items (never which one, never why); then a flags column."""
    root = course_root(course)
    out = Path(out) if out else root / "grades.csv"
    ledger = Ledger.load(root)
    url = db_url(root)
    table = gradebook.scores(url)
    adjusted = excusal_totals.adjusted_scores(url, root, table)
    lessons = released_lessons(root)
    students = sorted(set(ledger.students) | {sid for sid, _ in table})
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["student_id", "name",
                         *[c for les in lessons for c in (les, *(f"{les} {s}" for s in EXPORT_COLUMNS))], "flags"])
        for sid in students:
            row = [sid, ledger.name(sid)]
            unread = []
            for lesson in lessons:
                adj = adjusted.get((sid, lesson))
                if adj is None:
                    row += [""] * (1 + len(EXPORT_COLUMNS))
                    continue
                row += [_num(adj.raw), _num(adj.raw_max), _num(adj.score), _num(adj.max), str(adj.excused)]
                if adj.problem:
                    unread.append(f"{lesson}: skips for wellbeing could not be read ({adj.problem}), none applied")
            row.append("; ".join(p for p in [flags_text(ledger, sid), *unread] if p))
            writer.writerow([_cell(v) for v in row])
    return out
