"""`pathways course purge`: delete what a course folder holds about some learners (a learner's request), or about
every learner (the end of a course), with one command.

What a learner leaves in a course folder (every place is named in grading/course.py, `CourseFolder`):

* every place of `CourseFolder.LEARNER_PLACES`, walked as listed there (a place added there is purged with no
  change here): their folder in each of nbgrader's stages (submitted/, autograded/, feedback/), their replaced or
  duplicate hand-ins (pathways/archive/<id>/) and any half-imported one (pathways/staging/<id>/);
* hand-ins set aside because their name fitted several learners, this one among them (pathways/archive/
  _unassigned/...): removed, as they may be this learner's (the other candidates hand in again if it was theirs);
* the ledger's entries (class-list entry, each hand-in's hash and origin, set-aside records);
* their gradebook rows, through nbgrader's `Gradebook.remove_student` (which removes their submissions, and
  with them every grade and comment), in the gradebook and in every backup of it; a SQLite file is then
  VACUUMed, so the deleted rows do not linger in its free pages;
* their members of a workshop's raw exchange archives (each archive rewritten without them, atomically, 0600);
* their answers to the course evaluation and its explanation pages (pathways/evaluation/{answers,feedback}/<id>/);
* their certificates of completion and the records of them (certificates/<id>/: a code of theirs then verifies
  as unknown);
* outputs made from everyone's data (grades.csv, report.html and its figures, the evaluation's page and paired
  CSV, the completion record, the LMS grade files): removed, to be made again; `everyone` also removes the
  evaluation's secret (old codes can no longer be linked to new answers).

`everyone=True` removes all of that for every learner, and every archive and gradebook backup whole, but keeps
the course: its released lessons, the gradebook's lessons and the configuration, so it can be taught again with
a new class list (delete the folder itself to remove the course). Nothing is changed until every id given is
known: an id naming no learner is an error that names it. A learner is named by the class list's id (any case),
never by a name or e-mail.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from pathways.files import write_atomically

from .. import course as course_mod
from . import purge_archives
from .gradebook import sqlite_path
from .ledger import Ledger, is_safe_id, locked, name_key


@dataclass
class PurgeReport:
    """What a purge would remove (`done` False: a preview) or removed (`done` True)."""

    root: Path
    learners: list[str] = field(default_factory=list)
    everyone: bool = False
    folders: list[tuple[Path, int | None]] = field(default_factory=list)  # (place, files in it; None: a file)
    files: list[Path] = field(default_factory=list)  # removed whole: outputs, backups or archives (everyone)
    archives: list[tuple[Path, int]] = field(default_factory=list)  # (archive, members removed from it)
    backups: list[Path] = field(default_factory=list)  # gradebook backups the learners are removed from
    gradebook: dict[str, int] = field(default_factory=dict)  # learner id -> submissions (rows with their grades)
    roster: list[str] = field(default_factory=list)  # learners on the class list (their entry removed)
    records: dict[str, int] = field(default_factory=dict)  # learner id -> hand-in records in the ledger
    set_aside: int = 0  # set-aside records naming one of them
    warnings: list[str] = field(default_factory=list)
    done: bool = False

    @property
    def empty(self) -> bool:
        """True when there is nothing to remove."""
        return not (self.folders or self.files or self.archives or self.backups or self.gradebook or self.records
                    or self.set_aside)

    def lines(self) -> list[str]:
        """The report, one line each, paths relative to the course folder."""
        verb = "Removed" if self.done else "Would remove"
        who = "every learner" if self.everyone else ", ".join(self.learners)
        out = [f"{verb} the data of {who} from {self.root}:" if not self.empty else
               f"No learner's data in {self.root}: nothing to remove."]

        def rel(path: Path) -> str:
            return str(path.relative_to(self.root)) if path.is_relative_to(self.root) else str(path)

        out += [f"  - {rel(path)}" if n is None else f"  - {rel(path)}/ ({n} file(s))" for path, n in self.folders]
        out += [f"  - {rel(path)}" for path in self.files]
        out += [f"  - {n} member(s) of the exchange archive {rel(path)} (rewritten without them)"
                for path, n in self.archives]
        out += [f"  - gradebook: {lid} and their {n} submission(s) with every grade and comment"
                for lid, n in sorted(self.gradebook.items())]
        if self.backups:
            out.append(f"  - the same rows from {len(self.backups)} gradebook backup(s) in "
                       f"{rel(self.backups[0].parent)}/")
        out += [f"  - ledger: {lid}" + (" (their class list entry)" if lid in self.roster else "")
                + f" and {n} hand-in record(s)" for lid, n in sorted(self.records.items())]
        if self.set_aside:
            out.append(f"  - ledger: {self.set_aside} set-aside hand-in record(s) naming them")
        out += [f"Note: {w}" for w in self.warnings]
        return out


# --- who -------------------------------------------------------------------------------------------------------

def gradebook_rows(url: str) -> dict[str, int]:
    """Every learner in the gradebook and how many submissions they have ({} when there is no gradebook yet)."""
    from nbgrader.api import Gradebook

    path = sqlite_path(url)
    if path is not None and not path.exists():
        return {}
    with Gradebook(url, course_mod.COURSE_ID) as gb:
        return {s.id: len(s.submissions) for s in gb.students}


def known_learners(folder: course_mod.CourseFolder, ledger: Ledger, rows: dict[str, int]) -> set[str]:
    """Every learner id the course holds anything about: the ledger, the gradebook, a folder of theirs."""
    known = set(ledger.students) | set(ledger.submissions) | set(rows)
    return known | {lid for lid in folder.learners_present() if is_safe_id(lid)}


def resolve(wanted: list[str], ledger: Ledger, known: set[str]) -> list[str]:
    """The learner id each of `wanted` names (exactly, else in another case); ValueError naming every one that
    names no learner, with a hint when it is someone's name or e-mail (never used to find them)."""
    found, unknown = [], []
    for raw in wanted:
        same = [lid for lid in sorted(known) if lid.casefold() == raw.strip().casefold()]
        lid = raw.strip() if raw.strip() in known else (same[0] if len(same) == 1 else None)
        if lid is None:
            hints = [sid for sid, info in sorted(ledger.students.items())
                     if name_key(info.get("name", "")) == name_key(raw) or info.get("email", "").casefold()
                     == raw.strip().casefold()]
            unknown.append(f"{raw!r}" + (f" (the name or e-mail of {', '.join(hints)}: give the id)" if hints
                                         else ""))
        elif lid not in found:
            found.append(lid)
    if unknown:
        raise ValueError(f"no learner with the id {', '.join(unknown)} in this course: nothing was removed")
    return found


# --- what --------------------------------------------------------------------------------------------------

def _files_in(path: Path) -> int | None:
    """How many files a place holds (None: it is a file, or a link, itself)."""
    return sum(1 for p in path.rglob("*") if not p.is_dir()) if path.is_dir() and not path.is_symlink() else None


def _mentions(text: str, lid: str) -> bool:
    """True when `text` names the id `lid` as a whole (not inside a longer id)."""
    return re.search(rf"(?<![\w.@-]){re.escape(lid)}(?![\w@-]|\.\w)", text) is not None


def _set_aside_folders(folder: course_mod.CourseFolder, ledger: Ledger, lids: list[str]) -> list[Path]:
    """Set-aside hand-ins that may be one of these learners': recorded so, or naming them in HOW-TO-ASSIGN.txt
    (a record is forgotten once the work is handed in under an id, its folder is not)."""
    found = {folder.root / r["archive"] for r in ledger.unassigned if r.get("archive")
             and set(r["candidates"]) & set(lids)}
    for note in sorted(folder.unassigned.glob("*/*/HOW-TO-ASSIGN.txt")):
        if any(_mentions(note.read_text(encoding="utf-8", errors="replace"), lid) for lid in lids):
            found.add(note.parent)
    return sorted(p for p in found if p.is_dir() and p.resolve().is_relative_to(folder.archive.resolve()))


def _learner_folders(folder: course_mod.CourseFolder, ledger: Ledger, lids: list[str]) -> list[Path]:
    safe = [lid for lid in lids if is_safe_id(lid)]  # an id nbgrader was given by hand is never a path
    found = [place for lid in safe for place in folder.learner_places(lid) if place.exists() or place.is_symlink()]
    return found + _set_aside_folders(folder, ledger, lids)


def plan(course: str | Path | None = None, learners: list[str] | None = None, everyone: bool = False) -> PurgeReport:
    """What purging these learners (or everyone) would remove; changes nothing. ValueError for an unknown id."""
    if bool(learners) == everyone:
        raise ValueError("name the learners to remove (--learner ID), or --all for every learner")
    folder = course_mod.folder(course)
    if not folder.root.is_dir():
        raise ValueError(f"{folder.root} is not a course folder")
    ledger = Ledger.load(folder.root)
    rows = gradebook_rows(course_mod.db_url(folder.root))
    known = known_learners(folder, ledger, rows)
    lids = sorted(known) if everyone else resolve(learners or [], ledger, known)
    rep = PurgeReport(folder.root, lids, everyone)
    paths = folder.everyone_places() if everyone else _learner_folders(folder, ledger, lids)
    rep.folders = [(p, _files_in(p)) for p in paths]
    rep.files = [p for p in folder.class_outputs() if p.exists()]
    if everyone:
        rep.files += [folder.evaluation_secret] if folder.evaluation_secret.exists() else []
        rep.files += [*folder.exchange_archives(), *folder.gradebook_backups()]
        rep.files += [folder.last_grade] if folder.last_grade.exists() else []
    else:
        rep.archives = [(a, n) for a in folder.exchange_archives()
                        if (n := purge_archives.count_members(a, set(lids), known))]
        rep.backups = [b for b in folder.gradebook_backups()
                       if set(gradebook_rows(f"sqlite:///{b}")) & set(lids)]
    rep.gradebook = {lid: rows[lid] for lid in lids if lid in rows}
    rep.roster = [lid for lid in lids if ledger.students.get(lid, {}).get("roster")]
    rep.records = {lid: len(ledger.submissions.get(lid, {})) for lid in lids
                   if lid in ledger.students or lid in ledger.submissions}
    rep.set_aside = sum(1 for r in ledger.unassigned if everyone or set(r["candidates"]) & set(lids))
    others = sorted({c for r in ledger.unassigned if set(r["candidates"]) & set(lids) for c in r["candidates"]}
                    - set(lids))
    if others and not everyone:
        rep.warnings.append("hand-ins set aside because their name fitted several learners, these among them, are "
                            f"removed: if one was the work of {' or '.join(others)}, they hand it in again")
    if sqlite_path(course_mod.db_url(folder.root)) is None and rep.gradebook:
        rep.warnings.append("the gradebook is on a database server: its own backups (e.g. pg_dump) still hold "
                            "these rows until they expire")
    rep.warnings += _running_workshop(folder.root)
    if rep.files and not everyone:
        rep.warnings.append("grades.csv and the class report are made from every learner's data: run "
                            "`pathways export` and `pathways report` again")
    return rep


def _running_workshop(root: Path) -> list[str]:
    """A word when a workshop on this machine teaches this course: its exchange and accounts are not the course
    folder's, and keep the learners' work until it stops."""
    from pathways import config

    from ..delivery.workshop.common import WorkshopError
    from ..delivery.workshop.record import load_record

    try:
        record = load_record(Path(config.current().workshop_root))
    except (OSError, WorkshopError):
        return []
    if record is None or Path(record.course).resolve() != root.resolve():
        return []
    return ["a workshop is running on this course: its exchange and the learners' accounts still hold their "
            "hand-ins until `pathways workshop stop` removes them (it archives the exchange first: run this again "
            "after it)"]


# --- doing it --------------------------------------------------------------------------------------------------

def _remove_path(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def vacuum(path: Path) -> None:
    """Rewrite a SQLite file so that no deleted row is left in its free pages."""
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute("VACUUM")
    finally:
        con.close()


def remove_from_gradebook(url: str, lids: list[str]) -> None:
    """Remove learners (and their submissions, grades and comments) through nbgrader's API; VACUUM a SQLite file."""
    from nbgrader.api import Gradebook

    with Gradebook(url, course_mod.COURSE_ID) as gb:
        present = {s.id for s in gb.students}
        for lid in lids:
            if lid in present:
                gb.remove_student(lid)
    if sqlite_path(url) is not None:
        vacuum(sqlite_path(url))


def _scrub_ledger(folder: course_mod.CourseFolder, lids: list[str], everyone: bool) -> None:
    ledger = Ledger.load(folder.root)
    gone = set(lids)
    if not everyone:  # a learner who asked to be deleted is not brought back by the next collect or class list
        for lid in sorted(gone):
            ledger.forget(lid)
    ledger.students = {} if everyone else {k: v for k, v in ledger.students.items() if k not in gone}
    ledger.submissions = {} if everyone else {k: v for k, v in ledger.submissions.items() if k not in gone}
    ledger.aliases = {} if everyone else {k: v for k, v in ledger.aliases.items() if v not in gone}
    ledger.unassigned = [] if everyone else [r for r in ledger.unassigned if not set(r["candidates"]) & gone]
    ledger.save()


def _scrub_last_grade(folder: course_mod.CourseFolder, lids: list[str]) -> None:
    """Drop the last grading run's warnings that name one of these learners."""
    if not folder.last_grade.is_file():
        return
    data = json.loads(folder.last_grade.read_text(encoding="utf-8"))
    warnings = [w for w in data.get("warnings", []) if not any(_mentions(w, lid) for lid in lids)]
    if warnings != data.get("warnings", []):
        data["warnings"] = warnings
        write_atomically(folder.last_grade, json.dumps(data, indent=1))


def purge(course: str | Path | None = None, learners: list[str] | None = None,
          everyone: bool = False) -> PurgeReport:
    """Remove what `plan` lists, under the course's lock; return the report of what was removed."""
    root = course_mod.course_dir(course)
    with locked(root):
        rep = plan(root, learners, everyone)
        folder = course_mod.folder(root)
        url = course_mod.db_url(root)
        known = known_learners(folder, Ledger.load(root), gradebook_rows(url))
        for path, _ in rep.folders:
            _remove_path(path)
        for path in rep.files:
            _remove_path(path)
        for archive, _ in rep.archives:
            purge_archives.rewrite_without(archive, set(rep.learners), known)
        if rep.gradebook:
            remove_from_gradebook(url, list(rep.gradebook))
        for backup in rep.backups:
            remove_from_gradebook(f"sqlite:///{backup}", rep.learners)
        _scrub_ledger(folder, rep.learners, everyone)
        if not everyone:
            _scrub_last_grade(folder, rep.learners)
        rep.done = True
    return rep
