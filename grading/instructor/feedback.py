"""`pathways feedback`: a feedback page per graded hand-in, each proved free of hidden test code.

nbgrader renders the pages in this process, through its Python API, one call per learner and lesson (so one
learner's failure is reported as theirs and the class's other pages are still written). Rendering is CPU-bound,
so a class's learners are shared among worker processes forked from this one: they inherit nbgrader already
imported and configured, where a `python -m nbgrader` job per core paid an interpreter and nbgrader's imports.
"""

from __future__ import annotations

import glob
import html
import multiprocessing
import os
import re
import shutil
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from .. import course as course_mod
from .course_folder import _check_lessons, course_root, db_url, released_lessons
from .ledger import Ledger, locked

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


#: A worker process renders at least this many learners' pages (forking one, and its first page, cost about as
#: much as two or three pages, so fewer would not pay for themselves).
FEEDBACK_CHUNK = 4

#: The NbGraderAPI the forked workers inherit (set in the parent just before they are forked).
_API: dict = {}


def _feedback_jobs(root: Path, lessons: list[str]) -> list[tuple[str, str]]:
    """(lesson, learner) for every graded hand-in of these lessons, a lesson's learners in order."""
    return [(lesson, p.parent.name) for lesson in lessons for p in sorted((root / "autograded").glob(f"*/{lesson}"))]


def _workers(jobs: list[tuple[str, str]]) -> int:
    """How many processes render feedback: one per core, each with at least FEEDBACK_CHUNK pages to render."""
    return max(1, min(os.cpu_count() or 1, len(jobs) // FEEDBACK_CHUNK))


def _render(job: tuple[str, str]) -> str | None:
    """Render one learner's feedback for one lesson (in a worker, or in this process); why not, or None."""
    lesson, student = job
    try:
        answer = _API["api"].generate_feedback(lesson, student_id=glob.escape(student), force=True)
    except Exception as exc:  # noqa: BLE001 - one learner's failure never stops the class
        return f"{exc.__class__.__name__}: {exc}"
    return None if answer.get("success") else course_mod.api_problem(answer)


def render_feedback(root: Path, jobs: list[tuple[str, str]]) -> list[str | None]:
    """Render every (lesson, learner)'s pages through nbgrader's API; for each job, why it failed, or None.

    Several jobs are shared among worker processes forked from this one ("fork": no worker imports nbgrader or
    loads the configuration again); a worker that dies fails only the jobs it had not finished.
    """
    _API["api"] = course_mod.nbgrader_api(root)
    try:
        workers = _workers(jobs)
        if workers == 1:
            return [_render(job) for job in jobs]
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
        with pool:
            futures = [pool.submit(_render, job) for job in jobs]
        out = []
        for future in futures:
            try:
                out.append(future.result())
            except BrokenProcessPool:
                out.append("the feedback worker stopped unexpectedly")
        return out
    finally:
        _API.clear()


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
        for (lesson, sid), problem in zip(jobs, render_feedback(root, jobs), strict=True):
            if problem:
                report.problems.append(f"{sid} / {lesson}: nbgrader could not write the feedback "
                                       f"(the others are written): {problem}")
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
