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
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from .ledger import Ledger, Match, Submission, clean, file_digest, name_key, now

RESPONSE_FILE = "responses.json"
MAX_NOTEBOOK_BYTES = 20_000_000
MAX_RESPONSE_BYTES = 20_000_000
MAX_ZIP_MEMBERS = 20_000
MAX_ZIP_TOTAL = 2_000_000_000
MAX_ZIP_DEPTH = 3
JUNK = {"__MACOSX", ".ipynb_checkpoints", "Thumbs.db", ".DS_Store", "__pycache__"}
UNASSIGNED = "_unassigned"  # archive folder of hand-ins matching several learners (never a safe id: starts with _)


def exchange_name(name: str) -> dict | None:
    """Split nbgrader's inbox folder name `student+lesson+timestamp[+random]`, or None if it is not one."""
    parts = name.split("+")
    if len(parts) >= 4 and _parse_time(parts[-2]):
        return {"student": "+".join(parts[:-3]), "lesson": parts[-3], "ts": parts[-2]}
    if len(parts) == 3 and _parse_time(parts[-1]):
        return {"student": parts[0], "lesson": parts[1], "ts": parts[2]}
    return None


@dataclass
class Unit:
    """One hand-in found in the upload: a student, maybe a lesson, and its files."""

    student: str
    origin: str
    notebooks: list[Path] = field(default_factory=list)
    responses: Path | None = None
    lesson: str | None = None
    timestamp: str | None = None
    flags: list[str] = field(default_factory=list)
    mtime: float = 0.0


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

    def lines(self) -> list[str]:
        """The report, one line each."""
        out = [f"Imported {len(self.imported)} hand-in(s); {len(self.unchanged)} unchanged since the last collect."]
        for title, items in (("NOT ASSIGNED to anyone: the name fits several learners (not graded)", self.unassigned),
                             ("Set aside earlier, now assigned", self.settled),
                             ("Matched to a student id (folder or zip name -> id)", self.renamed),
                             ("Handed in more than once (the newest copy is graded)", self.duplicates),
                             ("Not on the class list (imported anyway)", self.unknown_students),
                             ("Replaced an earlier hand-in (the earlier one is archived)", self.replaced),
                             ("Could not be used", self.unreadable)):
            if items:
                out.append(f"{title}:")
                out.extend(f"  - {item}" for item in items)
        return out


class _Skipped(dict):
    """Files too large to extract from a zip: extracted path -> size in bytes."""


def _fix_zip_name(info: zipfile.ZipInfo) -> str:
    name = info.filename
    if not info.flag_bits & 0x800:  # not flagged UTF-8: zip tools on Windows often wrote UTF-8 anyway
        try:
            name = name.encode("cp437").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return unicodedata.normalize("NFC", name)


def extract_zip(path: Path, dest: Path, skipped: _Skipped, problems: list[str]) -> bool:
    """Extract a zip safely (no path escapes, no links, size limits); False if it is not a usable zip."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        problems.append(f"{path.name}: not a readable zip file ({exc.__class__.__name__})")
        return False
    with zf:
        members = zf.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            problems.append(f"{path.name}: too many files in the zip ({len(members)})")
            return False
        total = 0
        for info in members:
            name = _fix_zip_name(info)
            parts = [p for p in Path(name).parts if p not in ("", ".")]
            if not parts or info.is_dir():
                continue
            if name.startswith("/") or ".." in parts or (info.external_attr >> 16) & 0o170000 == 0o120000:
                problems.append(f"{path.name}: skipped unsafe entry {name!r}")
                continue
            target = dest.joinpath(*parts)
            limit = MAX_NOTEBOOK_BYTES if target.suffix == ".ipynb" else MAX_RESPONSE_BYTES
            if info.file_size > limit or total + info.file_size > MAX_ZIP_TOTAL:
                skipped[target] = info.file_size
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with zf.open(info) as src, open(target, "wb") as out:
                    copied = 0
                    for block in iter(lambda: src.read(1 << 20), b""):
                        copied += len(block)
                        if copied > limit:  # the header lied about the size
                            raise ValueError("entry larger than it claims")
                        out.write(block)
                total += copied
            except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError) as exc:
                target.unlink(missing_ok=True)
                problems.append(f"{path.name}: entry {name!r} could not be read ({exc.__class__.__name__})")
    return True


def _visible(folder: Path) -> list[Path]:
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return []
    return [p for p in entries if p.name not in JUNK and not p.name.startswith((".", "~$"))]


def _notebooks_within(folder: Path, depth: int) -> bool:
    if depth < 1:
        return False
    for p in _visible(folder):
        if p.is_symlink():
            continue
        if p.is_file() and p.suffix == ".ipynb":
            return True
        if p.is_dir() and _notebooks_within(p, depth - 1):
            return True
    return False


class Scanner:
    """Finds the hand-ins (Units) in an unpacked upload."""

    def __init__(self, lessons: list[str], scratch: Path):
        self.lessons = set(lessons)
        self.scratch = scratch
        self.skipped = _Skipped()
        self.problems: list[str] = []
        self.units: list[Unit] = []
        self._n = 0

    def _hand_in(self, folder: Path) -> bool:
        """True if a folder is itself one student's hand-in (not a folder of students)."""
        return any((p.is_file() and (p.suffix == ".ipynb" or p.name == RESPONSE_FILE))
                   or (p.is_dir() and p.name in self.lessons) for p in _visible(folder))

    def _unzip(self, path: Path) -> Path | None:
        self._n += 1
        dest = self.scratch / f"zip{self._n}"
        dest.mkdir()
        return dest if extract_zip(path, dest, self.skipped, self.problems) else None

    def scan_root(self, root: Path, depth: int = 0) -> None:
        """Scan the top of an upload."""
        entries = _visible(root)
        # One outer folder around everything (a zipped "submissions" folder): look inside it.
        if len(entries) == 1 and entries[0].is_dir() and not entries[0].is_symlink() \
                and entries[0].name not in self.lessons and not exchange_name(entries[0].name) \
                and not self._hand_in(entries[0]):
            return self.scan_root(entries[0], depth)
        for entry in entries:
            rel = entry.name
            if entry.is_symlink():
                self.problems.append(f"{rel}: a link, not followed")
            elif entry.is_dir() and exchange_name(entry.name):
                m = exchange_name(entry.name)
                self.scan_student(entry, m["student"], rel, lesson=m["lesson"], timestamp=m["ts"])
            elif entry.is_dir() and entry.name in self.lessons:
                for child in _visible(entry):
                    self._student_entry(child, f"{rel}/{child.name}", lesson=entry.name, depth=depth)
            elif entry.is_dir() or entry.suffix.lower() == ".zip":
                self._student_entry(entry, rel, lesson=None, depth=depth)
            elif entry.suffix == ".ipynb":
                self.problems.append(f"{rel}: a notebook on its own: put each student's files in a folder "
                                     "(or zip) named after the student")
            elif entry in self.skipped:
                self.problems.append(f"{rel}: too large to import ({self.skipped[entry] / 1e6:.0f} MB)")
            else:
                self.problems.append(f"{rel}: not a folder, zip or notebook: ignored")

    def _student_entry(self, entry: Path, origin: str, lesson: str | None, depth: int,
                       student: str | None = None) -> None:
        student = student or (entry.stem if entry.is_file() else entry.name)
        if entry.is_symlink():
            self.problems.append(f"{origin}: a link, not followed")
            return
        if entry.is_file():
            if entry.suffix.lower() != ".zip":
                self.problems.append(f"{origin}: not a folder or zip: ignored")
                return
            if depth >= MAX_ZIP_DEPTH:
                self.problems.append(f"{origin}: zips nested too deep: ignored")
                return
            folder = self._unzip(entry)
            if folder is None:
                return
            inner = _visible(folder)
            # A zip of the student's folder ("Ana/...") rather than of its contents.
            if len(inner) == 1 and inner[0].is_dir() and inner[0].name not in self.lessons \
                    and not any(p.suffix == ".ipynb" for p in inner):
                folder = inner[0]
            return self.scan_student(folder, student, origin, lesson=lesson, depth=depth + 1)
        self.scan_student(entry, student, origin, lesson=lesson, depth=depth)

    def scan_student(self, folder: Path, student: str, origin: str, lesson: str | None = None,
                     timestamp: str | None = None, depth: int = 0) -> None:
        """One student's folder: lesson subfolders, zips, or the lesson's files directly."""
        loose = Unit(student, origin, lesson=lesson, timestamp=timestamp)
        for entry in _visible(folder):
            rel = f"{origin}/{entry.name}"
            if entry.is_symlink():
                self.problems.append(f"{rel}: a link, not followed")
            elif entry.is_dir() and (entry.name in self.lessons or _notebooks_within(entry, 1)) and lesson is None:
                self.scan_student(entry, student, rel, lesson=entry.name if entry.name in self.lessons else None,
                                  depth=depth)
            elif entry.is_file() and entry.suffix.lower() == ".zip" and lesson is None:
                self._student_entry(entry, rel, lesson=None, depth=depth, student=student)
            elif entry.suffix == ".ipynb":
                if entry in self.skipped or entry.stat().st_size > MAX_NOTEBOOK_BYTES:
                    size = self.skipped.get(entry) or entry.stat().st_size
                    loose.flags.append(f"{entry.name} too large to import ({size / 1e6:.0f} MB)")
                    self.problems.append(f"{rel}: too large to import ({size / 1e6:.0f} MB)")
                else:
                    loose.notebooks.append(entry)
            elif entry.name == RESPONSE_FILE:
                if entry in self.skipped or entry.stat().st_size > MAX_RESPONSE_BYTES:
                    loose.flags.append("response file too large to import")
                    self.problems.append(f"{rel}: too large to import")
                else:
                    loose.responses = entry
            elif entry.name == "timestamp.txt" and entry.is_file() and entry.stat().st_size < 200:
                loose.timestamp = loose.timestamp or entry.read_text(errors="replace").strip()
        for path in list(self.skipped):
            if path.parent == folder and path.suffix == ".ipynb" and not any(
                    path.name in f for f in loose.flags):
                loose.flags.append(f"{path.name} too large to import ({self.skipped[path] / 1e6:.0f} MB)")
                self.problems.append(f"{origin}/{path.name}: too large to import")
        if loose.notebooks or loose.responses or loose.flags:
            files = loose.notebooks + ([loose.responses] if loose.responses else [])
            loose.mtime = max((p.stat().st_mtime for p in files), default=0.0)
            self.units.append(loose)


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


def _parse_time(text: str | None) -> float | None:
    if not text:
        return None
    text = text.replace(" UTC", "+00:00").strip()
    for candidate in (text, text.replace(" ", "T")):
        try:
            dt = datetime.fromisoformat(candidate)
            return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).timestamp()
        except ValueError:
            continue
    return None


def identify(unit: Unit, sigs: dict[str, dict], forced: str | None) -> tuple[str | None, str]:
    """Which lesson a hand-in is, and why not if it cannot be told."""
    if unit.lesson in sigs:
        return unit.lesson, ""
    if forced:
        return forced, ""
    best, best_overlap = None, 0
    for nb in unit.notebooks:
        ids = grade_ids(nb)
        if ids is None:
            continue
        for lesson, sig in sigs.items():
            overlap = len(ids & sig["ids"])
            if overlap > best_overlap:
                best, best_overlap = lesson, overlap
    if best:
        return best, ""
    if unit.lesson:
        return None, f"'{unit.lesson}' is not a lesson of this course"
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
    sigs = lesson_signatures(course_root / "release", lessons)
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

        chosen: dict[tuple[str, str], Unit] = {}
        fresh: dict[str, str] = {}  # name_key of a label naming nobody yet -> the id it gets in this run
        for unit in scanner.units:
            lesson, why = identify(unit, sigs, forced_lesson)
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
            for record in ledger.settle(sid, lesson, digest):
                report.settled.append(f"{record['origin']} ({lesson}) -> {sid}")
        ledger.save()
    return report


def _when(unit: Unit) -> float:
    return _parse_time(unit.timestamp) or unit.mtime


def _archive_unit(unit: Unit, course_root: Path, sid: str, lesson: str) -> Path:
    dest = course_root / "pathways" / "archive" / sid / lesson / datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
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
    staging = course_root / "pathways" / "staging" / sid / lesson
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
        shutil.copyfile(unit.responses, staging / RESPONSE_FILE)
    when = _parse_time(unit.timestamp)
    if when:
        stamp = datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
        (staging / "timestamp.txt").write_text(stamp + "\n", encoding="utf-8")
    digest = file_digest(staging)

    target = course_root / "submitted" / sid / lesson
    previous = ledger.get(sid, lesson)
    if target.exists():
        if previous and previous.sha256 == digest and file_digest(target) == digest:
            report.unchanged.append((sid, lesson))
            shutil.rmtree(staging)
            return
        archive = course_root / "pathways" / "archive" / sid / lesson / datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
        archive.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(target), str(archive))
        report.replaced.append(f"{sid} ({lesson}): earlier hand-in kept in {archive.relative_to(course_root)}")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(staging), str(target))
    ledger.put(sid, lesson, Submission(sha256=digest, origin=unit.origin, collected=now(),
                                       timestamp=unit.timestamp, collect_flags=list(dict.fromkeys(unit.flags))))
    report.imported.append((sid, lesson, unit.origin))
