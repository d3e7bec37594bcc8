"""`pathways certificate make | verify`: a certificate of completion (PDF) for every learner who met the course's
completion rule, each with a verification code, and the check of a code.

The code is an HMAC (SHA-256) of the certificate's record (learner id, name, course, lessons, minutes, date) keyed
with the course's own secret (`<course>/pathways/certificate-key`, made on first use, readable by the instructor
only), shown as 16 letters and digits: nobody without the key can make a code that verifies. Each learner's
certificates and their records live in `<course>/certificates/<id>/` (a place of CourseFolder, so `course purge`
removes them). Making them again keeps a learner's code while their record is unchanged.

`verify CODE` looks the code up: *valid* (its record hashes to it: the facts are printed to compare with the paper),
*tampered* (a record with this code was changed since it was issued) or *unknown* (never issued here).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pathways import config
from pathways.files import write_atomically

from .. import course as course_mod
from ..instructor.ledger import is_safe_id
from . import completion, course_facts, pdf

COURSE_TITLE = ("Pathways: why people who are sex-trafficked often cannot leave or come forward, and how to respond "
                "in a trauma-informed way")
#: Said on every certificate, record and course sheet.
CREDIT_NOTE = ("This is a record of completion, not an award of credit: continuing-education credit is awarded only "
               "by an accredited provider, under its own rules.")
REGISTER = "certificate.json"
PDF_NAME = "certificate.pdf"
VALID, TAMPERED, UNKNOWN = "valid", "tampered", "unknown"


def _key(folder: course_mod.CourseFolder, create: bool) -> bytes | None:
    path = folder.certificate_key
    if not path.exists():
        if not create:
            return None
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(32))
    return path.read_bytes()


def code_of(record: dict, key: bytes) -> str:
    """The verification code of a record: HMAC-SHA256 of its canonical JSON, 16 base-32 characters in fours."""
    text = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    digest = base64.b32encode(hmac.new(key, text, hashlib.sha256).digest()).decode("ascii")[:16]
    return "-".join(digest[i:i + 4] for i in range(0, 16, 4))


def normalise(code: str) -> str:
    """A code as typed (any case, spaces or no dashes) in its printed form."""
    raw = "".join(ch for ch in code.upper() if ch.isalnum())
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


@dataclass
class MakeReport:
    """What `certificate make` did."""

    made: list[tuple[str, str, Path]] = field(default_factory=list)  # (learner id, code, pdf)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (learner id, why)
    rule: str = ""

    def lines(self) -> list[str]:
        """The report, one line each."""
        out = [f"Completion rule: {self.rule}"]
        out += [f"Certificate for {lid}: {path} (verification code {code})" for lid, code, path in self.made]
        out += [f"No certificate for {lid}: {why}" for lid, why in self.skipped]
        out.append(f"{len(self.made)} certificate(s) made, {len(self.skipped)} learner(s) without one.")
        return out


def _register(folder: course_mod.CourseFolder, lid: str) -> Path:
    return folder.certificates / lid / REGISTER


def _issue(folder: course_mod.CourseFolder, lid: str, record: dict, key: bytes) -> dict:
    """The learner's certificate for `record`: the one already issued if its facts are the same, else a new one."""
    path = _register(folder, lid)
    issued = json.loads(path.read_text(encoding="utf-8")).get("issued", []) if path.is_file() else []
    same = [e for e in issued if {k: v for k, v in e["record"].items() if k != "date"}
            == {k: v for k, v in record.items() if k != "date"}]
    if same:
        return same[-1]
    entry = {"record": record, "code": code_of(record, key)}
    issued.append(entry)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, json.dumps({"issued": issued}, indent=1, ensure_ascii=False), mode=0o644)
    return entry


def make(course: str | Path | None = None, today: date | None = None) -> MakeReport:
    """A certificate for every learner who met the completion rule in force; the others listed with the reason."""
    folder = course_mod.folder(course)
    table = completion.class_table(folder.root)
    rule = completion.Rule.configured()
    marks = completion.post_test_marks(folder.root) if rule.post_test else {}
    lessons = {les.id: les for les in course_facts.course_lessons(only=table.lessons)}
    rep = MakeReport(rule=rule.text(len(table.lessons)))
    key = None
    for result in completion.completions(table, rule, marks):
        lid = result.learner.id
        if not result.complete:
            rep.skipped.append((lid, "; ".join(result.reasons)))
            continue
        if not is_safe_id(lid):
            rep.skipped.append((lid, "the id cannot name a folder; give the learner an id on the class list"))
            continue
        missing = pdf.uncovered(result.learner.name)
        if missing:
            rep.skipped.append((lid, f"their name has characters no font on this machine has ({missing}): install "
                                     "one that has them (Debian: fonts-noto-core, fonts-noto-cjk) and run this again"))
            continue
        key = key or _key(folder, create=True)
        record = {"learner": lid, "name": result.learner.name, "course": COURSE_TITLE,
                  "provider": config.current().provider, "lessons": [lessons[x].title for x in result.done],
                  "minutes": sum(lessons[x].minutes_alone for x in result.done),
                  "date": (today or date.today()).isoformat()}
        entry = _issue(folder, lid, record, key)
        out = pdf.render(pdf.page("certificate.html.j2", record=entry["record"], code=entry["code"],
                                  hours=course_facts.hours_text(entry["record"]["minutes"]), note=CREDIT_NOTE),
                         folder.certificates / lid / PDF_NAME)
        rep.made.append((lid, entry["code"], out))
    return rep


@dataclass(frozen=True)
class Verdict:
    """The answer to `certificate verify CODE`."""

    code: str
    verdict: str
    record: dict | None = None

    def lines(self) -> list[str]:
        """The answer in words."""
        if self.verdict == UNKNOWN:
            return [f"UNKNOWN: no certificate with the code {self.code} was issued by this course. Check the code "
                    "as printed; a certificate whose code is not known here was not issued here."]
        r = self.record or {}
        facts = (f"issued {r.get('date')} to {r.get('name')} for {r.get('course')}: {len(r.get('lessons', []))} "
                 f"lesson(s), {course_facts.hours_text(r.get('minutes', 0))}")
        if self.verdict == TAMPERED:
            return [f"TAMPERED: the course's record of certificate {self.code} was changed after it was issued "
                    f"(it now says: {facts}). Do not accept it; the instructor should find out who changed "
                    "the course folder."]
        return [f"VALID: certificate {self.code}, {facts}.",
                "Compare these facts with the certificate you were shown: one that says anything else was altered."]


def code_for(folder: course_mod.CourseFolder, lid: str) -> str:
    """The code of the learner's latest certificate ('' when none was issued)."""
    path = _register(folder, lid)
    issued = json.loads(path.read_text(encoding="utf-8")).get("issued", []) if path.is_file() else []
    return issued[-1]["code"] if issued else ""


def verify(code: str, course: str | Path | None = None) -> Verdict:
    """Whether `code` is a certificate this course issued, unchanged since (see the module docstring)."""
    folder = course_mod.folder(course)
    wanted = normalise(code)
    key = _key(folder, create=False)
    registers = sorted(folder.certificates.glob(f"*/{REGISTER}")) if folder.certificates.is_dir() else []
    for path in registers:
        for entry in json.loads(path.read_text(encoding="utf-8")).get("issued", []):
            if normalise(entry.get("code", "")) != wanted:
                continue
            if key is None:
                raise RuntimeError(f"the course's certificate key ({folder.certificate_key}) is missing, so no code "
                                   "can be checked: it was deleted, or the course folder was copied without it")
            ok = hmac.compare_digest(code_of(entry["record"], key), wanted)
            return Verdict(wanted, VALID if ok else TAMPERED, entry["record"])
    return Verdict(wanted, UNKNOWN)
