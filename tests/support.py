"""Paths and helpers the tests share (importable as `support`; conftest.py holds only fixtures)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parent.parent
LESSONS = REPO / "lessons"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


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


def stop_process(proc: subprocess.Popen, timeout: float = 20) -> None:
    """Stop a server a test started: terminate, then kill if it does not exit in time."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def in_own_thread(func, *args, **kwargs):
    """Call `func` in a new thread and return its result (or raise its exception).

    Once a browser test has started Playwright's sync API on an xdist worker, the worker's main thread has a
    running asyncio loop for the rest of the session: `asyncio.run()` fails there, and code that looks for a
    running loop (a widget deciding whether it runs in a kernel) finds Playwright's. A fresh thread has none.
    """
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(func, *args, **kwargs).result()


def run_async(coro):
    """`asyncio.run(coro)` in a thread of its own (see `in_own_thread`)."""
    import asyncio

    return in_own_thread(asyncio.run, coro)
