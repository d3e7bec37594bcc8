"""Running nbgrader on the course: its environment, its command line in a child process, its Python API, release,
and the source folder of a course taught in another language.

Every nbgrader step reads exactly `grading/instructor/nbgrader_config.py`, the same configuration an instructor
gets by typing plain `nbgrader` commands there. Release (and feedback, instructor/feedback.py) run in this process
through nbgrader's Python API with that file loaded (`nbgrader_api`), which saves an interpreter and nbgrader's
imports per lesson; `nbgrader(...)` runs any other step as `python -m nbgrader ...` in a child process with the
working folder set to `grading/instructor/`, given the configuration in force explicitly (its environment), the
course folder as an absolute path. Where things are in the course folder is grading/course.py's.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pathways import config
from pathways.files import LESSON_NOTEBOOK, copy_atomically

from .course import GRADING, CourseFolder, course_dir, lesson_ids

#: A lesson's notebook's name without .ipynb; `lesson.<lang>.ipynb` beside it is its translation.
NOTEBOOK = Path(LESSON_NOTEBOOK).stem
#: nbgrader's configuration file (the instructor's in NBGRADER_CONFIG_DIR; a workshop learner's of its own).
NBGRADER_CONFIG_FILE = "nbgrader_config.py"

#: The folder of nbgrader_config.py: every nbgrader command runs there.
NBGRADER_CONFIG_DIR = GRADING / "instructor"


def tools_on_path() -> None:
    """Put this Python's tools first on PATH (nbgrader starts `alembic` to create a gradebook), once."""
    tools = str(Path(sys.executable).parent)
    if tools not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = tools + os.pathsep + os.environ.get("PATH", "")


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
        copy_atomically(src, target)
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
        config = PyFileConfigLoader(NBGRADER_CONFIG_FILE, path=str(NBGRADER_CONFIG_DIR)).load_config()
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
        out.append(CourseFolder(course_dir(course)).released(lesson))
    return out
