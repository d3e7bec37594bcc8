"""The course layout, built on `pathways.config`: the course folder, the lessons, the gradebook, and the nbgrader
commands Pathways runs on them.

Every nbgrader step reads exactly `grading/instructor/nbgrader_config.py`, the same configuration an instructor
gets by typing plain `nbgrader` commands there. Release (and feedback, instructor/feedback.py) run in this process
through nbgrader's Python API with that file loaded (`nbgrader_api`), which saves an interpreter and nbgrader's
imports per lesson; `nbgrader(...)` runs any other step as `python -m nbgrader ...` in a child process with the
working folder set to `grading/instructor/`, given the configuration in force explicitly (its environment), the
course folder as an absolute path.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pathways import config
from pathways.config import shipped_lessons

GRADING = Path(__file__).resolve().parent
#: The checkout (or site-packages) folder holding the package; never a default for a folder of the course.
REPO = GRADING.parent
#: The folder of nbgrader_config.py: every nbgrader command runs there.
NBGRADER_CONFIG_DIR = GRADING / "instructor"
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
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and (p / "lesson.ipynb").is_file())


def db_url(course: str | Path | None = None) -> str:
    """The gradebook's database URL: the configured one (PATHWAYS_DB_URL), else SQLite in the course folder."""
    return config.current().db_url or f"sqlite:///{course_dir(course) / 'gradebook.db'}"


#: nbgrader's course id (nbgrader_config.py; a gradebook opened with another would gain a course row).
COURSE_ID = "pathways"
#: nbgrader's per-learner stages of a course folder: `<stage>/<learner id>/<lesson>/`.
LEARNER_STAGES = ("submitted", "autograded", "feedback")
#: The member of an exchange archive mapping each learner account to its learner id.
ARCHIVE_LEARNERS = "learners.json"
#: Set-aside hand-ins (matching several learners by name) are archived under this name, never a safe id.
UNASSIGNED = "_unassigned"


@dataclass(frozen=True)
class CourseFolder:
    """Where everything in a course folder is: one list, so that `pathways course purge` can find every place
    that holds something about a learner (add any new place here)."""

    root: Path

    def stage(self, name: str) -> Path:
        """One of LEARNER_STAGES (each holds a folder per learner id)."""
        return self.root / name

    @property
    def release(self) -> Path:
        """The learners' version of each lesson (no learner data)."""
        return self.root / "release"

    @property
    def private(self) -> Path:
        """Pathways' own records (instructor only)."""
        return self.root / "pathways"

    @property
    def ledger(self) -> Path:
        """Who is enrolled, each hand-in's hash and origin, hand-ins set aside (instructor/ledger.py)."""
        return self.private / "ledger.json"

    @property
    def archive(self) -> Path:
        """Replaced and duplicate hand-ins, `archive/<id>/<lesson>/<time>/`; set-aside ones under UNASSIGNED."""
        return self.private / "archive"

    @property
    def staging(self) -> Path:
        """Hand-ins being imported, `staging/<id>/<lesson>/` (left only by a crash)."""
        return self.private / "staging"

    @property
    def backups(self) -> Path:
        """Copies of the SQLite gradebook made before each grading run (`gradebook-*.db`)."""
        return self.private / "backups"

    @property
    def workshop(self) -> Path:
        """A workshop's raw exchange archives (`exchange-*.tar.gz`, 0600): members `inbound/<account>/...`, and
        ARCHIVE_LEARNERS saying whose each account was."""
        return self.private / "workshop"

    def exchange_archives(self) -> list[Path]:
        """Every raw exchange archive a workshop left in the course."""
        return sorted(self.workshop.glob("exchange-*.tar.gz")) if self.workshop.is_dir() else []

    @property
    def last_grade(self) -> Path:
        """What the last grading run did (its warnings may name learners)."""
        return self.private / "last-grade.json"

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

    # --- evidence of completion (issue 27: grading/evidence/); `learner_places` and `class_outputs` are read by
    # `course purge` ---------------------------------------------------------------------------------------------
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

    def learner_places(self) -> list[Path]:
        """Every place holding a folder per learner id (nbgrader's stages and Pathways' own)."""
        return [*(self.stage(s) for s in LEARNER_STAGES), self.archive, self.staging, self.certificates]

    def class_outputs(self) -> list[Path]:
        """Files made from every learner's data (removed by a purge, to be made again)."""
        return [self.grades_csv, self.report, self.report_figures, self.completion_csv, self.completion_pdf,
                self.canvas_csv, self.moodle_csv]


def folder(course: str | Path | None = None) -> CourseFolder:
    """The layout of the course folder in force (see course_dir)."""
    return CourseFolder(course_dir(course))


def dashboards_dir(out: str | Path | None = None) -> Path:
    """The dashboards folder (argument, else PATHWAYS_DASHBOARDS, else build/dashboards in the working folder)."""
    return Path(out or config.current().dashboards).resolve()


#: A lesson's notebook; `lesson.<lang>.ipynb` beside it is its translation (lesson 1: `lesson.es.ipynb`).
NOTEBOOK = "lesson"


def language_source(lessons: str | Path, lang: str, dest: str | Path) -> Path:
    """nbgrader's source folder for a course taught in `lang`: `dest` made a copy of `lessons` in which every
    lesson that has a `lesson.<lang>.ipynb` has it as its `lesson.ipynb` (the English notebook left out), and
    no `lesson.*.ipynb` translation is left anywhere. Lessons without a translation keep their notebook.

    So a release in `lang` holds one notebook, named as in English: records, gradebook, reports, collection
    and dashboards are the same in both languages. Files are copied only when changed (written whole, then
    renamed), and files no longer in `lessons` are removed, so every nbgrader command can call it.
    """
    lessons, dest = Path(lessons), Path(dest)
    wanted: dict[Path, Path] = {}
    for folder in sorted(p for p in lessons.iterdir() if p.is_dir() and not p.name.startswith(".")):
        translated = folder / f"{NOTEBOOK}.{lang}.ipynb"
        for src in folder.rglob("*"):
            rel = src.relative_to(folder)
            if not src.is_file() or any(part.startswith(".") or part == "__pycache__" for part in rel.parts):
                continue
            if rel == Path(f"{NOTEBOOK}.ipynb"):
                src = translated if translated.is_file() else src
            elif rel.parent == Path(".") and src.suffix == ".ipynb" and src.name.startswith(f"{NOTEBOOK}."):
                continue  # a translation of the notebook: never a notebook of its own
            wanted[folder.name / rel] = src
    for rel, src in wanted.items():
        target = dest / rel
        if target.is_file() and target.stat().st_size == src.stat().st_size \
                and target.read_bytes() == src.read_bytes():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        part = target.with_name(f".{target.name}.{os.getpid()}.part")
        shutil.copy2(src, part)
        os.replace(part, target)
    if dest.is_dir():
        for old in sorted(dest.rglob("*"), reverse=True):
            rel = old.relative_to(dest)
            if old.is_file() and rel not in wanted and not old.name.endswith(".part"):
                old.unlink()
            elif old.is_dir() and not any(old.iterdir()):
                old.rmdir()
    dest.mkdir(parents=True, exist_ok=True)
    return dest


def nbgrader_env(course: str | Path | None = None) -> dict[str, str]:
    """Environment for an nbgrader child process: this Python's tools first on PATH, and the configuration in
    force (what this process set too), the course chosen as an absolute path."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(config.current().environment(course=str(course_dir(course))))
    return env


@dataclass(frozen=True)
class Run:
    """The outcome of one nbgrader command."""

    args: list[str]
    returncode: int
    output: str

    @property
    def ok(self) -> bool:
        """True when nbgrader exited 0."""
        return self.returncode == 0


def nbgrader(*args: str, course: str | Path | None = None, timeout: float | None = None) -> Run:
    """Run one nbgrader command against the course; never raises on nbgrader's own failure."""
    cmd = [sys.executable, "-m", "nbgrader", *args]
    proc = subprocess.run(cmd, cwd=NBGRADER_CONFIG_DIR, env=nbgrader_env(course), capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)
    return Run(list(args), proc.returncode, proc.stdout + proc.stderr)


@contextlib.contextmanager
def nbgrader_environment(course: str | Path | None = None) -> Iterator[None]:
    """While nbgrader runs in this process: the course chosen in pathways.config (which nbgrader_config.py reads
    when loaded) and this Python's tools first on PATH (nbgrader starts `alembic` to create a gradebook); PATH is
    restored after, and no PATHWAYS_* variable is touched."""
    tools, path = str(Path(sys.executable).parent), os.environ.get("PATH", "")
    with config.using(course=str(course_dir(course))):
        os.environ["PATH"] = f"{tools}{os.pathsep}{path}"
        try:
            yield
        finally:
            os.environ["PATH"] = path


def nbgrader_schema_head() -> str | None:
    """nbgrader's newest gradebook schema revision, read from the text of its migration scripts (a revision no
    other names as its `down_revision`); None if that is not exactly one."""
    from nbgrader import dbutil

    revisions, parents = set(), set()
    for script in (Path(dbutil.ALEMBIC_DIR) / "versions").glob("*.py"):
        text = script.read_text(encoding="utf-8")
        revisions.update(re.findall(r"^revision\s*=\s*['\"](\w+)['\"]", text, re.M))
        parents.update(re.findall(r"^down_revision\s*=\s*['\"](\w+)['\"]", text, re.M))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def fast_gradebook_creation() -> None:
    """Let nbgrader create a gradebook without starting a process. Each new gradebook asks the `alembic` command
    line for the schema's head revision (`nbgrader.api.get_alembic_version`): a Python process that imports
    alembic and every migration, about 2 s each time, and a grading run creates a scratch gradebook per lesson.
    The answer is fixed for the installed nbgrader, so it is read once from the scripts' text
    (`nbgrader_schema_head`); if that cannot tell, nbgrader keeps its own way."""
    from nbgrader import api

    if getattr(api.get_alembic_version, "pathways", False):
        return
    head = nbgrader_schema_head()
    if head is None:
        return

    def get_alembic_version() -> str:
        return head

    get_alembic_version.pathways = True
    api.get_alembic_version = get_alembic_version


def nbgrader_api(course: str | Path | None = None):
    """nbgrader's Python API (`NbGraderAPI`) with the configuration the command line reads for this course."""
    import logging

    from nbgrader.apps import NbGraderAPI
    from traitlets.config.loader import PyFileConfigLoader

    fast_gradebook_creation()
    with nbgrader_environment(course):
        config = PyFileConfigLoader("nbgrader_config.py", path=str(NBGRADER_CONFIG_DIR)).load_config()
    # nbgrader's messages go only to the text each call returns (as a child's output did), never to the screen.
    log = logging.getLogger("pathways.nbgrader")
    log.propagate = False
    if not log.handlers:
        log.addHandler(logging.NullHandler())  # else logging's last resort prints warnings to stderr
    log.setLevel(logging.INFO)
    return NbGraderAPI(config=config, log=log)


def api_problem(answer: dict) -> str:
    """The line that says why an NbGraderAPI call failed: nbgrader's last error message, else the exception's."""
    log = [line for line in (answer.get("log") or "").splitlines() if line.startswith("[ERROR]")]
    lines = log or (answer.get("error") or "").strip().splitlines()
    return lines[-1].removeprefix("[ERROR] ").strip() if lines else "unknown error"


def release(lessons: list[str] | None = None, course: str | Path | None = None) -> list[Path]:
    """Generate the learners' version of the lessons (in this process); return their release folders.

    Raises RuntimeError with nbgrader's output if a lesson fails to generate.
    """
    api = nbgrader_api(course)
    out = []
    for lesson in lessons or lesson_ids():
        with nbgrader_environment(course):
            answer = api.generate_assignment(lesson, force=True, create=True)
        if not answer.get("success"):
            raise RuntimeError(f"could not release {lesson}:\n{answer.get('log', '')}{answer.get('error', '')}"
                               f"\n{api_problem(answer)}")
        out.append(course_dir(course) / "release" / lesson)
    return out
