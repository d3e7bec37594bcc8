"""The instructor's workflow, from a folder of hand-ins to grades, feedback and a class report.

    pathways course init --roster class.csv     # once: the course folder, gradebook and lessons
    pathways collect ~/Downloads/submissions.zip
    pathways grade                              # everything new, on every core, in sandboxes
    pathways feedback
    pathways export                             # grades.csv
    pathways report                             # report.html

Each command (grading/cli.py) is a thin layer over a function of this module (init_course, collect,
grade, feedback, export, report), which tests call directly. The course folder is --course, else
$PATHWAYS_COURSE, else build/course; the gradebook is SQLite in the course folder unless
$PATHWAYS_DB_URL names another database: for a course with several graders, a PostgreSQL URL
such as postgresql+psycopg2://grader@127.0.0.1/pathways (name the driver: SQLAlchemy 2.1 reads a
bare postgresql:// as psycopg 3; psycopg2-binary is in the test extras). The same variable is read
by grading/instructor/nbgrader_config.py, so plain nbgrader commands use the same gradebook.
"""

from __future__ import annotations

import csv
import html
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .. import course as course_mod
from . import gradebook
from .collect import CollectReport
from .collect import collect as _collect
from .ledger import Learner, Ledger, locked, now

log = logging.getLogger("pathways.grading")


# --- where things are ---------------------------------------------------------------------------------

def course_root(course: str | Path | None = None) -> Path:
    """The course folder in force (and nbgrader's helper tools put on PATH, as nbgrader shells out to alembic)."""
    tools = str(Path(sys.executable).parent)
    if tools not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = tools + os.pathsep + os.environ.get("PATH", "")
    return course_mod.course_dir(course)


def db_url(course: str | Path | None = None) -> str:
    """The gradebook's database URL: $PATHWAYS_DB_URL, else SQLite in the course folder (as in the config)."""
    return os.environ.get("PATHWAYS_DB_URL") or f"sqlite:///{course_root(course) / 'gradebook.db'}"


def lessons_dir() -> Path:
    """The lessons folder in force ($PATHWAYS_LESSONS, else lessons/)."""
    return Path(os.environ.get("PATHWAYS_LESSONS") or course_mod.LESSONS).resolve()


def all_lessons() -> list[str]:
    """Every lesson in the lessons folder, in teaching order."""
    folder = lessons_dir()
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and (p / "lesson.ipynb").is_file())


def released_lessons(course: str | Path | None = None) -> list[str]:
    """The lessons released in this course (with a release folder holding a notebook)."""
    rel = course_root(course) / "release"
    return sorted(p.name for p in rel.iterdir() if p.is_dir() and any(p.glob("*.ipynb"))) if rel.is_dir() else []


def _check_lessons(lessons: list[str] | None, known: list[str]) -> list[str]:
    if not lessons:
        return known
    unknown = [lesson for lesson in lessons if lesson not in known]
    if unknown:
        raise ValueError(f"unknown lesson(s) {', '.join(unknown)}; known: {', '.join(known) or 'none'}")
    return lessons


# --- course init and release --------------------------------------------------------------------------

_ROSTER_COLUMNS = {
    "id": ("id", "student_id", "student id", "studentid", "username", "user", "user_id", "userid", "login",
           "hub user", "jupyterhub user"),
    "email": ("email", "e-mail", "mail", "email address", "e-mail address"),
    "name": ("name", "full name", "full_name", "fullname", "student name", "display name", "student"),
    "first": ("first name", "first_name", "given name", "given_name", "firstname"),
    "last": ("last name", "last_name", "family name", "family_name", "surname", "lastname"),
}


def _header_key(cell: str) -> str:
    return " ".join(cell.replace("\ufeff", "").strip().lower().split())


def read_roster(path: Path) -> list[Learner]:
    """The class list: a CSV whose header names any of id, email, name columns (any case, a BOM is fine;
    'first name' + 'last name' make a name), or else one name (or id) a line.

    A value in a plain list is a name; one that is a safe id (`ana`, `student07`) is used as the id as it is.
    """
    text = Path(path).read_text(encoding="utf-8-sig")
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return []
    header = [_header_key(h) for h in next(csv.reader([lines[0]]))]
    cols = {}
    for field_, names in _ROSTER_COLUMNS.items():
        for name in names:
            if name in header:
                cols[field_] = header.index(name)
                break
    if not cols:
        return [Learner(name=line.strip().lstrip("\ufeff")) for line in lines]
    out = []
    for row in csv.reader(lines[1:]):
        def get(key, row=row):
            col = cols.get(key)
            return row[col].strip() if col is not None and col < len(row) else ""
        name = get("name") or " ".join(x for x in (get("first"), get("last")) if x)
        entry = Learner(id=get("id"), email=get("email"), name=name)
        if entry.id or entry.email or entry.name:
            out.append(entry)
    return out


@dataclass
class InitReport:
    """What `course init` did."""

    root: Path
    released: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    roster: int = 0
    warnings: list[str] = field(default_factory=list)  # about the class list: same names, entries twice


def init_course(course: str | Path | None = None, roster: str | Path | None = None,
                release: bool = True) -> InitReport:
    """Create (or complete) a course folder: private folders, gradebook, class list, released lessons.

    A lesson that fails to release is reported and the others are still released.
    """
    from nbgrader.api import Gradebook

    root = course_root(course)
    rep = InitReport(root)
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o700)  # hand-ins and grades are personal data: the instructor's eyes only
    for sub in ("submitted", "autograded", "feedback", "pathways"):
        (root / sub).mkdir(exist_ok=True)
    with locked(root):
        if release:
            for lesson in all_lessons():
                try:
                    course_mod.release([lesson], course=root)
                    rep.released.append(lesson)
                except RuntimeError as exc:
                    rep.problems.append(f"{lesson} could not be released: {str(exc).strip().splitlines()[-1]}")
        ledger = Ledger.load(root)
        ids, rep.warnings = ledger.add_roster(read_roster(Path(roster))) if roster else ([], [])
        with Gradebook(db_url(root), "pathways") as gb:
            for sid in ids:
                info = ledger.students[sid]
                details = {"last_name": info["name"]} if info["name"] != sid else {}
                if info.get("email"):
                    details["email"] = info["email"]
                gb.update_or_create_student(sid, **details)
        rep.roster = len(ids)
        ledger.save()
    return rep


def release_lessons(lessons: list[str] | None = None, course: str | Path | None = None) -> list[Path]:
    """Generate the learners' version of some or all lessons in the course."""
    return course_mod.release(_check_lessons(lessons, all_lessons()), course=course_root(course))


# --- collect ------------------------------------------------------------------------------------------

def collect(path: str | Path, course: str | Path | None = None, lesson: str | None = None,
            strict_roster: bool = False) -> CollectReport:
    """Import hand-ins from a folder or zip into the course (see pathways.grading.instructor.collect)."""
    root = course_root(course)
    with locked(root):
        return _collect(Path(path), root, released_lessons(root), forced_lesson=lesson, strict_roster=strict_roster)


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
    from ..sandbox.job import Job, copy_back
    from ..sandbox.parallel import choose_jail, isolation_notice, run_jobs

    start = time.monotonic()
    root = course_root(course)
    url = db_url(root)
    report = GradeReport()
    timeout = int(timeout or os.environ.get("PATHWAYS_CELL_TIMEOUT") or 60)
    with locked(root):
        ledger = Ledger.load(root)
        known = released_lessons(root)
        wanted = set(_check_lessons(lessons, known))
        if students:
            students = [ledger.student_id(s) for s in students]
        todo = []
        for sid, lesson, sub in ledger.entries():
            if lesson not in wanted or (students and sid not in students):
                continue
            if force or sub.needs_grading:
                todo.append((sid, lesson, sub))
            else:
                report.skipped += 1
        if not todo:
            report.integrity = gradebook.integrity_problems(url) if gradebook.sqlite_path(url) is None or \
                gradebook.sqlite_path(url).exists() else []
            report.seconds = time.monotonic() - start
            return report
        workroot = Path(tempfile.mkdtemp(prefix="pathways-grade-"))
        os.chmod(workroot, 0o711)
        try:
            hide = [root, lessons_dir(), course_mod.LESSONS, course_mod.REPO / "build", course_mod.REPO / "workspace"]
            jail, warnings = choose_jail(hide, workroot, isolation)
            notice = isolation_notice(jail, warnings, run_learner_code, accept_weaker_isolation)  # may refuse
            if notice:
                (notify or (lambda lines: log.warning("\n".join(lines))))(notice)
                warnings = [f"grading kernels were NOT fully isolated ({jail.description})", *warnings]
            report.isolation = jail.description
            report.backup = gradebook.backup(url, root / "pathways" / "backups")
            if gradebook.sqlite_path(url) is None:
                report.warnings.append("the gradebook is on a database server: back it up with its own tools "
                                       "(e.g. pg_dump) before grading")
            report.warnings += warnings
            templates = {}
            (workroot / "templates").mkdir(mode=0o700)  # they hold hidden tests: never readable by a kernel
            for lesson in sorted({lesson for _, lesson, _ in todo}):
                release_nbs = sorted((root / "release" / lesson).glob("*.ipynb"))
                sources = {}
                for nb in release_nbs:
                    sources.update(_release_sources(nb))
                templates[lesson] = gradebook.make_template(url, lesson, workroot / "templates" / f"{lesson}.db",
                                                            sources)
            job_list = [Job(sid, lesson, root / "submitted" / sid / lesson, root / "release" / lesson,
                            templates[lesson], workroot, timeout, run_learner_code) for sid, lesson, _ in todo]
            report.workers = max(1, min(jobs or os.cpu_count() or 1, len(job_list)))

            def on_result(result):
                sub = ledger.get(result.student, result.lesson)
                flags = list(dict.fromkeys(sub.collect_flags + result.flags))
                names = {"last_name": ledger.name(result.student)} \
                    if ledger.name(result.student) != result.student else {}
                dest = root / "autograded" / result.student / result.lesson
                if result.graded:
                    gradebook.merge(url, result.lesson, result.student, result.outcome, names)
                    files = [p.name for p in (root / "release" / result.lesson).glob("*.ipynb")]
                    copy_back(result, dest, files + ["responses.json", "timestamp.txt"])
                    sub.status = "graded"
                    report.graded.append((result.student, result.lesson))
                else:
                    gradebook.merge(url, result.lesson, result.student, gradebook.zero_outcome(url, result.lesson),
                                    names)
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

            run_jobs(job_list, report.workers, jail, workroot, on_result, progress=progress)
        finally:
            from ..sandbox.parallel import release_uids

            release_uids()
            shutil.rmtree(workroot, ignore_errors=True)
        report.integrity = gradebook.integrity_problems(url)
        (root / "pathways" / "last-grade.json").write_text(json.dumps({
            "when": now(), "isolation": report.isolation, "warnings": report.warnings,
            "graded": len(report.graded), "failed": len(report.failed), "backup": str(report.backup or ""),
            "integrity": report.integrity, "run_learner_code": run_learner_code, "timeout": timeout,
            "fully_isolated": jail.full, "accepted_weaker_isolation": accept_weaker_isolation}, indent=1))
    report.seconds = time.monotonic() - start
    return report


# --- feedback -----------------------------------------------------------------------------------------

HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)


def hidden_snippets(url: str, lesson: str) -> list[str]:
    """Every line of hidden test code of a lesson (from the gradebook), to check feedback against."""
    from nbgrader.api import Gradebook

    lines = []
    with Gradebook(url) as gb:
        for nb in gb.find_assignment(lesson).notebooks:
            for cell in nb.source_cells:
                for block in HIDDEN.findall(cell.source or ""):
                    lines += [line.strip() for line in block.splitlines() if len(line.strip()) >= 6]
    return lines


def leaks(html_text: str, snippets: list[str]) -> list[str]:
    """Hidden test lines that appear in a feedback page (raw or HTML-escaped)."""
    found = []
    for line in snippets:
        if line in html_text or html.escape(line) in html_text or html.escape(line, quote=False) in html_text:
            found.append(line)
    return found


@dataclass
class FeedbackReport:
    """What `feedback` produced."""

    files: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The report, one line each."""
        return [f"Feedback written for {len(self.files)} notebook(s)."] + [f"Problem: {p}" for p in self.problems]


#: A feedback job renders at least this many learners' pages (nbgrader's own start-up costs about as much as
#: rendering two or three pages, so smaller jobs would not pay for themselves).
FEEDBACK_CHUNK = 4


def _feedback_jobs(root: Path, lessons: list[str]) -> list[tuple[str, list[str]]]:
    """(lesson, extra nbgrader arguments) jobs that together render every graded learner's feedback, a lesson's
    learners split over the cores, so a class's feedback is ready in a fraction of one nbgrader run per lesson.
    Each job leaves out the learners of the other jobs (nbgrader's `student_id_exclude`)."""
    cores = os.cpu_count() or 1
    jobs = []
    for lesson in lessons:
        students = sorted(p.parent.name for p in (root / "autograded").glob(f"*/{lesson}"))
        parts = max(1, min(cores, len(students) // FEEDBACK_CHUNK))
        if parts == 1 or any("," in s for s in students):
            jobs.append((lesson, []))
            continue
        chunks = [students[i::parts] for i in range(parts)]
        for chunk in chunks:
            others = sorted(set(students) - set(chunk))
            jobs.append((lesson, [f"--CourseDirectory.student_id_exclude={','.join(others)}"]))
    return jobs


def feedback(course: str | Path | None = None, lessons: list[str] | None = None) -> FeedbackReport:
    """Generate feedback HTML for every graded hand-in, and prove none shows a hidden test.

    A feedback page that quotes a hidden test line is deleted and reported, never left for a learner.
    """
    root = course_root(course)
    url = db_url(root)
    report = FeedbackReport()
    wanted = _check_lessons(lessons, released_lessons(root))
    todo = [lesson for lesson in wanted if any((root / "autograded").glob(f"*/{lesson}"))]
    with locked(root):
        # A hand-in that could not be graded this time must not keep the feedback of an older version.
        for sid, lesson, sub in Ledger.load(root).entries():
            stale = root / "feedback" / sid / lesson
            if lesson in wanted and sub.status == "failed" and stale.exists():
                shutil.rmtree(stale)
                report.problems.append(f"{sid} / {lesson}: not graded, so its earlier feedback was removed")
        jobs = _feedback_jobs(root, todo)
        with ThreadPoolExecutor(max_workers=max(1, min(len(jobs), os.cpu_count() or 1))) as pool:
            runs = list(zip(jobs, pool.map(lambda job: course_mod.nbgrader(
                "generate_feedback", job[0], "--force", *job[1], course=root), jobs), strict=True))
        for (lesson, _), run in runs:
            if not run.ok:
                report.problems.append(f"{lesson}: nbgrader generate_feedback reported a problem "
                                       f"(others still written): {run.output.strip().splitlines()[-1:]}")
        for lesson in todo:
            snippets = hidden_snippets(url, lesson)
            for page in sorted((root / "feedback").glob(f"*/{lesson}/*.html")):
                found = leaks(page.read_text(encoding="utf-8", errors="replace"), snippets)
                if found:
                    page.unlink()
                    report.problems.append(f"{page}: showed hidden test code ({found[0]!r}): deleted")
                else:
                    report.files.append(page)
    return report


# --- export -------------------------------------------------------------------------------------------

def _cell(value) -> str:
    text = "" if value is None else str(value)
    # A name starting with = + - @ would run as a formula in a spreadsheet.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def flags_text(ledger: Ledger, sid: str) -> str:
    """Every flag of one student, as 'lesson: reason; ...'."""
    parts = []
    for lesson, sub in sorted(ledger.submissions.get(sid, {}).items()):
        prefix = f"{lesson}: NOT GRADED - " if sub.status == "failed" else f"{lesson}: "
        reasons = sub.flags if sub.status != "new" else sub.collect_flags + ["collected, not graded yet"]
        if reasons:
            parts.append(prefix + ", ".join(reasons))
    for record in ledger.unassigned_for(sid):
        others = [c for c in record["candidates"] if c != sid]
        parts.append(f"{record['lesson']}: a hand-in named {record['label']!r} may be theirs (or "
                     f"{', '.join(others)}'s): set aside, not graded - rename it to the id and collect again "
                     f"({record['archive']})")
    return "; ".join(parts)


#: The columns of each lesson in grades.csv after the lesson's own (nbgrader's raw total), by suffix.
EXPORT_COLUMNS = ("max", "adjusted", "adjusted max", "excused")


def _num(value: float) -> str:
    return f"{round(value, 4):g}"


def export(course: str | Path | None = None, out: str | Path | None = None) -> Path:
    """Write the grades CSV: one row per student; per lesson, nbgrader's raw total (the lesson's own column) and
    maximum, the adjusted total and maximum (items skipped for wellbeing left out of both) and the number of
    skipped items (never which one, never why); then a flags column."""
    root = course_root(course)
    out = Path(out) if out else root / "grades.csv"
    ledger = Ledger.load(root)
    url = db_url(root)
    table = gradebook.scores(url)
    adjusted = gradebook.adjusted_scores(url, root, table)
    lessons = released_lessons(root)
    students = sorted(set(ledger.students) | {sid for sid, _ in table})
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["student_id", "name",
                         *[c for les in lessons for c in (les, *(f"{les} {s}" for s in EXPORT_COLUMNS))], "flags"])
        for sid in students:
            row = [sid, ledger.name(sid)]
            unread = []
            for lesson in lessons:
                adj = adjusted.get((sid, lesson))
                if adj is None:
                    row += [""] * (1 + len(EXPORT_COLUMNS))
                    continue
                row += [_num(adj.raw), _num(adj.raw_max), _num(adj.score), _num(adj.max), str(adj.excused)]
                if adj.problem:
                    unread.append(f"{lesson}: skips for wellbeing could not be read ({adj.problem}), none applied")
            row.append("; ".join(p for p in [flags_text(ledger, sid), *unread] if p))
            writer.writerow([_cell(v) for v in row])
    return out


# --- report -------------------------------------------------------------------------------------------

def report(course: str | Path | None = None, out: str | Path | None = None, names: bool = False) -> Path:
    """Write the class report (one self-contained HTML file, plus its PNG figures beside it)."""
    from .report import build_report

    root = course_root(course)
    out = Path(out) if out else root / "report.html"
    return build_report(root, db_url(root), out, released_lessons(root), names=names)
