"""`pathways grade`: every new hand-in autograded, several at once, each in its own sandbox."""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from pathways import config
from pathways.files import RESPONSES_FILE, TIMESTAMP_FILE, write_atomically

from .. import course as course_mod
from . import gradebook
from .course_setup import check_lessons, course_root, db_url, lessons_dir, released_lessons
from .intake import uncollected
from .ledger import Ledger, locked, now

log = logging.getLogger("pathways.grading")


# --- grade --------------------------------------------------------------------------------------------

@dataclass
class GradeReport:
    """What a grading run did."""

    graded: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str, str]] = field(default_factory=list)  # (student, lesson, reason)
    flagged: list[tuple[str, str, str]] = field(default_factory=list)
    skipped: int = 0
    seconds: float = 0.0
    workers: int = 0
    isolation: str = ""
    warnings: list[str] = field(default_factory=list)
    backup: Path | None = None
    integrity: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The report, one line each."""
        n = len(self.graded) + len(self.failed)
        out = [f"Graded {len(self.graded)} notebook(s), {len(self.failed)} could not be graded, "
               f"{self.skipped} already up to date; {self.seconds:.1f} s on {self.workers} worker(s)."]
        if n:
            out.append(f"Isolation of student code: {self.isolation}.")
        out += [f"Warning: {w}" for w in self.warnings]
        if self.backup:
            out.append(f"Gradebook backed up to {self.backup}")
        for sid, lesson, why in self.failed:
            out.append(f"NOT GRADED {sid} / {lesson}: {why}")
        for sid, lesson, why in self.flagged:
            out.append(f"flagged {sid} / {lesson}: {why}")
        out.append("Gradebook integrity check: " + ("passed" if not self.integrity else "FAILED: "
                                                      + "; ".join(self.integrity)))
        return out


def _release_sources(release_nb: Path) -> dict[str, str]:
    nb = nbformat.read(release_nb, as_version=4)
    return {c.metadata["nbgrader"]["grade_id"]: c.source for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade_id")}


def _todo(ledger: Ledger, wanted: set[str], students: list[str] | None, force: bool,
          report: GradeReport) -> list[tuple[str, str, object]]:
    """The (student, lesson, submission) hand-ins to grade; those up to date are counted as skipped."""
    todo = []
    for sid, lesson, sub in ledger.entries():
        if lesson not in wanted or (students and sid not in students):
            continue
        if force or sub.needs_grading:
            todo.append((sid, lesson, sub))
        else:
            report.skipped += 1
    return todo


def _templates(root: Path, url: str, workroot: Path, lessons: set[str]) -> dict[str, Path]:
    """Per lesson, a scratch gradebook of its cells without model answers (never readable by a kernel)."""
    templates = {}
    (workroot / "templates").mkdir(mode=0o700)  # they hold hidden tests: never readable by a kernel
    for lesson in sorted(lessons):
        sources = {}
        for nb in sorted(course_mod.CourseFolder(root).released(lesson).glob("*.ipynb")):
            sources.update(_release_sources(nb))
        templates[lesson] = gradebook.make_template(url, lesson, workroot / "templates" / f"{lesson}.db", sources)
    return templates


def _merge_result(result, root: Path, url: str, ledger: Ledger, report: GradeReport) -> None:
    """Record one graded (or failed) hand-in: gradebook, autograded copy, ledger, report."""
    from ..sandbox.job import copy_back

    sub = ledger.get(result.student, result.lesson)
    flags = list(dict.fromkeys(sub.collect_flags + result.flags))
    names = {"last_name": ledger.name(result.student)} if ledger.name(result.student) != result.student else {}
    places = course_mod.CourseFolder(root)
    dest = places.graded(result.student, result.lesson)
    if result.graded:
        gradebook.merge(url, result.lesson, result.student, result.outcome, names)
        files = [p.name for p in places.released(result.lesson).glob("*.ipynb")]
        copy_back(result, dest, files + [RESPONSES_FILE, TIMESTAMP_FILE])
        sub.status = "graded"
        report.graded.append((result.student, result.lesson))
    else:
        gradebook.merge(url, result.lesson, result.student, gradebook.zero_outcome(url, result.lesson), names)
        if dest.exists():
            shutil.rmtree(dest)  # never give feedback on an older version
        sub.status = "failed"
        report.failed.append((result.student, result.lesson, "; ".join(result.flags) or "unknown"))
    sub.flags = flags
    sub.graded_sha256 = sub.sha256
    if flags and result.graded:
        report.flagged.append((result.student, result.lesson, "; ".join(flags)))
    ledger.save()
    if result.jobdir:
        shutil.rmtree(result.jobdir, ignore_errors=True)
    if result.log and not result.graded:
        log.info("log of %s/%s:\n%s", result.student, result.lesson, result.log[-4000:])


def _choose_isolation(root: Path, workroot: Path, isolation: str, run_learner_code: bool,
                      accept_weaker_isolation: bool, notify: Callable[[list[str]], None] | None):
    """The jail for this run and its warnings; a weaker one is said before grading (or refused)."""
    from ..sandbox.parallel import choose_jail, isolation_notice

    hide = [root, lessons_dir(), course_mod.LESSONS, course_mod.REPO / "build", course_mod.REPO / "workspace"]
    jail, warnings = choose_jail(hide, workroot, isolation)
    notice = isolation_notice(jail, warnings, run_learner_code, accept_weaker_isolation)  # may refuse
    if notice:
        (notify or (lambda lines: log.warning("\n".join(lines))))(notice)
        warnings = [f"grading kernels were NOT fully isolated ({jail.description})", *warnings]
    return jail, warnings


def _run_todo(root: Path, url: str, ledger: Ledger, todo: list, report: GradeReport, options: dict):
    """Grade the hand-ins in a fresh work folder (removed after); return the jail used."""
    from ..sandbox.job import Job
    from ..sandbox.parallel import release_uids, run_jobs

    workroot = Path(tempfile.mkdtemp(prefix="pathways-grade-"))
    os.chmod(workroot, 0o711)
    try:
        jail, warnings = _choose_isolation(root, workroot, options["isolation"], options["run_learner_code"],
                                           options["accept_weaker_isolation"], options["notify"])
        report.isolation = jail.description
        report.backup = gradebook.backup(url, course_mod.CourseFolder(root).backups)
        if gradebook.sqlite_path(url) is None:
            report.warnings.append("the gradebook is on a database server: back it up with its own tools "
                                   "(e.g. pg_dump) before grading")
        report.warnings += warnings
        templates = _templates(root, url, workroot, {lesson for _, lesson, _ in todo})
        places = course_mod.CourseFolder(root)
        job_list = [Job(sid, lesson, places.handed_in(sid, lesson), places.released(lesson),
                        templates[lesson], workroot, options["timeout"], options["run_learner_code"])
                    for sid, lesson, _ in todo]
        report.workers = max(1, min(options["jobs"] or os.cpu_count() or 1, len(job_list)))
        run_jobs(job_list, report.workers, jail, workroot,
                 lambda result: _merge_result(result, root, url, ledger, report), progress=options["progress"])
    finally:
        release_uids()
        shutil.rmtree(workroot, ignore_errors=True)
    return jail


def grade(course: str | Path | None = None, lessons: list[str] | None = None, students: list[str] | None = None,
          force: bool = False, jobs: int | None = None, timeout: int | None = None, run_learner_code: bool = False,
          isolation: str = "auto", progress: bool = True, accept_weaker_isolation: bool = False,
          notify: Callable[[list[str]], None] | None = None) -> GradeReport:
    """Autograde every new hand-in, in parallel, each in its own sandbox; merge scores into the gradebook.

    The gradebook is backed up first and integrity-checked after. A hand-in that cannot be graded
    scores 0 and is flagged with the reason; every other one is still graded. If the sandbox is
    weaker than the full one, that is said (to `notify`, before grading starts; else logged) and recorded, and
    learner code is refused (parallel.WeakIsolation) unless accept_weaker_isolation.
    """
    start = time.monotonic()
    root = course_root(course)
    url = db_url(root)
    report = GradeReport()
    timeout = int(timeout or config.current().cell_timeout)
    with locked(root):
        ledger = Ledger.load(root)
        wanted = set(check_lessons(lessons, released_lessons(root)))
        if students:
            students = [ledger.student_id(s) for s in students]
        stray = uncollected(root)
        if stray:
            report.warnings.append(f"{len(stray)} hand-in(s) in submitted/ were never collected, so they are not "
                                   f"graded ({', '.join(f'{s}/{les}' for s, les in stray[:5])}): run `pathways "
                                   "collect` to import them")
        todo = _todo(ledger, wanted, students, force, report)
        if not todo:
            report.integrity = gradebook.integrity_problems(url) if gradebook.sqlite_path(url) is None or \
                gradebook.sqlite_path(url).exists() else []
            report.seconds = time.monotonic() - start
            return report
        jail = _run_todo(root, url, ledger, todo, report, {
            "isolation": isolation, "run_learner_code": run_learner_code, "notify": notify, "jobs": jobs,
            "accept_weaker_isolation": accept_weaker_isolation, "timeout": timeout, "progress": progress})
        report.integrity = gradebook.integrity_problems(url)
        write_atomically(course_mod.CourseFolder(root).last_grade, json.dumps({
            "when": now(), "isolation": report.isolation, "warnings": report.warnings,
            "graded": len(report.graded), "failed": len(report.failed), "backup": str(report.backup or ""),
            "integrity": report.integrity, "run_learner_code": run_learner_code, "timeout": timeout,
            "fully_isolated": jail.full, "accepted_weaker_isolation": accept_weaker_isolation}, indent=1))
    report.seconds = time.monotonic() - start
    return report
