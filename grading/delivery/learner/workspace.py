"""The learner's side: `pathways workspace` and `pathways lab`.

The released lessons are copied into a workspace folder (never overwriting a learner's work), and JupyterLab is
started on it, on 127.0.0.1 only, opened on lesson 1.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from pathways import config

from ... import course as course_mod
from ... import nbgrader_run
from .lab import learner_lab_args


def prepare_workspace(workspace: str | Path, course: str | Path | None = None) -> Path:
    """Copy released lessons into a learner's workspace without ever overwriting their work.

    A lesson folder that already exists keeps every file the learner has; only files that are
    new in the release are added.
    """
    workspace = Path(workspace).resolve()
    for folder in nbgrader_run.release(course=course):
        target = workspace / folder.name
        for src in folder.rglob("*"):
            dest = target / src.relative_to(folder)
            if src.is_dir():
                dest.mkdir(parents=True, exist_ok=True)
            elif not dest.exists():
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dest)
    return workspace


def lab_command(workspace: str | Path, port: int | None = None, token: str | None = None) -> list[str]:
    """The JupyterLab command learners get: 127.0.0.1 only (default port: the configured lab port), opened on
    lesson 1, with the learner's settings (lab.py: lessons open ready to use, no instructor tools, nothing reaches
    the internet)."""
    port = config.current().lab_port if port is None else port
    cmd = [sys.executable, "-m", "jupyterlab", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
           f"--ServerApp.root_dir={Path(workspace).resolve()}", *learner_lab_args(),
           f"--LabApp.default_url=/lab/tree/{course_mod.lesson_ids()[0]}/lesson.ipynb"]
    if token is not None:
        cmd += [f"--IdentityProvider.token={token}", "--no-browser"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    return cmd
