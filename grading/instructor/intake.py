"""`pathways collect` as a whole: a purged learner taken back on purpose, hand-ins nbgrader left in submitted/ that no
collect recorded adopted (never ignored without a word), and a folder or zip of hand-ins imported (collect.py)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from ..course import CourseFolder
from .collect import CollectReport
from .collect import collect as _collect
from .course_setup import course_root, released_lessons
from .ledger import Ledger, locked


def uncollected(root: Path) -> list[tuple[str, str]]:
    """Hand-ins in the course's submitted/ folder that no collect recorded (e.g. put there by `nbgrader collect`):
    `grade` would never see them. (student folder, lesson) pairs."""
    ledger = Ledger.load(root)
    found = []
    submitted = CourseFolder(root).submitted
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
            shutil.copytree(CourseFolder(root).handed_in(sid, lesson), Path(tmp) / sid / lesson, symlinks=True)
        rep = _collect(Path(tmp), root, released_lessons(root))
    rep.adopted = [CourseFolder(root).handed_in(sid, lesson).relative_to(root).as_posix() for sid, lesson in orphans]
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
