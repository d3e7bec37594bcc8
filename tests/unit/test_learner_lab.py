"""Are the learners' JupyterLab settings (grading/delivery/learner/lab.py) whole and in step with the lessons and the
build?

The browser test (tests/browser/test_learner_screen.py) shows the screen; these fast checks catch the drift that
would quietly undo it: a lesson the autorun pattern misses, a plugin renamed upstream, a lesson cell the autorun
would skip, or an extension source changed without a rebuild.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

import pytest
from pathways.grading import course
from pathways.grading.delivery.learner import lab, workspace

ROOT = Path(__file__).resolve().parents[2]
PAGE_CONFIG = json.loads((lab.SETTINGS_DIR / "page_config.json").read_text(encoding="utf-8"))
OVERRIDES = json.loads((lab.SETTINGS_DIR / "overrides.json").read_text(encoding="utf-8"))
BUILD = lab.LABEXTENSIONS / "pathways-lesson-autorun"
SOURCE = ROOT / "grading" / "delivery" / "learner" / "autorun"


def lesson_notebooks() -> list[Path]:
    return sorted(p for lesson in course.lesson_ids() for p in (course.LESSONS / lesson).glob("lesson*.ipynb"))


def test_autorun_pattern_takes_every_lesson_and_nothing_else():
    """Does the autorun pattern match every lesson notebook (translations too, in any folder) and no other file?"""
    pattern = re.compile(PAGE_CONFIG["pathwaysAutorunPattern"])  # the same syntax in JavaScript's RegExp
    assert len(lesson_notebooks()) > len(course.lesson_ids())  # at least one translation is checked
    for notebook in lesson_notebooks():
        rel = notebook.relative_to(course.LESSONS).as_posix()
        assert pattern.search(rel) and pattern.search(f"course/{rel}"), rel
    for other in ("notes/lesson.ipynb", "01-why-dont-they-leave/scratch.ipynb", "lesson.ipynb",
                  "01-why-dont-they-leave/lesson.ipynb.bak", "01-why-dont-they-leave/my-lesson.ipynb"):
        assert not pattern.search(other), other


def test_every_activity_cell_of_every_lesson_would_run_and_no_marking_cell():
    """Is every code cell of every lesson either an activity the autorun runs (nbgrader-locked, no grade, no
    solution) or one of the instructor's marking cells (tagged "grading"), which it never runs?"""
    for notebook in lesson_notebooks():
        cells = [c for c in json.loads(notebook.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code"]
        for cell in cells:
            meta = cell["metadata"].get("nbgrader", {})
            runs = meta.get("locked") is True and not meta.get("grade") and not meta.get("solution")
            marking = "grading" in cell["metadata"].get("tags", [])
            assert runs != marking, (notebook.name, "".join(cell["source"])[:60])
        assert any(c["metadata"].get("nbgrader", {}).get("locked") for c in cells), notebook


def installed_plugin_sources() -> str:
    """The JavaScript of JupyterLab's core and of nbgrader's lab extension, where every plugin id is spelled out."""
    share = Path(sys.prefix) / "share" / "jupyter"
    nbgrader = share / "labextensions" / "@jupyter" / "nbgrader"
    files = [*(share / "lab" / "static").glob("*.js"), *nbgrader.rglob("*.js")]
    return "\n".join(f.read_text(encoding="utf-8", errors="replace") for f in files)


def test_disabled_plugins_are_the_instructor_and_online_ones_and_exist():
    """Are Create Assignment, Formgrader, Course List, Validate, the news, the extension manager and the debugger
    (debugpy listens on a TCP port any account of the machine may connect to) disabled, the
    Assignment List and the Nbgrader menu kept, and does every disabled id name a plugin that is installed (a
    renamed plugin would silently come back)?"""
    disabled = set(PAGE_CONFIG["disabledExtensions"])
    assert disabled == {"@jupyter/nbgrader:create-assignment", "@jupyter/nbgrader:formgrader",
                        "@jupyter/nbgrader:course-list", "@jupyter/nbgrader:validate-assignment",
                        "@jupyterlab/apputils-extension:announcements",
                        "@jupyterlab/extensionmanager-extension:plugin", "@jupyterlab/debugger-extension"}
    sources = installed_plugin_sources()
    for plugin in disabled | {"@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:menu"}:
        assert f'"{plugin}"' in sources, plugin
    assert OVERRIDES["@jupyterlab/apputils-extension:notification"] == {"fetchNews": "false",
                                                                        "checkForUpdates": False}


def test_lab_command_carries_the_learner_settings_on_127_0_0_1():
    """Does `make start`'s command carry every learner setting (the launcher's own settings folder, the autorun
    extension, no news, no update check, a read-only extension manager, no formgrader or course list server
    extension) on 127.0.0.1?"""
    cmd = workspace.lab_command(ROOT / "workspace", 8888)
    args = lab.learner_lab_args()
    assert all(arg in cmd for arg in args)
    assert "--ServerApp.ip=127.0.0.1" in cmd
    for expected in (f"--LabApp.app_settings_dir={lab.SETTINGS_DIR}", "--LabApp.news_url=None",
                     "--LabApp.extension_manager=readonly",
                     "--ServerApp.jpserver_extensions=nbgrader.server_extensions.formgrader=False",
                     "--ServerApp.jpserver_extensions=nbgrader.server_extensions.course_list=False"):
        assert expected in args, expected
    assert (lab.SETTINGS_DIR / "page_config.json").is_file() and (BUILD / "package.json").is_file()


def test_committed_autorun_build_comes_from_the_current_source():
    """Was the committed lesson-autorun build made from the source as it is now (`make labextension`), and does the
    file it loads exist?"""
    if not SOURCE.is_dir():
        pytest.skip("the extension's source is in the repository only")
    digest = hashlib.sha256(b"".join((SOURCE / n).read_bytes() for n in ("index.js", "package.json",
                                                                          "package-lock.json"))).hexdigest()
    assert (BUILD / "source.sha256").read_text().strip() == digest, "run `make labextension` and commit the build"
    built = json.loads((BUILD / "package.json").read_text(encoding="utf-8"))
    assert built["name"] == BUILD.name and (BUILD / built["jupyterlab"]["_build"]["load"]).is_file()


def test_stopping_the_launcher_stops_its_server(tmp_path):
    """When `pathways lab` is sent SIGTERM (killed by its pid), does the server it started stop too, and the
    launcher exit?"""
    import contextlib
    import os
    import signal
    import subprocess

    from support.processes import wait_for

    marker = tmp_path / "server.pid"
    server = f"import os, time; open({str(marker)!r}, 'w').write(str(os.getpid())); time.sleep(120)"
    launcher = subprocess.Popen([sys.executable, "-c", "import sys; from pathways.grading.delivery.learner.lab import "
                                 f"run_foreground; sys.exit(run_foreground([sys.executable, '-c', {server!r}]))"])
    try:
        wait_for(lambda: marker.is_file() and marker.read_text(), timeout=30)
        child = int(marker.read_text())
        launcher.send_signal(signal.SIGTERM)
        assert launcher.wait(timeout=30) != 0
        gone = not Path(f"/proc/{child}").exists() or "Z" in Path(f"/proc/{child}/stat").read_text().split()[2]
        assert gone, "the server outlived its launcher"
    finally:
        if launcher.poll() is None:
            launcher.kill()
        with contextlib.suppress(OSError, ValueError):
            os.kill(int(marker.read_text()), signal.SIGKILL)
