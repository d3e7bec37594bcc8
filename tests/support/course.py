"""The repository's paths and lessons, executed notebooks and released courses the tests share."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[2]
LESSONS = REPO / "lessons"
FIXTURES = REPO / "tests" / "fixtures"


def lesson_ids() -> list[str]:
    """Every lesson folder with a lesson.ipynb."""
    return sorted(p.name for p in LESSONS.iterdir() if (p / "lesson.ipynb").is_file())


def execute_notebook(path: Path, timeout: int = 120) -> nbformat.NotebookNode:
    """Execute a notebook in its own folder with nbclient; raise on any cell error."""
    nb = nbformat.read(path, as_version=4)
    resources = {"metadata": {"path": str(path.parent)}}
    NotebookClient(nb, timeout=timeout, kernel_name="python3", resources=resources).execute()
    return nb


def copy_lesson(lesson: str, dest: Path) -> Path:
    """A copy of a lesson's source folder (so executing it cannot touch lessons/)."""
    target = dest / lesson
    shutil.copytree(LESSONS / lesson, target, ignore=shutil.ignore_patterns("responses.json", ".ipynb_checkpoints"))
    return target


def release_every_lesson_once(root: Path) -> Path:
    """A course in `root/released-course` with every lesson released by nbgrader (and its gradebook): made by the
    first caller, reused by every later one, including the other xdist workers of the run (a lock file keeps
    them from making it twice). Read it only; copy what a test changes.

    It is released the way `pathways dashboards build` releases (nbgrader in this process, every lesson), so that
    code keeps being tested.
    """
    import fcntl
    import os
    import sys

    import pytest
    from pathways.grading import course as courselib
    from pathways.grading.delivery.dashboards import build as dashboards

    course = root / "released-course"
    done = course / ".released"
    root.mkdir(parents=True, exist_ok=True)
    with open(root / "released-course.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if done.is_file():
            return course
        partial = root / f"released-course.partial-{os.getpid()}"
        shutil.rmtree(partial, ignore_errors=True)
        with pytest.MonkeyPatch.context() as mp:  # the environment the `_isolate` fixture gives tests
            for var in ("PATHWAYS_LESSONS", "PATHWAYS_DB_URL", "PATHWAYS_COURSE", "PATHWAYS_LANG"):
                mp.delenv(var, raising=False)
            mp.setenv("JUPYTER_CONFIG_DIR", str(root / "released-course.jupyter"))
            mp.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
            folders = dashboards._release_each(courselib.lesson_ids(), None, partial)
        assert sorted(folders) == lesson_ids() and all((f / "lesson.ipynb").is_file() for f in folders.values())
        shutil.rmtree(course, ignore_errors=True)
        (partial / "course").rename(course)
        shutil.rmtree(partial)
        done.write_text("every lesson released\n")
    return course


def released_lesson(released_course: Path, course: Path, lesson: str) -> None:
    """One lesson as `nbgrader generate_assignment` leaves it in `course` (the release and the gradebook's source
    cells), copied from the run's release of every lesson (`released_course`): the gradebook keeps this lesson
    only. Much cheaper than releasing it again."""
    from nbgrader.api import Gradebook

    shutil.copytree(released_course / "release" / lesson, course / "release" / lesson)
    shutil.copy2(released_course / "gradebook.db", course / "gradebook.db")
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for assignment in [a.name for a in gb.assignments if a.name != lesson]:
            gb.remove_assignment(assignment)
        assert [a.name for a in gb.assignments] == [lesson]


#: The one-question demo lesson of demo_course.
DEMO = "01-demo"


def demo_course(tmp_path: Path, roster: list | None = None) -> tuple[Path, Path]:
    """A course with one released demo lesson of one graded check (and a class list, a list of the ledger's
    Learner); returns (course, released notebook). For tests of collect and the course folder: no kernel."""
    from nbformat.v4 import new_code_cell, new_notebook
    from pathways.grading.instructor.ledger import Ledger

    root = tmp_path / "course"
    rel = root / "release" / DEMO / "lesson.ipynb"
    rel.parent.mkdir(parents=True)
    meta = {"nbgrader": {"grade_id": "test-q1", "schema_version": 3, "grade": True, "solution": False,
                         "locked": True, "task": False, "points": 1}}
    nbformat.write(new_notebook(cells=[new_code_cell("check_points('q1', 'a')", metadata=meta)]), rel)
    if roster:
        ledger = Ledger.load(root)
        ledger.add_roster(roster)
        ledger.save()
    return root, rel
