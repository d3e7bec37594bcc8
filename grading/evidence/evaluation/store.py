"""The evaluation's answers in the course folder, and the pseudonymous code that links them.

* **Hand-ins**: the channel of every time point, the follow-up included, is the take-home notebook. The
  instructor sends each learner the folder `pathways evaluation release` made (by e-mail, a shared drive or a
  learning platform, weeks later for the follow-up); the learner opens it in any JupyterLab with Pathways,
  answers, and sends the folder back zipped and named by their id or e-mail on the class list, as for a lesson
  (README, "Without a workshop"). `collect` reads `evaluation.json` from each and keeps it, per learner id, in
  `CourseFolder.evaluation_answers(id)`: a learner's own file, removed by `pathways course purge`.
* **Pseudonymous code**: the analysis never sees an id or a name. Each learner is `code(secret, id)`, an
  HMAC-SHA256 of the class list's id keyed with a secret of this course (`CourseFolder.evaluation_secret`,
  32 random bytes, 0600, made on first use): the same learner has the same code at every time point, and
  nobody without the secret can tell whose a code is, or test a guessed id.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets as _secrets
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from pathways.evaluation.items import ANSWERS_FILE, TIMEPOINTS
from pathways.evaluation.record import Answers
from pathways.files import write_atomically

from ... import course as course_mod
from ...instructor.ledger import Ledger
from ...instructor.unzip import Skipped, extract_zip

#: How deep in a hand-in `evaluation.json` is looked for (the learner's folder may be zipped in another).
MAX_DEPTH = 3
NOBODY = "no learner on the class list has this id, e-mail or name"
PURGED = ("this learner's data was deleted on request; take them back on purpose with `pathways collect PATH "
          "--re-enrol ID` first")


def secret(folder: course_mod.CourseFolder) -> bytes:
    """The course's evaluation secret, made (32 random bytes, readable by the instructor only) on first use."""
    path = folder.evaluation_secret
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(_secrets.token_hex(32))
    return bytes.fromhex(path.read_text().strip())


def code(key: bytes, learner: str) -> str:
    """A learner's pseudonymous code: HMAC-SHA256 of their id under the course's secret (16 hex digits)."""
    return hmac.new(key, learner.encode("utf-8"), hashlib.sha256).hexdigest()[:16]


@dataclass
class CollectReport:
    """What `collect` did: learners whose answers were kept (and of those, who declined), labels that matched
    nobody on the class list (never enrolled), and problems with files."""

    timepoint: str
    kept: list[str] = field(default_factory=list)
    declined: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    why: dict[str, str] = field(default_factory=dict)  # unmatched label -> why it matched nobody

    def lines(self) -> list[str]:
        """The report, one line each."""
        out = [f"{len(self.kept)} {self._name()} answer file(s) kept ({len(self.declined)} declined to take part)"]
        out += [f"NOT MATCHED: {label}: {self.why.get(label, NOBODY)} (nothing kept)" for label in self.unmatched]
        return out + [f"PROBLEM: {p}" for p in self.problems]

    def _name(self) -> str:
        return {"pre": "pre-test", "post": "post-test", "followup": "follow-up"}[self.timepoint]


def _answers_in(folder: Path, depth: int = 0) -> list[Path]:
    found = [p for p in folder.glob(ANSWERS_FILE) if p.is_file() and not p.is_symlink()]
    if depth < MAX_DEPTH:
        for sub in sorted(p for p in folder.iterdir() if p.is_dir() and not p.is_symlink()):
            found += _answers_in(sub, depth + 1)
    return found


def _entries(upload: Path, scratch: Path, report: CollectReport) -> list[tuple[str, Path]]:
    """(label, folder) of each learner's hand-in: the upload's folders and zips, one per learner."""
    if upload.is_file():
        root = scratch / "upload"
        root.mkdir()
        if not extract_zip(upload, root, Skipped(), report.problems):
            return []
        upload = root
        tops = [p for p in upload.iterdir() if not p.name.startswith((".", "__MACOSX"))]
        if len(tops) == 1 and tops[0].is_dir() and not (tops[0] / ANSWERS_FILE).is_file():
            upload = tops[0]  # one outer folder around everything
    out = []
    for n, entry in enumerate(sorted(upload.iterdir())):
        if entry.name.startswith((".", "__MACOSX")) or entry.is_symlink():
            continue
        if entry.is_dir():
            out.append((entry.name, entry))
        elif entry.suffix.lower() == ".zip":
            dest = scratch / f"zip{n}"
            dest.mkdir()
            if extract_zip(entry, dest, Skipped(), report.problems):
                out.append((entry.stem, dest))
        else:
            report.problems.append(f"{entry.name}: not a folder or zip named after a learner: ignored")
    return out


def _read(label: str, folder: Path, timepoint: str, report: CollectReport) -> Answers | None:
    files = _answers_in(folder)
    if len(files) != 1:
        report.problems.append(f"{label}: {'no' if not files else 'more than one'} {ANSWERS_FILE} found: nothing kept")
        return None
    try:
        answers = Answers.model_validate(json.loads(files[0].read_text(encoding="utf-8")))
    except (OSError, ValueError) as err:
        report.problems.append(f"{label}: {ANSWERS_FILE} cannot be read ({type(err).__name__}): nothing kept")
        return None
    if answers.timepoint != timepoint:
        report.problems.append(f"{label}: these are answers to the {answers.timepoint} time point, not "
                               f"{timepoint}: nothing kept")
        return None
    return answers


def collect(upload: str | Path, timepoint: str, course: str | Path | None = None) -> CollectReport:
    """Keep each learner's answers to `timepoint` from an upload (a folder or zip of hand-ins, one folder or zip
    per learner named by id, e-mail or name). A later hand-in replaces the earlier one of that time point."""
    if timepoint not in TIMEPOINTS:
        raise ValueError(f"unknown time point {timepoint!r}; one of {', '.join(TIMEPOINTS)}")
    upload, folder = Path(upload), course_mod.folder(course)
    if not upload.exists():
        raise ValueError(f"{upload} does not exist")
    ledger, report = Ledger.load(folder.root), CollectReport(timepoint)
    secret(folder)  # made with the first answers, so that every later code is made with the same key
    with tempfile.TemporaryDirectory(prefix="pathways-evaluation-") as scratch:
        for label, entry in _entries(upload, Path(scratch), report):
            who = ledger.match(label)
            if who.sid is None or ledger.is_purged(label):
                report.unmatched.append(label)
                report.why[label] = (PURGED if ledger.is_purged(label) else
                                     f"it fits several learners ({', '.join(who.candidates)}): rename it to one "
                                     "id" if who.how == "ambiguous" else NOBODY)
                continue
            answers = _read(label, entry, timepoint, report)
            if answers is None:
                continue
            write(folder, who.sid, answers)
            report.kept.append(who.sid)
            if answers.declined:
                report.declined.append(who.sid)
    return report


def write(folder: course_mod.CourseFolder, learner: str, answers: Answers) -> Path:
    """Keep one learner's answers to one time point (written whole, then renamed)."""
    target = folder.evaluation_answers(learner) / f"{answers.timepoint}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(folder.evaluation, 0o700)
    write_atomically(target, json.dumps(answers.model_dump(), indent=1, ensure_ascii=False))
    return target


def load(course: str | Path | None = None) -> dict[str, dict[str, Answers]]:
    """Every learner's kept answers: learner id -> time point -> answers (unreadable files are left out)."""
    place = course_mod.folder(course).evaluation_answers()
    out: dict[str, dict[str, Answers]] = {}
    for learner in sorted(p for p in place.iterdir() if p.is_dir()) if place.is_dir() else []:
        for tp in TIMEPOINTS:
            path = learner / f"{tp}.json"
            try:
                out.setdefault(learner.name, {})[tp] = Answers.model_validate_json(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
    return out
