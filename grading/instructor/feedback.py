"""`pathways feedback`: a feedback page per graded hand-in, each proved free of hidden test code."""

from __future__ import annotations

import html
import os
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
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
