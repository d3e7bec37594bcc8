"""The course folder and the nbgrader commands Pathways runs on it.

Every nbgrader step runs as `python -m nbgrader ...` in a child process with the working folder
set to `grading/`, so it reads exactly `grading/nbgrader_config.py`, the same configuration an
instructor gets by typing plain `nbgrader` commands there. The course folder is chosen with
PATHWAYS_COURSE (default build/course).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

GRADING = Path(__file__).resolve().parent
REPO = GRADING.parent
LESSONS = REPO / "lessons"
DEFAULT_COURSE = REPO / "build" / "course"


def course_dir(course: str | Path | None = None) -> Path:
    """The course folder in force (argument, else PATHWAYS_COURSE, else build/course)."""
    return Path(course or os.environ.get("PATHWAYS_COURSE") or DEFAULT_COURSE).resolve()


def lesson_ids() -> list[str]:
    """Every lesson (nbgrader assignment) in lessons/, in teaching order."""
    return sorted(p.name for p in LESSONS.iterdir() if p.is_dir() and (p / "lesson.ipynb").is_file())


def nbgrader_env(course: str | Path | None = None) -> dict[str, str]:
    """Environment for an nbgrader child process: this Python's tools first on PATH, the course chosen."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PATHWAYS_COURSE"] = str(course_dir(course))
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
    proc = subprocess.run(cmd, cwd=GRADING, env=nbgrader_env(course), capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)
    return Run(list(args), proc.returncode, proc.stdout + proc.stderr)


def release(lessons: list[str] | None = None, course: str | Path | None = None) -> list[Path]:
    """Generate the learners' version of the lessons; return their release folders.

    Raises RuntimeError with nbgrader's output if a lesson fails to generate.
    """
    out = []
    for lesson in lessons or lesson_ids():
        run = nbgrader("generate_assignment", lesson, "--force", course=course)
        if not run.ok:
            raise RuntimeError(f"could not release {lesson}:\n{run.output}")
        out.append(course_dir(course) / "release" / lesson)
    return out


def prepare_workspace(workspace: str | Path, course: str | Path | None = None) -> Path:
    """Copy released lessons into a learner's workspace without ever overwriting their work.

    A lesson folder that already exists keeps every file the learner has; only files that are
    new in the release are added.
    """
    workspace = Path(workspace).resolve()
    for folder in release(course=course):
        target = workspace / folder.name
        for src in folder.rglob("*"):
            dest = target / src.relative_to(folder)
            if src.is_dir():
                dest.mkdir(parents=True, exist_ok=True)
            elif not dest.exists():
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dest)
    return workspace


def lab_command(workspace: str | Path, port: int, token: str | None = None) -> list[str]:
    """The JupyterLab command learners get: 127.0.0.1 only, opened on lesson 1, no news or update checks
    (nothing JupyterLab shows a learner may reach the internet)."""
    cmd = [sys.executable, "-m", "jupyterlab", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
           f"--ServerApp.root_dir={Path(workspace).resolve()}", "--LabApp.news_url=None",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
           f"--LabApp.default_url=/lab/tree/{lesson_ids()[0]}/lesson.ipynb"]
    if token is not None:
        cmd += [f"--IdentityProvider.token={token}", "--no-browser"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    return cmd
