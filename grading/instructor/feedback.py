"""`pathways feedback`: a page per graded hand-in that a learner can read, each proved free of hidden test code.

Each page is built from the lesson's released files, the learner's graded response records and the gradebook
(feedback_page.py), not from a rendering of the notebook: no code cells, no grade ids, nothing loaded from
elsewhere. A page is written as `feedback/<id>/<lesson>/<notebook>.html`, where nbgrader keeps feedback, so
`pathways workshop return` hands it back through the exchange. Feedback explains every answer, so while a lesson
still takes hand-ins it would give the keys away: a lesson is open until its due date (`pathways release --due`)
has passed, and feedback on an open lesson is written with a warning unless `--final` says hand-ins are closed.
"""

from __future__ import annotations

import html
import re
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ..course import CourseFolder
from . import excusal_totals, feedback_page, gradebook
from .course_setup import check_lessons, course_root, db_url, released_lessons
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
    awaiting: int = 0  # reflections shown as awaiting grading
    open_lessons: list[str] = field(default_factory=list)  # lessons still taking hand-ins (no --final)

    def lines(self) -> list[str]:
        """The report, one line each."""
        out = [f"Feedback written for {len(self.files)} notebook(s)."]
        if self.awaiting:
            out.append(f"{self.awaiting} reflection(s) await grading: their pages say so. Grade them with "
                       "`pathways formgrader`, then run `pathways feedback` again.")
        if self.open_lessons:
            out.append(f"Warning: {', '.join(self.open_lessons)} may still take hand-ins (no due date has passed: "
                       "`pathways release LESSON --due DATE`). Feedback explains every answer, so a learner who has "
                       "not handed in yet could copy them: hold these pages back until hand-ins close, or run "
                       "`pathways feedback --final` once they have.")
        return out + [f"Problem: {p}" for p in self.problems]


def open_lessons(url: str, lessons: list[str], now: datetime | None = None) -> list[str]:
    """The lessons still open for hand-ins: no due date in the gradebook, or one not yet passed."""
    from nbgrader.api import Gradebook, MissingEntry

    now = now or datetime.now(UTC)
    out = []
    with Gradebook(url) as gb:
        for lesson in lessons:
            try:
                due = gb.find_assignment(lesson).duedate
            except MissingEntry:
                due = None
            if due is None or (due if due.tzinfo else due.replace(tzinfo=UTC)) > now:
                out.append(lesson)
    return out


def _write_page(root: Path, url: str, sid: str, lesson: str, entry: dict, items_of: dict) -> tuple[Path, int]:
    """Build and write one learner's page for a lesson; the page and how many items on it await grading."""
    places = CourseFolder(root)
    release, graded = places.released(lesson), places.graded(sid, lesson)
    responses = places.graded_responses(sid, lesson)
    excused, problem = excusal_totals.excusals_of(responses)
    totals = excusal_totals.adjust(entry, items_of, excused, problem)
    notebook = feedback_page.lesson_notebook(release)
    page = feedback_page.build(release, responses, graded / notebook.name, entry, items_of, set(excused), totals,
                               lesson)
    dest = places.feedback_of(sid, lesson) / f"{notebook.stem}.html"
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(feedback_page.render(page), encoding="utf-8")
    return dest, totals.pending


def feedback(course: str | Path | None = None, lessons: list[str] | None = None, final: bool = False) -> FeedbackReport:
    """Write a feedback page for every graded hand-in, and prove none shows a hidden test.

    A feedback page that quotes a hidden test line is deleted and reported, never left for a learner. Lessons
    still open for hand-ins (see the module docstring) are named in a warning unless `final`.
    """
    root = course_root(course)
    url = db_url(root)
    report = FeedbackReport()
    wanted = check_lessons(lessons, released_lessons(root))
    places = CourseFolder(root)
    with locked(root):
        ledger = Ledger.load(root)
        # A hand-in that could not be graded this time must not keep the feedback of an older version.
        for sid, lesson, sub in ledger.entries():
            stale = places.feedback_of(sid, lesson)
            if lesson in wanted and sub.status == "failed" and stale.exists():
                shutil.rmtree(stale)
                report.problems.append(f"{sid} / {lesson}: not graded, so its earlier feedback was removed")
        missing = set()
        for sid, lesson, sub in ledger.entries():
            if lesson not in wanted or sub.status != "graded":
                continue
            graded = places.graded(sid, lesson) / feedback_page.lesson_notebook(places.released(lesson)).name
            if not graded.is_file():
                missing.add((sid, lesson))
                report.problems.append(f"{sid} / {lesson}: its graded copy is missing (the formgrader's Autograde "
                                       f"button drops it), so it has no page: run `pathways grade --force "
                                       f"--student {sid}`, then `pathways feedback` again")
        table = gradebook.scores(url)
        todo = [les for les in wanted if any(places.autograded.glob(f"*/{les}"))]
        for lesson in todo:
            items_of = excusal_totals.cell_items(url, lesson, places.released(lesson))
            snippets = hidden_snippets(url, lesson)
            for folder in sorted(places.autograded.glob(f"*/{lesson}")):
                sid = folder.parent.name
                if (sid, lesson) not in table or (sid, lesson) in missing:
                    continue
                try:
                    page, pending = _write_page(root, url, sid, lesson, table[(sid, lesson)], items_of)
                except Exception as exc:  # noqa: BLE001 - one learner's page never stops the class's
                    report.problems.append(f"{sid} / {lesson}: the feedback page could not be written (the others "
                                           f"are written): {exc.__class__.__name__}: {exc}")
                    continue
                found = leaks(page.read_text(encoding="utf-8"), snippets)
                if found:
                    page.unlink()
                    report.problems.append(f"{page}: showed hidden test code ({found[0]!r}): deleted")
                    continue
                report.files.append(page)
                report.awaiting += pending
        if not final:
            report.open_lessons = open_lessons(url, todo)
    return report
