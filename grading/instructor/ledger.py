"""The course ledger: who is enrolled, what each student handed in, and what went wrong with it.

nbgrader's gradebook holds scores; it has no place for "this notebook was damaged" or "this file
came in twice". The ledger (`<course>/pathways/ledger.json`) keeps that, plus who each safe id (the
id nbgrader sees) is: their name, as written in any script, and their e-mail. Only the instructor's
own process writes it, under a lock, and always atomically.

Identity (see grading/GRADING.md, "How learners are identified"):

* a learner is their class-list id, else their e-mail, else the JupyterHub username / nbgrader
  student id their hand-in came under. An id that is already safe (`SAFE_ID`) is used as it is;
* a name is never turned into an id by dropping what is not ASCII: an id made from a name alone is
  a readable ASCII slug plus a short hash of the normalised name (`name_id`), so "José Ñ 李" and
  "José Ñ 王" get two ids, the same ones on every run;
* names are compared after Unicode normalisation (`name_key`: NFC, casefold, spaces folded), never
  after stripping accents: "José" and "Jose" are two names, "José" in NFC and in NFD is one;
* a hand-in that matches several learners by name alone is not given to any of them (`match`).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pathways.files import TIMESTAMP_FILE, write_atomically

from ..course import CourseFolder

VERSION = 2  # 2: students may carry an e-mail; hand-ins matching several learners are kept in "unassigned"
SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")
_HASH_LEN = 8


def now() -> str:
    """A UTC timestamp, to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def clean(raw: str) -> str:
    """A name or label as written, in NFC with its spaces folded (case and accents kept)."""
    return " ".join(unicodedata.normalize("NFC", raw).split())


def name_key(raw: str) -> str:
    """What two names are compared by: NFC, casefolded, spaces folded. Accents and scripts are kept."""
    return unicodedata.normalize("NFC", clean(raw).casefold())


def is_safe_id(text: str) -> bool:
    """True for an id that can be used as it is (in paths, nbgrader, a CSV): ASCII letters, digits, . _ - @."""
    return bool(SAFE_ID.match(text)) and text not in {".", ".."} and ".." not in text


def name_id(raw: str) -> str:
    """The id of a learner known only by a name: an ASCII slug for the eye plus a hash of the whole name.

    "José Ñ 李" -> "jose-n-…", "José Ñ 王" -> "jose-n-…" with another hash; "李雷" -> "learner-…".
    The hash is of `name_key(raw)`, so the id is the same on every run and for every spelling that
    is the same name (NFC or NFD, upper or lower case).
    """
    ascii_ = unicodedata.normalize("NFKD", clean(raw)).encode("ascii", "ignore").decode("ascii").lower()
    readable = re.sub(r"[^a-z0-9]+", "-", ascii_).strip("-")[:40].strip("-") or "learner"
    return f"{readable}-{hashlib.sha256(name_key(raw).encode('utf-8')).hexdigest()[:_HASH_LEN]}"


def label_id(raw: str) -> str:
    """The id for a label that names no known learner: itself if it is a safe id, else `name_id`."""
    label = clean(raw)
    return label if is_safe_id(label) else name_id(label)


def file_digest(folder: Path) -> str:
    """A digest of every file in a folder (names and contents), to notice a changed submission."""
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.name == TIMESTAMP_FILE:
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
class Learner:
    """One line of a class list: any of an id, an e-mail and a name."""

    id: str = ""
    email: str = ""
    name: str = ""

    def label(self) -> str:
        """How to name this entry in a message."""
        return " / ".join(x for x in (self.id, self.email, self.name) if x) or "(empty line)"


@dataclass
class Match:
    """Whom a label (a folder, zip or exchange name) is: `sid`, or `candidates` when it could be several."""

    sid: str | None
    how: str  # id | email | name | new | ambiguous
    candidates: list[str] = field(default_factory=list)


@dataclass
class Ledger:
    """The whole ledger of a course (see the module docstring)."""

    path: Path
    students: dict[str, dict] = field(default_factory=dict)  # safe id -> {"name", "roster": bool, "email"?}
    aliases: dict[str, str] = field(default_factory=dict)  # version 1 only: raw name -> safe id (read, kept)
    submissions: dict[str, dict[str, Submission]] = field(default_factory=dict)  # safe id -> lesson -> Submission
    unassigned: list[dict] = field(default_factory=list)  # hand-ins matching several learners: set aside
    purged: list[str] = field(default_factory=list)  # hashes of the id, e-mail and name of learners purged on request

    @classmethod
    def load(cls, course: Path) -> Ledger:
        """Read the ledger of a course folder (an empty one if there is none yet); version 1 files too."""
        path = CourseFolder(Path(course)).ledger
        if not path.exists():
            return cls(path)
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version", 1) > VERSION:
            raise RuntimeError(f"{path} was written by a newer Pathways (ledger version {data['version']}); "
                               "update Pathways to work on this course")
        subs = {sid: {lesson: Submission(**rec) for lesson, rec in lessons.items()}
                for sid, lessons in data.get("submissions", {}).items()}
        return cls(path, data.get("students", {}), data.get("aliases", {}), subs, data.get("unassigned", []),
                   data.get("purged", []))

    def save(self) -> None:
        """Write the ledger atomically (a crash never leaves half a file)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {"version": VERSION, "students": self.students, "aliases": self.aliases,
                "unassigned": self.unassigned, "purged": self.purged,
                "submissions": {sid: {lesson: sub.__dict__ for lesson, sub in lessons.items()}
                                for sid, lessons in self.submissions.items()}}
        write_atomically(self.path, json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True))

    @property
    def has_roster(self) -> bool:
        """True when the instructor gave a class list."""
        return any(s.get("roster") for s in self.students.values())

    # --- who is who -------------------------------------------------------------------------------------

    def match(self, raw: str) -> Match:
        """Whom a label names: an id (any case), else an e-mail, else a name; several by name is ambiguous.

        A label that names nobody is `new` (it gets `new_id`). Names are compared with `name_key`.
        """
        label = clean(raw)
        if not label:
            return Match(None, "new")
        key = name_key(label)
        fold = label.casefold()
        found = [label] if label in self.students else [sid for sid in sorted(self.students) if sid.casefold() == fold]
        if not found and "@" in label:
            found = [sid for sid in sorted(self.students) if self.students[sid].get("email", "").casefold() == fold]
        if found:
            return Match(found[0], "id") if len(found) == 1 else Match(None, "ambiguous", found)
        found = [sid for sid in sorted(self.students) if name_key(self.name(sid)) == key]
        found += sorted({sid for raw_name, sid in self.aliases.items()
                         if sid in self.students and sid not in found and name_key(raw_name) == key})
        if len(found) == 1:
            return Match(found[0], "name")
        return Match(None, "ambiguous", found) if found else Match(None, "new")

    def new_id(self, raw: str, taken: set[str] | frozenset[str] = frozenset(), hashed: bool = False) -> str:
        """A fresh id for a label naming nobody yet: `label_id` (`name_id` if hashed), never one in use (in any
        case) nor in `taken`; "-2", "-3"... is added to a `name_id` in use (the same name on two lines)."""
        used = {sid.casefold() for sid in self.students} | {t.casefold() for t in taken}
        sid = name_id(raw) if hashed else label_id(raw)
        if sid.casefold() in used and is_safe_id(clean(raw)):
            sid = name_id(raw)  # "Ana" when "ana" is someone else
        base, n = sid, 2
        while sid.casefold() in used:
            sid, n = f"{base}-{n}", n + 1
        return sid

    def student_id(self, raw: str) -> str:
        """The id a label stands for: the learner it matches, else the id it would be given."""
        return self.match(raw).sid or label_id(raw)

    def enrol(self, sid: str, name: str = "", roster: bool = False, email: str = "") -> str:
        """Record a learner under an id (the class list's name and e-mail win over earlier ones); return the id."""
        entry = self.students.setdefault(sid, {"name": clean(name) or sid, "roster": roster})
        entry["roster"] = entry.get("roster", False) or roster
        if roster and clean(name):
            entry["name"] = clean(name)
        if email:
            entry["email"] = email
        return sid

    def add_student(self, raw: str, roster: bool = False) -> str:
        """Enrol (or find) a learner by a label; return the safe id. A label matching several is refused."""
        m = self.match(raw)
        if m.how == "ambiguous":
            raise ValueError(f"{clean(raw)!r} could be any of {', '.join(m.candidates)}: use the id")
        return self.enrol(m.sid or self.new_id(raw), raw, roster)

    def add_roster(self, entries: list[Learner]) -> tuple[list[str], list[str]]:
        """Enrol a class list; return (the id of each entry kept, warnings for the instructor).

        An entry's id is its `id`, else its e-mail (lower case), else a learner already in the ledger
        under that name (a course is never re-keyed), else `new_id` of the name. Two entries with the
        same name and nothing else to tell them apart still get two ids, with a warning.
        """
        ids, warnings, claimed, bare = [], [], set(), set()
        counts: dict[str, int] = {}
        for entry in entries:
            if not (clean(entry.id) or clean(entry.email)):
                counts[name_key(entry.name)] = counts.get(name_key(entry.name), 0) + 1
        for entry in entries:
            rid, email, name = clean(entry.id), clean(entry.email).lower(), clean(entry.name)
            if not (rid or email or name):
                continue
            if any(self.is_purged(x) for x in (rid, email) if x) or (not (rid or email) and self.is_purged(name)):
                warnings.append(f"{entry.label()}: this learner's data was deleted on request (`course purge`), so "
                                "they were not added back: take them off the class list, or, if they re-enrolled, "
                                "run `pathways collect --re-enrol ID` first")
                continue
            if rid or email:
                wanted = rid or email
                sid = wanted if is_safe_id(wanted) else name_id(wanted)
                same = [s for s in sorted(self.students) if s.casefold() == sid.casefold()
                        or (email and not rid and self.students[s].get("email", "").casefold() == email)]
                sid = same[0] if same else sid
                if sid.casefold() in {c.casefold() for c in claimed}:
                    warnings.append(f"{entry.label()}: {wanted} is on the class list twice; the first entry is kept")
                    continue
            else:
                key = name_key(name)
                same = sorted((s for s in self.students if s not in claimed and name_key(self.name(s)) == key),
                              key=lambda s: (not self.students[s].get("roster"), s))
                if same:
                    sid = same[0]
                elif counts[key] > 1:  # "ana" twice: neither is "ana", which would name both
                    sid = self.new_id(name, taken=claimed, hashed=True)
                else:
                    sid = self.new_id(name, taken=claimed)
                bare.add(sid)
            claimed.add(sid)
            ids.append(self.enrol(sid, name, roster=True, email=email))
        by_name: dict[str, list[str]] = {}
        for sid in ids:
            by_name.setdefault(name_key(self.name(sid)), []).append(sid)
        for group in by_name.values():
            if len(group) < 2:
                continue
            name = self.name(group[0])
            how = ("with no id or e-mail to tell them apart, so they were given the ids" if
                   any(sid in bare for sid in group) else "with the ids")
            warnings.append(f"{len(group)} learners on the class list are named {name!r}, {how} "
                            f"{', '.join(group)}. A hand-in named only {name!r} will be set aside, not graded, "
                            "until its folder or zip is renamed to one of these ids (or e-mails)")
        return ids, warnings

    def name(self, sid: str) -> str:
        """The name a student used (their id if unknown)."""
        return self.students.get(sid, {}).get("name", sid)

    # --- learners whose data was deleted on request ----------------------------------------------------------

    @staticmethod
    def _marks(label: str) -> set[str]:
        """What a purged learner is remembered by: hashes (never the text) of a label as an id and as a name."""
        return {hashlib.sha256(f"{kind}:{text}".encode()).hexdigest()
                for kind, text in (("id", clean(label).casefold()), ("name", name_key(label))) if text}

    def forget(self, sid: str) -> None:
        """Remember that a learner's data was deleted on request, by hashes of their id, e-mail and name only, so
        a later collect or class list does not bring them back unnoticed (`re_enrol` takes them back)."""
        info = self.students.get(sid, {})
        marks = set(self.purged) | self._marks(sid)
        for label in (info.get("email", ""), info.get("name", "")):
            if label:
                marks |= self._marks(label)
        self.purged = sorted(marks)

    def is_purged(self, label: str) -> bool:
        """True when a label (a hand-in's folder name, a class-list entry) names a learner purged on request."""
        return bool(self._marks(label) & set(self.purged))

    def re_enrol(self, label: str) -> bool:
        """Take back a purged learner on purpose (their id, e-mail or name); False if the label names none."""
        if not self.is_purged(label):
            return False
        self.purged = sorted(set(self.purged) - self._marks(label))
        return True

    # --- hand-ins ---------------------------------------------------------------------------------------

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

    def set_aside(self, record: dict) -> tuple[dict, bool]:
        """Keep a hand-in that could not be assigned ({label, origin, lesson, digest, candidates, archive, when}).

        Returns the record kept and whether it is new (False: the same work from the same place was
        set aside before, and that earlier record is returned).
        """
        for old in self.unassigned:
            if (old["origin"], old["lesson"], old["digest"]) == (record["origin"], record["lesson"], record["digest"]):
                old["candidates"] = record["candidates"]
                return old, False
        self.unassigned.append(record)
        return record, True

    def settle(self, sid: str, lesson: str, digest: str) -> list[dict]:
        """Forget set-aside hand-ins now handed in under one of their candidates' ids; return them."""
        done = [r for r in self.unassigned if r["lesson"] == lesson and r["digest"] == digest
                and sid in r["candidates"]]
        self.unassigned = [r for r in self.unassigned if r not in done]
        return done

    def unassigned_for(self, sid: str) -> list[dict]:
        """The set-aside hand-ins that may be this learner's."""
        return [r for r in self.unassigned if sid in r["candidates"]]


@contextlib.contextmanager
def locked(course: Path):
    """Hold the course's lock: two `pathways` commands never change the same course at once."""
    lock = CourseFolder(Path(course)).lock
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RuntimeError(f"another pathways command is working on {course}; wait for it to finish") from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
