"""Setting a course up: which course folder is in force, the class list, `course init`, release and due dates.

The course folder is --course, else the configured one (pathways.config: PATHWAYS_COURSE, else build/course); where
things are inside it is grading/course.py's `CourseFolder`; the gradebook is SQLite in it unless PATHWAYS_DB_URL
names another database (see grading/instructor/workflow.py). Collecting hand-ins is intake.py's.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from pathlib import Path

from .. import course as course_mod
from .. import nbgrader_run
from .ledger import Learner, Ledger, locked

# --- where things are ---------------------------------------------------------------------------------

def course_root(course: str | Path | None = None) -> Path:
    """The course folder in force (and nbgrader's helper tools put on PATH, as nbgrader shells out to alembic)."""
    nbgrader_run.tools_on_path()
    return course_mod.course_dir(course)


def db_url(course: str | Path | None = None) -> str:
    """The gradebook's database URL: the configured one, else SQLite in the course folder (as in the config)."""
    return course_mod.db_url(course_root(course))


#: The lessons folder in force (the configured one, else the shipped lessons).
lessons_dir = course_mod.lessons_dir
#: Every lesson in the lessons folder in force, in teaching order.
all_lessons = course_mod.lesson_ids


def released_lessons(course: str | Path | None = None) -> list[str]:
    """The lessons released in this course (with a release folder holding a notebook)."""
    return course_mod.CourseFolder(course_root(course)).released_lessons()


def check_lessons(lessons: list[str] | None, known: list[str]) -> list[str]:
    if not lessons:
        return known
    unknown = [lesson for lesson in lessons if lesson not in known]
    if unknown:
        raise ValueError(f"unknown lesson(s) {', '.join(unknown)}; known: {', '.join(known) or 'none'}")
    return lessons


# --- course init and release --------------------------------------------------------------------------

_ROSTER_COLUMNS = {
    "id": ("id", "student_id", "student id", "studentid", "username", "user", "user_id", "userid", "login",
           "hub user", "jupyterhub user"),
    "email": ("email", "e-mail", "mail", "email address", "e-mail address"),
    "name": ("name", "full name", "full_name", "fullname", "student name", "display name", "student"),
    "first": ("first name", "first_name", "given name", "given_name", "firstname"),
    "last": ("last name", "last_name", "family name", "family_name", "surname", "lastname"),
}


def _header_key(cell: str) -> str:
    return " ".join(cell.replace("\ufeff", "").strip().lower().split())


def read_roster(path: Path) -> list[Learner]:
    """The class list: a CSV whose header names any of id, email, name columns (any case, a BOM is fine;
    'first name' + 'last name' make a name), or else one name (or id) a line.

    A value in a plain list is a name; one that is a safe id (`ana`, `student07`) is used as the id as it is.
    """
    text = Path(path).read_text(encoding="utf-8-sig")
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return []
    header = [_header_key(h) for h in next(csv.reader([lines[0]]))]
    cols = {}
    for field_, names in _ROSTER_COLUMNS.items():
        for name in names:
            if name in header:
                cols[field_] = header.index(name)
                break
    if not cols:
        return _markup_free([Learner(name=line.strip().lstrip("\ufeff")) for line in lines], path)
    out = []
    for row in csv.reader(lines[1:]):
        def get(key, row=row):
            col = cols.get(key)
            return row[col].strip() if col is not None and col < len(row) else ""
        name = get("name") or " ".join(x for x in (get("first"), get("last")) if x)
        entry = Learner(id=get("id"), email=get("email"), name=name)
        if entry.id or entry.email or entry.name:
            out.append(entry)
    return _markup_free(out, path)


def _markup_free(entries: list[Learner], path: Path) -> list[Learner]:
    """Refuse a class list with markup or control characters in an id, email or name: nbgrader's gradebook and
    formgrader pages show them, and such a name must never become part of a page."""
    bad = [f"{value!r}" for entry in entries for value in (entry.id, entry.email, entry.name)
           if value and (set(value) & set("<>") or any(ord(ch) < 32 for ch in value))]
    if bad:
        raise ValueError(f"{path}: these entries contain '<', '>' or control characters, which no name needs "
                         f"(fix the class list; nothing was changed): {', '.join(bad[:5])}")
    return entries


@dataclass
class InitReport:
    """What `course init` did."""

    root: Path
    released: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    roster: int = 0
    warnings: list[str] = field(default_factory=list)  # about the class list: same names, entries twice


def init_course(course: str | Path | None = None, roster: str | Path | None = None,
                release: bool = True) -> InitReport:
    """Create (or complete) a course folder: private folders, gradebook, class list, released lessons.

    A lesson that fails to release is reported and the others are still released.
    """
    from nbgrader.api import Gradebook

    root = course_root(course)
    rep = InitReport(root)
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o700)  # hand-ins and grades are personal data: the instructor's eyes only
    for place in course_mod.CourseFolder(root).setup_folders():
        place.mkdir(exist_ok=True)
    with locked(root):
        if release:
            for lesson in all_lessons():
                try:
                    nbgrader_run.release([lesson], course=root)
                    rep.released.append(lesson)
                except RuntimeError as exc:
                    rep.problems.append(f"{lesson} could not be released: {str(exc).strip().splitlines()[-1]}")
        ledger = Ledger.load(root)
        ids, rep.warnings = ledger.add_roster(read_roster(Path(roster))) if roster else ([], [])
        with Gradebook(db_url(root), course_mod.COURSE_ID) as gb:
            for sid in ids:
                info = ledger.students[sid]
                details = {"last_name": info["name"]} if info["name"] != sid else {}
                if info.get("email"):
                    details["email"] = info["email"]
                gb.update_or_create_student(sid, **details)
        rep.roster = len(ids)
        ledger.save()
    return rep


def release_lessons(lessons: list[str] | None = None, course: str | Path | None = None) -> list[Path]:
    """Generate the learners' version of some or all lessons in the course."""
    return nbgrader_run.release(check_lessons(lessons, all_lessons()), course=course_root(course))


def set_due(lessons: list[str], due: str, course: str | Path | None = None) -> list[tuple[str, str]]:
    """Record when hand-ins of these lessons close (nbgrader's due date, in the gradebook; local time unless the
    text names a zone). `pathways feedback` warns while a lesson is still open. Returns (lesson, due in UTC)."""
    from datetime import UTC, datetime

    from nbgrader.api import Gradebook

    try:
        when = datetime.fromisoformat(due.strip())
    except ValueError:
        raise ValueError(f"--due {due!r}: give a date such as 2026-12-18 or 2026-12-18 17:00") from None
    when = (when if when.tzinfo else when.astimezone()).astimezone(UTC)
    with Gradebook(db_url(course), course_mod.COURSE_ID) as gb:
        for lesson in lessons:
            gb.update_or_create_assignment(lesson, duedate=when.replace(tzinfo=None))
    return [(lesson, when.strftime("%Y-%m-%d %H:%M UTC")) for lesson in lessons]
