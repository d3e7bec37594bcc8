"""Find the hand-ins in an unpacked upload: who handed in, maybe which lesson, and which files.

Understood layouts (they can be mixed, and wrapped in one outer folder or zip): nbgrader's own
`<student>/<lesson>/lesson.ipynb`, nbgrader's exchange inbox `<student>+<lesson>+<timestamp>+<random>/`, by lesson
`<lesson>/<student>/`, and e-mail `<student>/lesson.ipynb` or `<student>.zip`. Only reads and unzips into a
scratch folder: what to do with each hand-in (`Unit`) is collect.py's job.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pathways.files import RESPONSES_FILE, TIMESTAMP_FILE

from .unzip import MAX_NOTEBOOK_BYTES, MAX_RESPONSE_BYTES, Skipped, extract_zip

MAX_ZIP_DEPTH = 3
JUNK = {"__MACOSX", ".ipynb_checkpoints", "Thumbs.db", ".DS_Store", "__pycache__"}


def exchange_name(name: str) -> dict | None:
    """Split nbgrader's inbox folder name `student+lesson+timestamp[+random]`, or None if it is not one."""
    parts = name.split("+")
    if len(parts) >= 4 and parse_time(parts[-2]):
        return {"student": "+".join(parts[:-3]), "lesson": parts[-3], "ts": parts[-2]}
    if len(parts) == 3 and parse_time(parts[-1]):
        return {"student": parts[0], "lesson": parts[1], "ts": parts[2]}
    return None


def parse_time(text: str | None) -> float | None:
    """A hand-in's time (nbgrader's `... UTC` or ISO 8601) as a POSIX timestamp, or None if it is not one."""
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
        self.skipped = Skipped()
        self.problems: list[str] = []
        self.units: list[Unit] = []
        self._n = 0

    def _hand_in(self, folder: Path) -> bool:
        """True if a folder is itself one student's hand-in (not a folder of students)."""
        return any((p.is_file() and (p.suffix == ".ipynb" or p.name == RESPONSES_FILE))
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
            elif entry.name == RESPONSES_FILE:
                if entry in self.skipped or entry.stat().st_size > MAX_RESPONSE_BYTES:
                    loose.flags.append("response file too large to import")
                    self.problems.append(f"{rel}: too large to import")
                else:
                    loose.responses = entry
            elif entry.name == TIMESTAMP_FILE and entry.is_file() and entry.stat().st_size < 200:
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


