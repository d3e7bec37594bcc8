"""The course ledger: who is enrolled, what each student handed in, and what went wrong with it.

nbgrader's gradebook holds scores; it has no place for "this notebook was damaged" or "this file
came in twice". The ledger (`<course>/pathways/ledger.json`) keeps that, plus the mapping from the
name a student used (which may contain spaces or any script) to the safe id nbgrader sees. Only
the instructor's own process writes it, under a lock, and always atomically.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

VERSION = 1
SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def now() -> str:
    """A UTC timestamp, to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def slug(raw: str) -> str:
    """A safe nbgrader student id for any name: ASCII letters, digits, '.', '_' and '-' only.

    Accented letters lose their accents ("José Núñez" -> "Jose_Nunez"); a name with no Latin
    letters at all becomes "s-" plus a short hash of the name, so it stays stable between runs.
    """
    name = unicodedata.normalize("NFKC", raw).strip()
    if SAFE_ID.match(name) and name not in {".", ".."}:
        return name
    ascii_ = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    ascii_ = re.sub(r"\s+", "_", ascii_.strip())
    ascii_ = re.sub(r"[^A-Za-z0-9._-]", "", ascii_).strip("._-")[:48]
    if len(re.sub(r"[^A-Za-z0-9]", "", ascii_)) < 2:
        return "s-" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:10]
    return ascii_


def file_digest(folder: Path) -> str:
    """A digest of every file in a folder (names and contents), to notice a changed submission."""
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.name == "timestamp.txt":
            continue  # the same work handed in again is not new work
        h.update(str(path.relative_to(folder)).encode("utf-8") + b"\0")
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


@dataclass
class Submission:
    """What the ledger knows about one student's hand-in of one lesson."""

    sha256: str = ""
    origin: str = ""
    collected: str = ""
    timestamp: str | None = None
    status: str = "new"  # new | graded | failed
    graded_sha256: str = ""
    flags: list[str] = field(default_factory=list)  # reasons the instructor must see (CSV and report)
    collect_flags: list[str] = field(default_factory=list)  # found at collect time, kept across regrades

    @property
    def needs_grading(self) -> bool:
        """True when this version of the work has not been graded yet."""
        return self.status == "new" or self.graded_sha256 != self.sha256


@dataclass
class Ledger:
    """The whole ledger of a course (see the module docstring)."""

    path: Path
    students: dict[str, dict] = field(default_factory=dict)  # safe id -> {"name": raw, "roster": bool}
    aliases: dict[str, str] = field(default_factory=dict)  # raw name -> safe id
    submissions: dict[str, dict[str, Submission]] = field(default_factory=dict)  # safe id -> lesson -> Submission

    @classmethod
    def load(cls, course: Path) -> Ledger:
        """Read the ledger of a course folder (an empty one if there is none yet)."""
        path = Path(course) / "pathways" / "ledger.json"
        if not path.exists():
            return cls(path)
        data = json.loads(path.read_text(encoding="utf-8"))
        subs = {sid: {lesson: Submission(**rec) for lesson, rec in lessons.items()}
                for sid, lessons in data.get("submissions", {}).items()}
        return cls(path, data.get("students", {}), data.get("aliases", {}), subs)

    def save(self) -> None:
        """Write the ledger atomically (a crash never leaves half a file)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {"version": VERSION, "students": self.students, "aliases": self.aliases,
                "submissions": {sid: {lesson: sub.__dict__ for lesson, sub in lessons.items()}
                                for sid, lessons in self.submissions.items()}}
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".ledger-", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, ensure_ascii=False, sort_keys=True)
        os.replace(tmp, self.path)

    @property
    def has_roster(self) -> bool:
        """True when the instructor gave a class list."""
        return any(s.get("roster") for s in self.students.values())

    def student_id(self, raw: str) -> str:
        """The safe id for a raw name: the same name always gets the same id, two names never share one."""
        raw = unicodedata.normalize("NFKC", raw).strip()
        if raw in self.aliases:
            return self.aliases[raw]
        if raw in self.students:
            return raw
        base = slug(raw)
        sid = base
        if sid in self.students and self.students[sid].get("name") != raw:
            sid = f"{base[:40]}-{hashlib.sha1(raw.encode('utf-8')).hexdigest()[:6]}"
        return sid

    def add_student(self, raw: str, roster: bool = False) -> str:
        """Enrol (or find) a student by the name they used; return the safe id."""
        raw = unicodedata.normalize("NFKC", raw).strip()
        sid = self.student_id(raw)
        entry = self.students.setdefault(sid, {"name": raw, "roster": roster})
        entry["roster"] = entry.get("roster", False) or roster
        self.aliases[raw] = sid
        return sid

    def name(self, sid: str) -> str:
        """The name a student used (their id if unknown)."""
        return self.students.get(sid, {}).get("name", sid)

    def get(self, sid: str, lesson: str) -> Submission | None:
        """The ledger entry of one hand-in, or None."""
        return self.submissions.get(sid, {}).get(lesson)

    def put(self, sid: str, lesson: str, sub: Submission) -> None:
        """Record one hand-in."""
        self.submissions.setdefault(sid, {})[lesson] = sub

    def entries(self):
        """Every (student id, lesson, Submission), sorted."""
        for sid in sorted(self.submissions):
            for lesson in sorted(self.submissions[sid]):
                yield sid, lesson, self.submissions[sid][lesson]


@contextlib.contextmanager
def locked(course: Path):
    """Hold the course's lock: two `pathways` commands never change the same course at once."""
    folder = Path(course) / "pathways"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RuntimeError(f"another pathways command is working on {course}; wait for it to finish") from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
