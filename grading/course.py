"""The course layout, built on `pathways.config`: which course folder, lessons folder and gradebook are in force,
and `CourseFolder`, the one builder of every path inside a course folder (no other module joins one by hand:
tests/unit/test_course_paths.py scans for it). Running nbgrader on the course is grading/nbgrader_run.py's.

**Adding a place that holds something about one learner** (a survey, a piece of evidence) is one line: its path
template in `CourseFolder.LEARNER_PLACES`, e.g. `"pathways/surveys/{learner}.json"` or `"pathways/evidence/
{learner}"` (a file or a folder; `{learner}` is the learner's id). `pathways course purge` walks that list: it finds
the place for one learner and for everyone, lists it in its preview and removes it (tests/grading/test_purge.py
proves a place added only there is purged). Give it an accessor beside the others when code writes there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pathways import config
from pathways.config import shipped_lessons
from pathways.files import LESSON_NOTEBOOK, RESPONSES_FILE

GRADING = Path(__file__).resolve().parent
#: The checkout (or site-packages) folder holding the package; never a default for a folder of the course.
REPO = GRADING.parent
#: The lessons shipped with Pathways (the default lessons folder; `lessons_dir()` is the one in force).
LESSONS = shipped_lessons()


def course_dir(course: str | Path | None = None) -> Path:
    """The course folder in force (argument, else the configured one: PATHWAYS_COURSE, else build/course)."""
    return Path(course or config.current().course).resolve()


def lessons_dir() -> Path:
    """The lessons folder in force (PATHWAYS_LESSONS, else the shipped lessons)."""
    return Path(config.current().lessons).resolve()


def lesson_ids(lessons: str | Path | None = None) -> list[str]:
    """Every lesson (nbgrader assignment) in the lessons folder in force (or `lessons`), in teaching order."""
    folder = Path(lessons) if lessons else lessons_dir()
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and (p / LESSON_NOTEBOOK).is_file())


def db_url(course: str | Path | None = None) -> str:
    """The gradebook's database URL: the configured one (PATHWAYS_DB_URL), else SQLite in the course folder."""
    return config.current().db_url or f"sqlite:///{CourseFolder(course_dir(course)).sqlite_gradebook}"


#: nbgrader's course id (nbgrader_config.py, the workshop's exchange; a gradebook opened with another would gain
#: a course row).
COURSE_ID = "pathways"
#: nbgrader's per-learner stages of a course folder: `<stage>/<learner id>/<lesson>/`.
SUBMITTED, AUTOGRADED, FEEDBACK = "submitted", "autograded", "feedback"
LEARNER_STAGES = (SUBMITTED, AUTOGRADED, FEEDBACK)
#: Pathways' own folder in a course folder (instructor only).
PRIVATE = "pathways"
#: The member of an exchange archive mapping each learner account to its learner id.
ARCHIVE_LEARNERS = "learners.json"
#: Set-aside hand-ins (matching several learners by name) are archived under this name, never a safe id.
UNASSIGNED = "_unassigned"


@dataclass(frozen=True)
class CourseFolder:
    """Where everything in a course folder is. `LEARNER_PLACES` lists every place that holds something about one
    learner, so that `pathways course purge` finds them all (add a new place there: see the module docstring)."""

    root: Path

    #: Every place holding one learner's data, `{learner}` standing for their id: a folder or a file. Purge walks
    #: these (for one learner, and with `*` for everyone); one line each.
    LEARNER_PLACES = (
        f"{SUBMITTED}/{{learner}}",  # hand-ins as collected, <lesson>/ inside
        f"{AUTOGRADED}/{{learner}}",  # graded copies
        f"{FEEDBACK}/{{learner}}",  # feedback pages
        f"{PRIVATE}/archive/{{learner}}",  # replaced and duplicate hand-ins; set-aside ones under UNASSIGNED
        f"{PRIVATE}/staging/{{learner}}",  # a hand-in half imported (left only by a crash)
        f"{PRIVATE}/evaluation/answers/{{learner}}",  # pre-/post-/follow-up answers (evaluation_answers)
        f"{PRIVATE}/evaluation/feedback/{{learner}}",  # the post-test's explanation page (evaluation_feedback)
        "certificates/{learner}",  # certificates of completion and their records (certificates)
    )

    # --- places for one learner -----------------------------------------------------------------------------

    def learner_places(self, learner: str) -> list[Path]:
        """Every place of LEARNER_PLACES for this learner id (whether or not it exists)."""
        return [self.root / template.format(learner=learner) for template in self.LEARNER_PLACES]

    def everyone_places(self) -> list[Path]:
        """What exists in every place of LEARNER_PLACES, for every learner (set-aside hand-ins included)."""
        return sorted({path for template in self.LEARNER_PLACES
                       for path in self.root.glob(template.format(learner="*"))})

    def learners_present(self) -> set[str]:
        """Every name that stands for a learner in a place of LEARNER_PLACES (UNASSIGNED left out)."""
        found = set()
        for template in self.LEARNER_PLACES:
            before, after = template.split("{learner}")
            for path in self.root.glob(template.format(learner="*")):
                name = path.relative_to(self.root).as_posix().removeprefix(before)
                if name.endswith(after) and name[:len(name) - len(after)] != UNASSIGNED:
                    found.add(name[:len(name) - len(after)])
        return found

    def stage(self, name: str) -> Path:
        """One of LEARNER_STAGES (each holds a folder per learner id)."""
        return self.root / name

    @property
    def submitted(self) -> Path:
        """nbgrader's submitted/: `<id>/<lesson>/`, the hand-ins as collected."""
        return self.stage(SUBMITTED)

    @property
    def autograded(self) -> Path:
        """nbgrader's autograded/: `<id>/<lesson>/`, the graded copies."""
        return self.stage(AUTOGRADED)

    @property
    def feedback(self) -> Path:
        """nbgrader's feedback/: `<id>/<lesson>/`, the feedback pages."""
        return self.stage(FEEDBACK)

    def handed_in(self, learner: str, lesson: str) -> Path:
        """A learner's hand-in of a lesson, as collected."""
        return self.submitted / learner / lesson

    def graded(self, learner: str, lesson: str) -> Path:
        """A learner's graded copy of a lesson."""
        return self.autograded / learner / lesson

    def feedback_of(self, learner: str, lesson: str) -> Path:
        """A learner's feedback pages for a lesson."""
        return self.feedback / learner / lesson

    def graded_responses(self, learner: str, lesson: str) -> Path:
        """The response file that was graded: the graded copy's, else the hand-in's as collected."""
        graded = self.graded(learner, lesson) / RESPONSES_FILE
        return graded if graded.exists() else self.handed_in(learner, lesson) / RESPONSES_FILE

    # --- the lessons --------------------------------------------------------------------------------------------

    @property
    def release(self) -> Path:
        """The learners' version of each lesson (no learner data)."""
        return self.root / "release"

    def released(self, lesson: str) -> Path:
        """The learners' version of one lesson."""
        return self.release / lesson

    def released_lessons(self) -> list[str]:
        """The lessons released in this course (with a release folder holding a notebook)."""
        return sorted(p.name for p in self.release.iterdir() if p.is_dir() and any(p.glob("*.ipynb"))) \
            if self.release.is_dir() else []

    @property
    def source(self) -> Path:
        """nbgrader's own source folder (a grading job's one-lesson course; a course's source is its lessons)."""
        return self.root / "source"

    def language_source(self, lang: str) -> Path:
        """The lessons as taught in `lang` (nbgrader_run.language_source makes it)."""
        return self.private / f"source.{lang}"

    # --- Pathways' own records -----------------------------------------------------------------------------------

    @property
    def private(self) -> Path:
        """Pathways' own records (instructor only)."""
        return self.root / PRIVATE

    def setup_folders(self) -> list[Path]:
        """The folders `course init` makes: nbgrader's stages and the private folder."""
        return [*(self.stage(s) for s in LEARNER_STAGES), self.private]

    @property
    def lock(self) -> Path:
        """The file two `pathways` commands lock, so that they never change the course at once."""
        return self.private / "lock"

    @property
    def ledger(self) -> Path:
        """Who is enrolled, each hand-in's hash and origin, hand-ins set aside (instructor/ledger.py)."""
        return self.private / "ledger.json"

    @property
    def archive(self) -> Path:
        """Replaced and duplicate hand-ins, `archive/<id>/<lesson>/<time>/`; set-aside ones under UNASSIGNED."""
        return self.private / "archive"

    def new_archive(self, learner: str, lesson: str) -> Path:
        """A new (not yet made) folder to archive a hand-in of this learner (or UNASSIGNED) in, named for now."""
        return self.archive / learner / lesson / datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")

    @property
    def unassigned(self) -> Path:
        """Set-aside hand-ins, `<lesson>/<time>/` with a HOW-TO-ASSIGN.txt."""
        return self.archive / UNASSIGNED

    @property
    def staging(self) -> Path:
        """Hand-ins being imported, `staging/<id>/<lesson>/` (left only by a crash)."""
        return self.private / "staging"

    def staged(self, learner: str, lesson: str) -> Path:
        """Where a learner's hand-in of a lesson is put together before it replaces the one in submitted/."""
        return self.staging / learner / lesson

    @property
    def backups(self) -> Path:
        """Copies of the SQLite gradebook made before each grading run (`gradebook-*.db`)."""
        return self.private / "backups"

    def gradebook_backups(self) -> list[Path]:
        """Every gradebook backup in the course."""
        return sorted(self.backups.glob("gradebook-*.db"))

    @property
    def workshop(self) -> Path:
        """A workshop's raw exchange archives (`exchange-*.tar.gz`, 0600): members `inbound/<account>/...`, and
        ARCHIVE_LEARNERS saying whose each account was."""
        return self.private / "workshop"

    def exchange_archives(self) -> list[Path]:
        """Every raw exchange archive a workshop left in the course."""
        return sorted(self.workshop.glob("exchange-*.tar.gz")) if self.workshop.is_dir() else []

    def new_exchange_archive(self) -> Path:
        """A new (not yet made) exchange archive, named for now."""
        return self.workshop / f"exchange-{datetime.now(UTC).strftime('%Y%m%d-%H%M%S')}.tar.gz"

    @property
    def last_grade(self) -> Path:
        """What the last grading run did (its warnings may name learners)."""
        return self.private / "last-grade.json"

    # --- the gradebook and the outputs ---------------------------------------------------------------------------

    @property
    def sqlite_gradebook(self) -> Path:
        """The gradebook's file when it is SQLite in the course folder (see db_url)."""
        return self.root / "gradebook.db"

    @property
    def grades_csv(self) -> Path:
        """`pathways export`'s default output."""
        return self.root / "grades.csv"

    @property
    def report(self) -> Path:
        """`pathways report`'s default output; its figures are in `report_figures`."""
        return self.root / "report.html"

    @property
    def report_figures(self) -> Path:
        """The PNG figures written beside the report."""
        return self.root / "report-figures"

    # --- evidence of completion (grading/evidence/): certificates, the completion record, LMS files ------------
    @property
    def certificates(self) -> Path:
        """Each learner's certificates of completion and their records, `certificates/<id>/`."""
        return self.root / "certificates"

    @property
    def certificate_key(self) -> Path:
        """The course's secret that signs certificates' verification codes (0600; no learner data)."""
        return self.private / "certificate-key"

    @property
    def completion_csv(self) -> Path:
        """The attendance and completion record (CSV), made from every learner's data."""
        return self.root / "completion-record.csv"

    @property
    def completion_pdf(self) -> Path:
        """The attendance and completion record (PDF)."""
        return self.root / "completion-record.pdf"

    @property
    def course_sheet(self) -> Path:
        """The one-page course sheet (no learner data)."""
        return self.root / "course-sheet.pdf"

    @property
    def canvas_csv(self) -> Path:
        """`pathways export --canvas`: Canvas's gradebook import file."""
        return self.root / "canvas-import.csv"

    @property
    def moodle_csv(self) -> Path:
        """`pathways export`: Moodle's gradebook import file."""
        return self.root / "moodle-import.csv"

    # --- the course evaluation (grading/evidence/evaluation): pre-test, post-test, follow-up ----------------------
    @property
    def evaluation(self) -> Path:
        """The evaluation's private folder (0700): its secret, each learner's answers and explanation pages."""
        return self.private / "evaluation"

    @property
    def evaluation_secret(self) -> Path:
        """The key of the learners' pseudonymous codes (HMAC-SHA256); no learner data, but `--all` removes it."""
        return self.evaluation / "secret.key"

    def evaluation_answers(self, learner: str | None = None) -> Path:
        """Each learner's kept answers, `answers/<id>/<pre|post|followup>.json` (per learner)."""
        return self.evaluation / "answers" / learner if learner else self.evaluation / "answers"

    def evaluation_feedback(self, learner: str | None = None) -> Path:
        """Each learner's explanation page of the post-test, `feedback/<id>/post-test.html` (per learner)."""
        return self.evaluation / "feedback" / learner if learner else self.evaluation / "feedback"

    @property
    def evaluation_release(self) -> Path:
        """The take-home folders learners get (no learner data, no key)."""
        return self.root / "evaluation-release"

    @property
    def evaluation_csv(self) -> Path:
        """The pseudonymous paired data (made again by each report; removed by every purge)."""
        return self.root / "evaluation-paired.csv"

    @property
    def evaluation_page(self) -> Path:
        """`pathways evaluation report`'s page; its figures are in `evaluation-figures` beside it."""
        return self.root / "evaluation.html"

    @property
    def evaluation_figures(self) -> Path:
        """The figures of `evaluation_page`."""
        return self.root / "evaluation-figures"
    # --- end of the course evaluation's places --------------------------------------------------------------------
    def class_outputs(self) -> list[Path]:
        """The outputs made from every learner's data (removed by a purge, to be made again)."""
        return [self.grades_csv, self.report, self.report_figures, self.evaluation_csv, self.evaluation_page,
                self.evaluation_figures, self.completion_csv, self.completion_pdf, self.canvas_csv, self.moodle_csv]


def folder(course: str | Path | None = None) -> CourseFolder:
    """The layout of the course folder in force (see course_dir)."""
    return CourseFolder(course_dir(course))


def dashboards_dir(out: str | Path | None = None) -> Path:
    """The dashboards folder (argument, else PATHWAYS_DASHBOARDS, else build/dashboards in the working folder)."""
    return Path(out or config.current().dashboards).resolve()
