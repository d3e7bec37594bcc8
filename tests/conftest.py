"""Shared fixtures. Tests never touch build/ or workspace/: every course lives in a temporary folder."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parent.parent
LESSONS = REPO / "lessons"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

sys.path.insert(0, str(Path(__file__).resolve().parent))  # so tests can import helpers.py


@pytest.fixture(autouse=True)
def _isolate(monkeypatch, tmp_path_factory):
    """Keep tests away from the developer's own Jupyter config, resources override and storage mode."""
    home = tmp_path_factory.mktemp("home")
    for var in ("JUPYTER_CONFIG_DIR", "PATHWAYS_RESOURCES", "PATHWAYS_STORAGE", "PATHWAYS_COURSE", "PATHWAYS_LESSONS",
                "VOILA_PREHEAT", "VOILA_BASE_URL", "VOILA_KERNEL_ID"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(home / ".jupyter"))
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")


@pytest.fixture
def course(tmp_path, monkeypatch) -> Path:
    """An empty course folder; nbgrader commands run by the test use it (via PATHWAYS_COURSE)."""
    folder = tmp_path / "course"
    folder.mkdir()
    monkeypatch.setenv("PATHWAYS_COURSE", str(folder))
    return folder


@pytest.fixture
def in_tmp(tmp_path, monkeypatch) -> Path:
    """Run the test with a fresh temporary working folder (where responses.json is written)."""
    monkeypatch.chdir(tmp_path)
    import pathways.responses as responses

    monkeypatch.setattr(responses, "_STORE", None)
    return tmp_path


def lesson_ids() -> list[str]:
    """Every lesson folder with a lesson.ipynb."""
    return sorted(p.name for p in LESSONS.iterdir() if (p / "lesson.ipynb").is_file())


def execute_notebook(path: Path, timeout: int = 120) -> nbformat.NotebookNode:
    """Execute a notebook in its own folder with nbclient; raise on any cell error."""
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    return nb


def copy_lesson(lesson: str, dest: Path) -> Path:
    """A copy of a lesson's source folder (so executing it cannot touch lessons/)."""
    target = dest / lesson
    shutil.copytree(LESSONS / lesson, target, ignore=shutil.ignore_patterns("responses.json", ".ipynb_checkpoints"))
    return target
