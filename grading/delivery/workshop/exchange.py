"""The workshop's nbgrader exchange on the instructor's side: building it, taking hand-ins from it (never one
learner's work under another's name), returning feedback through it, and archiving it.

One hand-in folder per learner (theirs, 0700), one feedback folder per learner (readable by their group only)
and the release shared read-only; each learner sees the three through a view of their own (see
pathways.grading.delivery.workshop.learner_submit for the learner's side).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import stat
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pathways.files import copy_atomically, write_atomically

from ... import course as courselib
from ...instructor.collect import CollectReport
from ...instructor.handins import exchange_name
from ...nbgrader_run import NBGRADER_CONFIG_FILE
from .common import (
    COURSE_ID,
    HANDIN_FILES,
    MAX_HANDIN_FILE,
    Layout,
    WorkshopError,
    mkdir,
    workshop_root,
)
from .record import LearnerAccount, WorkshopRecord, load_record


def _copy_release(release: Path, dest: Path) -> None:
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(release, dest, ignore=shutil.ignore_patterns(".*", "__pycache__"))
    for p in [dest, *dest.rglob("*")]:
        os.chown(p, 0, 0, follow_symlinks=False)
        if not p.is_symlink():
            os.chmod(p, 0o755 if p.is_dir() else 0o644)


def build_exchange(layout: Layout, course: Path, lessons: list[str], learners: dict[str, LearnerAccount]) -> None:
    """The release shared read-only; per learner a hand-in folder (theirs, 0700), a feedback folder (their group
    only) and a view of the three as nbgrader expects them (`views/<user>/<course>/{outbound,inbound,feedback}`)."""
    ex = layout.course_exchange
    mkdir(layout.exchange, 0o755)
    mkdir(ex, 0o755)
    mkdir(ex / "outbound", 0o755)
    for sub in (layout.inbound, layout.feedback_boxes):
        mkdir(sub, 0o711)  # nobody lists who handed in
    views = mkdir(layout.exchange / "views", 0o711)
    for lesson in lessons:
        _copy_release(courselib.CourseFolder(course).released(lesson), ex / "outbound" / lesson)
    for user, info in learners.items():
        uid, gid = info.uid, info.gid
        mkdir(layout.inbound / user, 0o700, uid, gid)
        mkdir(layout.feedback_boxes / user, 0o750, 0, gid)
        view = mkdir(views / user, 0o700, uid, gid)
        inner = view / COURSE_ID
        if inner.is_symlink() or (inner.exists() and inner.lstat().st_uid != 0):
            shutil.rmtree(inner) if not inner.is_symlink() else inner.unlink()
        mkdir(inner, 0o755)
        for name, target in (("outbound", ex / "outbound"), ("inbound", layout.inbound / user),
                             ("feedback", layout.feedback_boxes / user)):
            link = inner / name
            if link.is_symlink() or link.exists():
                link.unlink()
            link.symlink_to(target)


#: nbgrader's settings on a learner's server (JUPYTER_CONFIG_PATH): the learner's own view of the exchange, and
#: submitting only as themselves. The only Jupyter configuration of the learners' own: their screen is
#: pathways.grading.delivery.learner.lab's, as with `make start`.
LEARNER_NBGRADER_CONFIG = '''"""nbgrader on a workshop learner's server (written by `pathways workshop start`)."""
import getpass
import os

c = get_config()  # noqa: F821 - nbgrader provides it
c.CourseDirectory.course_id = {course_id!r}
c.Exchange.root = os.path.join({views!r}, getpass.getuser())
c.Exchange.assignment_dir = os.path.expanduser("~")
c.ExchangeFactory.submit = "pathways.grading.delivery.workshop.learner_submit.LearnerSubmit"
'''


def write_learner_config(layout: Layout) -> Path:
    """The Jupyter configuration learners' servers read (nbgrader's exchange as each learner sees it); its folder."""
    dest = mkdir(layout.learner_config, 0o755)
    target = dest / NBGRADER_CONFIG_FILE
    target.write_text(LEARNER_NBGRADER_CONFIG.format(course_id=COURSE_ID, views=str(layout.exchange / "views")),
                      encoding="utf-8")
    os.chmod(target, 0o644)
    return dest


# --- collecting hand-ins and returning feedback --------------------------------------------------------------

@dataclass
class ExchangeReport:
    """What collecting from the exchange did, before the course's own collect."""

    taken: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    course: CollectReport | None = None

    def lines(self) -> list[str]:
        """The report, one line each."""
        out = [f"Took {len(self.taken)} hand-in(s) from the workshop exchange."]
        if self.refused:
            out.append("REFUSED (not handed in by the account it names, or not a hand-in):")
            out += [f"  - {r}" for r in self.refused]
        if self.course:
            out += self.course.lines()
        return out


def _open_dir(name: str, dir_fd: int | None = None) -> int:
    return os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=dir_fd)


def _read_owned_file(name: str, dir_fd: int, uid: int) -> bytes | None:
    """A regular file's bytes, only if it is the learner's own (never following a link); None otherwise."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=dir_fd)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode) or st.st_uid != uid or st.st_size > MAX_HANDIN_FILE:
            return None
        return fh.read(MAX_HANDIN_FILE + 1)[:MAX_HANDIN_FILE]


def _take_one(user: str, info: LearnerAccount, entry: str, ufd: int, lessons: set[str], dest: Path,
              report: ExchangeReport, found: dict) -> None:
    """Take one entry of a learner's inbound folder (open as `ufd`) if it is their own hand-in (see take_handins)."""
    uid, sid = info.uid, info.sid
    parts = exchange_name(entry)
    if parts is None:
        report.refused.append(f"{user}: {entry!r} is not a hand-in")
        return
    if parts["student"] != user:
        report.refused.append(f"{user}: a hand-in named for {parts['student']!r}: a learner hands in "
                              "only as themselves")
        return
    if parts["lesson"] not in lessons:
        report.refused.append(f"{user}: {parts['lesson']!r} is not a lesson of this workshop")
        return
    try:
        sfd = _open_dir(entry, ufd)
    except OSError:
        report.refused.append(f"{user}: {entry!r} is a link or not a folder")
        return
    try:
        if os.fstat(sfd).st_uid != uid:
            report.refused.append(f"{user}: {entry!r} does not belong to the account")
            return
        target = dest / f"{sid}+{parts['lesson']}+{parts['ts']}+{len(report.taken)}"
        target.mkdir()
        for name in sorted(os.listdir(sfd)):
            if not (name.endswith(".ipynb") or name in HANDIN_FILES or name == "submission_secret.txt"):
                continue
            data = _read_owned_file(name, sfd, uid)
            if data is None:
                report.refused.append(f"{user}: {entry}/{name} is not the learner's own file")
            elif name == "submission_secret.txt":
                found.setdefault(user, {}).setdefault(parts["lesson"], {})[parts["ts"]] = \
                    data.decode("utf-8", "replace")
            else:
                (target / name).write_bytes(data)
        report.taken.append(f"{user} ({sid}) {parts['lesson']} {parts['ts']}")
    finally:
        os.close(sfd)


def take_handins(layout: Layout, record: WorkshopRecord, dest: Path, report: ExchangeReport) -> dict:
    """Copy each learner's hand-ins from their own inbound folder into `dest`, named by their course id.

    A hand-in is taken only when its folder is in the learner's own inbound folder, is named for that learner
    (`<user>+<lesson>+<time>+<random>`), and the folder and every file taken belong to the learner's uid;
    links are never followed. Returns the submission secrets {user: {lesson: {time: secret}}} nbgrader uses to
    name feedback.
    """
    inbound = layout.inbound
    found: dict = {}
    lessons = set(record.lessons)
    for user, info in sorted(record.learners.items()):
        try:
            ufd = _open_dir(str(inbound / user))
        except OSError:
            continue
        try:
            if os.fstat(ufd).st_uid != info.uid:
                report.refused.append(f"{user}: the hand-in folder does not belong to the account")
                continue
            for entry in sorted(os.listdir(ufd)):
                _take_one(user, info, entry, ufd, lessons, dest, report, found)
        finally:
            os.close(ufd)
    return found


def collect_exchange(root: Path | None = None, course: Path | None = None) -> ExchangeReport:
    """Take every hand-in from the running workshop's exchange into its course (pathways collect)."""
    from ...instructor import workflow

    layout = Layout(workshop_root(root))
    record = load_record(layout.root)
    if record is None:
        raise WorkshopError(f"no workshop under {layout.root}")
    course = Path(course or record.course)
    report = ExchangeReport()
    with tempfile.TemporaryDirectory(prefix="pathways-exchange-") as tmp:
        os.chmod(tmp, 0o700)
        found = take_handins(layout, record, Path(tmp), report)
        secrets_file = layout.state / "secrets.json"
        known = json.loads(secrets_file.read_text()) if secrets_file.is_file() else {}
        for user, lessons in found.items():
            for lesson, by_time in lessons.items():
                known.setdefault(user, {}).setdefault(lesson, {}).update(by_time)
        write_atomically(secrets_file, json.dumps(known), mode=0o600)
        if report.taken:
            report.course = workflow.collect(tmp, course)
    return report


def return_feedback(root: Path | None = None) -> list[str]:
    """Put each learner's feedback pages (from `pathways feedback`) in their own feedback folder, named as nbgrader
    expects, for the hand-in that was graded. Returns what was done, one line each."""
    from nbgrader.utils import notebook_hash

    from ...instructor.ledger import Ledger

    layout = Layout(workshop_root(root))
    record = load_record(layout.root)
    if record is None:
        raise WorkshopError(f"no workshop under {layout.root}")
    course = Path(record.course)
    known = json.loads((layout.state / "secrets.json").read_text()) if (layout.state / "secrets.json").is_file() \
        else {}
    ledger = Ledger.load(course)
    lines = []
    for user, info in sorted(record.learners.items()):
        sid = info.sid
        for folder in sorted((courselib.CourseFolder(course).feedback / sid).glob("*")):
            sub = ledger.get(sid, folder.name)
            secret = known.get(user, {}).get(folder.name, {}).get(sub.timestamp if sub else "")
            if not secret:
                lines.append(f"{user} / {folder.name}: no hand-in through the exchange matches the graded one")
                continue
            dest = layout.feedback_boxes / user
            for page in sorted(folder.glob("*.html")):
                target = dest / f"{notebook_hash(secret=secret, notebook_id=page.stem)}.html"
                copy_atomically(page, target, mode=0o640, owner=(0, info.gid))
                lines.append(f"{user} / {folder.name}: feedback returned")
    return lines


def archive_exchange(layout: Layout, course: Path) -> Path | None:
    """Every raw hand-in of the exchange, as a tar.gz in the course folder (root only, 0600), with whose each
    account was (`course.ARCHIVE_LEARNERS`), so `pathways course purge` can take a learner's out of it."""
    inbound = layout.inbound
    if not inbound.is_dir():
        return None
    mkdir(courselib.CourseFolder(course).workshop, 0o700)
    path = courselib.CourseFolder(course).new_exchange_archive()
    record = load_record(layout.root)
    learners = {user: info.sid for user, info in record.learners.items()} if record else {}
    manifest = json.dumps(learners, indent=1, sort_keys=True).encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh, tarfile.open(fileobj=fh, mode="w:gz") as tar:
        info = tarfile.TarInfo(courselib.ARCHIVE_LEARNERS)
        info.size, info.mode, info.mtime = len(manifest), 0o600, int(datetime.now(UTC).timestamp())
        tar.addfile(info, io.BytesIO(manifest))
        tar.add(inbound, arcname="inbound", filter=lambda ti: ti if ti.isfile() or ti.isdir() else None)
    return path

