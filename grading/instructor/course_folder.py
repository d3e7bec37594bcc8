"""The course folder: where things are, the class list, `course init`, release and collect.

The course folder is --course, else the configured one (pathways.config: PATHWAYS_COURSE, else build/course); the
gradebook is SQLite in it unless PATHWAYS_DB_URL names another database (see grading/instructor/workflow.py).
"""

from __future__ import annotations

import csv
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .. import course as course_mod
from .collect import CollectReport
from .collect import collect as _collect
from .ledger import Learner, Ledger, locked

# --- where things are ---------------------------------------------------------------------------------

def course_root(course: str | Path | None = None) -> Path:
    """The course folder in force (and nbgrader's helper tools put on PATH, as nbgrader shells out to alembic)."""
    tools = str(Path(sys.executable).parent)
    if tools not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = tools + os.pathsep + os.environ.get("PATH", "")
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
    rel = course_root(course) / "release"
    return sorted(p.name for p in rel.iterdir() if p.is_dir() and any(p.glob("*.ipynb"))) if rel.is_dir() else []


def _check_lessons(lessons: list[str] | None, known: list[str]) -> list[str]:
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
    for sub in ("submitted", "autograded", "feedback", "pathways"):
        (root / sub).mkdir(exist_ok=True)
    with locked(root):
        if release:
            for lesson in all_lessons():
                try:
                    course_mod.release([lesson], course=root)
                    rep.released.append(lesson)
                except RuntimeError as exc:
                    rep.problems.append(f"{lesson} could not be released: {str(exc).strip().splitlines()[-1]}")
        ledger = Ledger.load(root)
        ids, rep.warnings = ledger.add_roster(read_roster(Path(roster))) if roster else ([], [])
        with Gradebook(db_url(root), "pathways") as gb:
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
    return course_mod.release(_check_lessons(lessons, all_lessons()), course=course_root(course))


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
    with Gradebook(db_url(course), "pathways") as gb:
        for lesson in lessons:
            gb.update_or_create_assignment(lesson, duedate=when.replace(tzinfo=None))
    return [(lesson, when.strftime("%Y-%m-%d %H:%M UTC")) for lesson in lessons]


# --- collect ------------------------------------------------------------------------------------------

def uncollected(root: Path) -> list[tuple[str, str]]:
    """Hand-ins in the course's submitted/ folder that no collect recorded (e.g. put there by `nbgrader collect`):
    `grade` would never see them. (student folder, lesson) pairs."""
    ledger = Ledger.load(root)
    found = []
    submitted = root / "submitted"
    for sdir in sorted(submitted.iterdir()) if submitted.is_dir() else []:
        if sdir.is_dir() and not sdir.is_symlink():
            for ldir in sorted(sdir.iterdir()):
                if ldir.is_dir() and not ldir.is_symlink() and any(ldir.glob("*.ipynb")) \
                        and ledger.get(sdir.name, ldir.name) is None:
                    found.append((sdir.name, ldir.name))
    return found


def _adopt(root: Path) -> CollectReport:
    """Import what uncollected() finds, through the usual collect (the folder as found is archived)."""
    orphans = uncollected(root)
    if not orphans:
        return CollectReport()
    with tempfile.TemporaryDirectory(prefix="pathways-adopt-") as tmp:
        for sid, lesson in orphans:
            shutil.copytree(root / "submitted" / sid / lesson, Path(tmp) / sid / lesson, symlinks=True)
        rep = _collect(Path(tmp), root, released_lessons(root))
    rep.adopted = [f"submitted/{sid}/{lesson}" for sid, lesson in orphans]
    rep.replaced = []  # what it "replaced" was the same hand-in, archived as found
    return rep


def collect(path: str | Path | None, course: str | Path | None = None, lesson: str | None = None,
            strict_roster: bool = False, re_enrol: tuple[str, ...] | list[str] = ()) -> CollectReport:
    """Import hand-ins from a folder or zip into the course (see pathways.grading.instructor.collect), and any
    hand-in already in submitted/ that no collect recorded (never ignored without a word). With no path, only
    the latter."""
    root = course_root(course)
    with locked(root):
        if re_enrol:
            ledger = Ledger.load(root)
            unknown = [label for label in re_enrol if not ledger.re_enrol(label)]
            if unknown:
                raise ValueError(f"--re-enrol {', '.join(unknown)}: no learner of this course was purged under "
                                 "that id, e-mail or name; nothing was collected")
            ledger.save()
        rep = _adopt(root)
        if path is not None:
            rep.merge(_collect(Path(path), root, released_lessons(root), forced_lesson=lesson,
                               strict_roster=strict_roster))
        return rep
