"""Bring a folder or zip of hand-ins into the course, one per student and lesson, safely.

Understood layouts (they can be mixed, and wrapped in one outer folder or zip):

* nbgrader's own: `<student>/<lesson>/lesson.ipynb` (a JupyterHub course's `submitted/` folder);
* nbgrader's exchange inbox: `<student>+<lesson>+<timestamp>+<random>/lesson.ipynb`;
* by lesson: `<lesson>/<student>/lesson.ipynb`;
* e-mail: `<student>/lesson.ipynb` or `<student>.zip` (the lesson folder zipped by the learner),
  the lesson being recognised from the notebook's own cells when no folder names it.

Only the lesson's notebooks and the response file are imported; nothing is executed. The folder,
zip or exchange name says who handed in: a class-list id or e-mail (any case), a JupyterHub
username, or a name, in any script (see `ledger.Ledger.match`). A name shared by several learners
on the class list names none of them: that hand-in is set aside in `<course>/pathways/archive/
_unassigned/`, reported, and waits for its folder to be renamed to an id. Duplicates, unknown
students, unreadable or oversized files and replaced hand-ins are reported; a replaced or set-aside
hand-in is kept in `<course>/pathways/archive/`, so nothing is lost.

The parts: unzip.py unpacks zips safely, handins.py finds the hand-ins in the upload; this module tells which
lesson each is and whose, and imports it.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pathways.files import RESPONSES_FILE, TIMESTAMP_FILE

from .. import course
from .handins import Scanner, Unit, parse_time
from .ledger import Ledger, Match, Submission, clean, file_digest, name_key, now

UNASSIGNED = course.UNASSIGNED  # archive folder of hand-ins matching several learners (never a safe id)


@dataclass
class CollectReport:
    """What `collect` did, in words an instructor reads."""

    imported: list[tuple[str, str, str]] = field(default_factory=list)  # (student id, lesson, origin)
    unchanged: list[tuple[str, str]] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    unknown_students: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unassigned: list[str] = field(default_factory=list)  # matched several learners by name: set aside
    settled: list[str] = field(default_factory=list)  # set aside earlier, now handed in under an id
    adopted: list[str] = field(default_factory=list)  # found in submitted/ with no record (e.g. `nbgrader collect`)
    damaged: list[str] = field(default_factory=list)  # notebooks that cannot be read: imported, kept, not graded
    refused: list[str] = field(default_factory=list)  # hand-ins of learners purged on request: not imported

    def merge(self, other: CollectReport) -> CollectReport:
        """This report with another's findings added."""
        for name in self.__dataclass_fields__:
            getattr(self, name).extend(getattr(other, name))
        return self

    def lines(self) -> list[str]:
        """The report, one line each."""
        out = [f"Imported {len(self.imported)} hand-in(s); {len(self.unchanged)} unchanged since the last collect."]
        for title, items in (("NOT ASSIGNED to anyone: the name fits several learners (not graded)", self.unassigned),
                             ("Set aside earlier, now assigned", self.settled),
                             ("Found in submitted/ with no record of being collected (put there by nbgrader?): "
                              "imported", self.adopted),
                             ("Matched to a student id (folder or zip name -> id)", self.renamed),
                             ("Handed in more than once (the newest copy is graded)", self.duplicates),
                             ("Not on the class list (imported anyway)", self.unknown_students),
                             ("Replaced an earlier hand-in (the earlier one is archived)", self.replaced),
                             ("DAMAGED: cannot be read as a notebook (imported and kept; `grade` flags it NOT "
                              "GRADED with the reason)", self.damaged),
                             ("REFUSED: a learner whose data was deleted on request", self.refused),
                             ("Could not be used", self.unreadable)):
            if items:
                out.append(f"{title}:")
                out.extend(f"  - {item}" for item in items)
        return out


def grade_ids(nb_path: Path) -> set[str] | None:
    """The nbgrader cell ids in a notebook file, or None if it cannot be read as JSON."""
    try:
        data = json.loads(nb_path.read_text(encoding="utf-8"))
        return {c.get("metadata", {}).get("nbgrader", {}).get("grade_id") for c in data.get("cells", [])} - {None}
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError, TypeError):
        return None


def lesson_signatures(release_root: Path, lessons: list[str]) -> dict[str, dict]:
    """For each lesson: its notebook names and the grade ids of its cells (from the release)."""
    sigs = {}
    for lesson in lessons:
        nbs = sorted((release_root / lesson).glob("*.ipynb"))
        ids = set()
        for nb in nbs:
            ids |= grade_ids(nb) or set()
        sigs[lesson] = {"notebooks": [p.name for p in nbs], "ids": ids}
    return sigs


#: A grade id as a notebook's JSON writes it: read from a damaged (truncated) notebook's text.
_GRADE_ID = re.compile(r'"grade_id"\s*:\s*"([^"\\]{1,200})"')

#: Why a damaged notebook is imported anyway (grade flags it NOT GRADED with its own reason).
DAMAGED = "notebook is damaged (it cannot be read as a notebook): imported and kept, not graded"


def damaged(unit: Unit) -> bool:
    """True when a hand-in has notebooks and none of them can be read as a notebook (truncated, not JSON)."""
    return bool(unit.notebooks) and all(grade_ids(nb) is None for nb in unit.notebooks)


def _salvaged_ids(nb_path: Path) -> set[str]:
    """The grade ids still legible in a damaged notebook's text."""
    try:
        return set(_GRADE_ID.findall(nb_path.read_text(encoding="utf-8", errors="replace")))
    except OSError:
        return set()


def identify(unit: Unit, sigs: dict[str, dict], forced: str | None) -> tuple[str | None, str]:
    """Which lesson a hand-in is, and why not if it cannot be told.

    A damaged notebook (truncated in a zip, say) is recognised by the grade ids still legible in its text."""
    if unit.lesson in sigs:
        return unit.lesson, ""
    if forced:
        return forced, ""
    best, best_overlap = None, 0
    for nb in unit.notebooks:
        ids = grade_ids(nb)
        if ids is None:
            ids = _salvaged_ids(nb)
        for lesson, sig in sigs.items():
            overlap = len(ids & sig["ids"])
            if overlap > best_overlap:
                best, best_overlap = lesson, overlap
    if best:
        return best, ""
    if unit.lesson:
        return None, f"'{unit.lesson}' is not a lesson of this course"
    if damaged(unit):
        return None, ("the notebook is damaged (it cannot be read as a notebook) and nothing in it says which "
                      "lesson it is: collect it again with --lesson LESSON (it is then kept and flagged NOT GRADED)")
    return None, "cannot tell which lesson this is (name the folder after the lesson, or use --lesson)"


def collect(upload: Path, course_root: Path, lessons: list[str], forced_lesson: str | None = None,
            strict_roster: bool = False) -> CollectReport:
    """Import every hand-in found in `upload` (folder or zip) into the course's submitted/ folder."""
    upload = Path(upload)
    report = CollectReport()
    if not upload.exists():
        raise FileNotFoundError(f"{upload} does not exist")
    if forced_lesson and forced_lesson not in lessons:
        raise ValueError(f"unknown lesson {forced_lesson!r}; lessons: {', '.join(lessons)}")
    ledger = Ledger.load(course_root)
    sigs = lesson_signatures(course.CourseFolder(course_root).release, lessons)
    missing = [lesson for lesson, sig in sigs.items() if not sig["notebooks"]]
    if len(missing) == len(sigs):
        raise RuntimeError("no lesson has been released in this course yet: run `pathways release` first")
    with tempfile.TemporaryDirectory(prefix="pathways-collect-") as tmp:
        scanner = Scanner(lessons, Path(tmp))
        if upload.is_file():
            root = scanner._unzip(upload)
            if root is None:
                report.unreadable.extend(scanner.problems)
                return report
        else:
            root = upload
        scanner.scan_root(root)
        report.unreadable.extend(scanner.problems)
        units = [u for u in scanner.units if not _refused(u, ledger, report)]
        chosen = _choose(units, sigs, forced_lesson, course_root, ledger, report)
        for (sid, lesson), unit in sorted(chosen.items()):
            known = sid in ledger.students
            if ledger.has_roster and not (known and ledger.students[sid].get("roster")):
                report.unknown_students.append(f"{unit.student} ({unit.origin})")
                if strict_roster:
                    continue
                unit.flags.append("not on the class list")
            ledger.enrol(sid, unit.student)
            if sid != clean(unit.student) and f"{unit.student!r} -> {sid}" not in report.renamed:
                report.renamed.append(f"{unit.student!r} -> {sid}")
            digest = _unit_digest(unit)
            _import(unit, sid, lesson, sigs[lesson], course_root, ledger, report)
            if damaged(unit) and (sid, lesson) not in report.unchanged:
                report.damaged.append(f"{unit.origin} ({lesson}): {DAMAGED}")
            for record in ledger.settle(sid, lesson, digest):
                report.settled.append(f"{record['origin']} ({lesson}) -> {sid}")
        ledger.save()
    return report


def _choose(units: list[Unit], sigs: dict[str, dict], forced_lesson: str | None, course_root: Path, ledger: Ledger,
            report: CollectReport) -> dict[tuple[str, str], Unit]:
    """The hand-in to import for each (student id, lesson): the newest when one came twice (the other archived);
    hand-ins of no known lesson are reported, and ones whose name fits several learners set aside."""
    chosen: dict[tuple[str, str], Unit] = {}
    fresh: dict[str, str] = {}  # name_key of a label naming nobody yet -> the id it gets in this run
    for unit, (lesson, why) in _lessons_of(units, sigs, forced_lesson):
        if lesson is None:
            report.unreadable.append(f"{unit.origin}: {why}")
            continue
        unit.lesson = lesson
        who = ledger.match(unit.student)
        if who.how == "ambiguous":
            _set_aside(unit, lesson, who, course_root, ledger, report)
            continue
        sid = who.sid or fresh.get(name_key(unit.student)) or ledger.new_id(unit.student, set(fresh.values()))
        if who.sid is None:
            fresh[name_key(unit.student)] = sid
        key = (sid, lesson)
        if key in chosen:
            a, b = chosen[key], unit
            newer, older = (b, a) if _when(b) >= _when(a) else (a, b)
            chosen[key] = newer
            note = f"handed in twice: graded {newer.origin}, set aside {older.origin}"
            newer.flags = [f for f in newer.flags if not f.startswith("handed in twice")] + [note]
            report.duplicates.append(f"{unit.student} ({lesson}): {note}")
            _archive_unit(older, course_root, sid, lesson)
        else:
            chosen[key] = unit
    return chosen


def _refused(unit: Unit, ledger: Ledger, report: CollectReport) -> bool:
    """True (and reported) for a hand-in of a learner whose data was deleted on request: never imported again
    unless the instructor takes them back on purpose (`--re-enrol`)."""
    if not ledger.is_purged(unit.student):
        return False
    report.refused.append(f"{unit.origin}: this learner's data was deleted on request (`course purge`), so this "
                          "hand-in was not imported. If they have re-enrolled, collect again with --re-enrol "
                          f"{clean(unit.student)!r}")
    return True


def _lessons_of(units: list[Unit], sigs: dict[str, dict], forced: str | None) -> list[tuple[Unit, tuple]]:
    """Each hand-in with its lesson (or why none). A damaged notebook that names no lesson is taken to be of the
    one lesson the rest of the upload is (or the course's only lesson): an e-mailed zip holds one lesson's work."""
    found = [(unit, identify(unit, sigs, forced)) for unit in units]
    lessons = {lesson for _, (lesson, _) in found if lesson} or (set(sigs) if len(sigs) == 1 else set())
    if len(lessons) != 1:
        return found
    only = next(iter(lessons))
    return [(unit, (only, "") if lesson is None and damaged(unit) else (lesson, why))
            for unit, (lesson, why) in found]


def _when(unit: Unit) -> float:
    return parse_time(unit.timestamp) or unit.mtime


def _archive_unit(unit: Unit, course_root: Path, sid: str, lesson: str) -> Path:
    dest = course.CourseFolder(course_root).new_archive(sid, lesson)
    dest.mkdir(parents=True)
    for path in unit.notebooks + ([unit.responses] if unit.responses else []):
        shutil.copyfile(path, dest / path.name)
    (dest / "origin.txt").write_text(unit.origin + "\n", encoding="utf-8")
    return dest


def _unit_digest(unit: Unit) -> str:
    """A digest of a hand-in's file contents (not names), to know the same work when it comes back renamed."""
    h = hashlib.sha256()
    for digest in sorted(hashlib.sha256(p.read_bytes()).hexdigest()
                         for p in unit.notebooks + ([unit.responses] if unit.responses else [])):
        h.update(digest.encode("ascii"))
    return h.hexdigest()


def _set_aside(unit: Unit, lesson: str, who: Match, course_root: Path, ledger: Ledger,
               report: CollectReport) -> None:
    """Keep a hand-in whose name fits several learners, assigned to none, and tell the instructor what to do."""
    def who_is(sid: str) -> str:
        email = ledger.students[sid].get("email")
        return f"{sid} ({email})" if email else sid

    record, new = ledger.set_aside({"label": clean(unit.student), "origin": unit.origin, "lesson": lesson,
                                    "digest": _unit_digest(unit), "candidates": who.candidates, "when": now(),
                                    "archive": ""})
    if new:
        dest = _archive_unit(unit, course_root, UNASSIGNED, lesson)
        record["archive"] = str(dest.relative_to(course_root))
        (dest / "HOW-TO-ASSIGN.txt").write_text(
            f"This hand-in was named {record['label']!r}, the name of {len(who.candidates)} learners on the class "
            f"list: {', '.join(who_is(s) for s in who.candidates)}.\nIt was not given to any of them.\n"
            "Rename its folder or zip to the right learner's id (or e-mail) and run `pathways collect` again.\n",
            encoding="utf-8")
    report.unassigned.append(
        f"{unit.origin} ({lesson}): {record['label']!r} is the name of {len(who.candidates)} learners "
        f"({', '.join(who_is(s) for s in who.candidates)}), so it was given to none of them; kept in "
        f"{record['archive']}. To assign it, rename the folder or zip to the learner's id or e-mail "
        f"(e.g. {who.candidates[0]}) and run `pathways collect` again.")


def _import(unit: Unit, sid: str, lesson: str, sig: dict, course_root: Path, ledger: Ledger,
            report: CollectReport) -> None:
    places = course.CourseFolder(course_root)
    staging = places.staged(sid, lesson)
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    expected = sig["notebooks"]
    notebooks = list(unit.notebooks)
    for nb in notebooks:
        name = nb.name
        if name not in expected:
            if len(expected) == 1 and len(notebooks) == 1:
                name = expected[0]  # "lesson (1).ipynb" from a download, "Copy of lesson.ipynb"...
            else:
                unit.flags.append(f"{nb.name}: not a notebook of this lesson: not imported")
                continue
        shutil.copyfile(nb, staging / name)
    if unit.responses:
        shutil.copyfile(unit.responses, staging / RESPONSES_FILE)
    when = parse_time(unit.timestamp)
    if when:
        stamp = datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
        (staging / TIMESTAMP_FILE).write_text(stamp + "\n", encoding="utf-8")
    digest = file_digest(staging)

    target = places.handed_in(sid, lesson)
    previous = ledger.get(sid, lesson)
    if target.exists():
        if previous and previous.sha256 == digest and file_digest(target) == digest:
            report.unchanged.append((sid, lesson))
            shutil.rmtree(staging)
            return
        archive = places.new_archive(sid, lesson)
        archive.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(target), str(archive))
        report.replaced.append(f"{sid} ({lesson}): earlier hand-in kept in {archive.relative_to(course_root)}")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(staging), str(target))
    ledger.put(sid, lesson, Submission(sha256=digest, origin=unit.origin, collected=now(),
                                       timestamp=unit.timestamp, collect_flags=list(dict.fromkeys(unit.flags))))
    report.imported.append((sid, lesson, unit.origin))
