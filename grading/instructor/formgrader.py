"""`pathways formgrader`: nbgrader's formgrader for the instructor alone, on this machine, to grade reflections.

A Jupyter server run in the foreground by the instructor (stopped with Ctrl-C), never a service learners share:
it listens on 127.0.0.1 only, asks for a fresh random token (printed once, in the address to open), and loads only
nbgrader's formgrader and the guard every Pathways formgrader has (formgrader_guard.py: no kernels, terminals,
contents writes or code-running buttons; learner HTML sanitized, a Content-Security-Policy without inline script of
theirs). It reads the course through `grading/instructor/nbgrader_config.py`, the configuration every Pathways
command uses. Code is graded by `pathways grade` (sandboxed): the guard refuses the Autograde button (and, were it
reached, it is given a kernel that does not exist, formgrader_kernels.py), as it refuses nbgrader's feedback
buttons, whose pages would replace Pathways' own. A workshop runs the same server as its grader account
(grading/delivery/workshop/formgrader.py).
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

from pathways import config

from ..course import CourseFolder
from ..nbgrader_run import NBGRADER_CONFIG_DIR

#: nbconvert's sanitizer: learner markdown and HTML outputs lose scripts, event handlers and javascript: links.
SANITIZER = "nbconvert.preprocessors.sanitize.SanitizeHTML"
#: The server extension that refuses what a formgrader must never do (formgrader_guard.py).
GUARD = "pathways.grading.instructor.formgrader_guard"
#: The only server extensions a formgrader loads; every other one the environment enables is switched off.
ON = ("nbgrader.server_extensions.formgrader", GUARD)


def server_args(enabled: set[str]) -> list[str]:
    """The Jupyter server options every Pathways formgrader runs with, given the server extensions its environment
    enables: only the formgrader and this guard, no terminals, learner HTML sanitized (nbgrader's formgrade template
    ignores sanitize_html for markdown cells: the preprocessor cleans both)."""
    off = [f"--ServerApp.jpserver_extensions={name}=False" for name in sorted(set(enabled) - set(ON))]
    return ["--ServerApp.terminals_enabled=False", "--ServerApp.default_url=/formgrader",
            *[f"--ServerApp.jpserver_extensions={name}=True" for name in ON], *off,
            "--HTMLExporter.sanitize_html=True", f"--HTMLExporter.preprocessors={SANITIZER}"]


#: The formgrader's own page on the server.
PAGE = "/formgrader"
#: The kernel its Autograde button is given: none exists, so that button runs no learner code.
NO_KERNEL = "pathways-formgrader-runs-no-code"
#: Where the server runs: nbgrader_config.py's folder, as for every nbgrader command Pathways runs. Never the course
#: folder: its private `pathways/` folder would shadow the `pathways` package of an editable install.
WORKDIR = NBGRADER_CONFIG_DIR


def command(root: Path, port: int, token: str) -> list[str]:
    """The Jupyter server of the formgrader (see the module docstring)."""
    cmd = [sys.executable, "-m", "jupyter_server", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
           "--ServerApp.port_retries=0", f"--ServerApp.root_dir={root}", f"--IdentityProvider.token={token}",
           "--no-browser",
           # no kernel, and no learner code run by its Autograde button (the guard refuses it; were it reached, it
           # would find no such kernel and fail)
           "--ServerApp.kernel_manager_class=pathways.grading.instructor.formgrader_kernels.NoKernels",
           f"--Execute.kernel_name={NO_KERNEL}", *server_args(enabled_extensions())]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    return cmd


def enabled_extensions(config_dirs: list[str] | None = None) -> set[str]:
    """The server extensions a Jupyter configuration enables (a formgrader switches off each but ours): this
    environment's (its Jupyter config path), or the one in `config_dirs` (the workshop's hub environment, which is
    not the environment this runs in). Read by jupyter_server, as the server itself reads them."""
    from jupyter_core.paths import jupyter_config_path
    from jupyter_server.extension.config import ExtensionConfigManager

    dirs = jupyter_config_path() if config_dirs is None else config_dirs
    return set(ExtensionConfigManager(read_config_path=dirs).get_jpserver_extensions())


def environment(root: Path) -> dict[str, str]:
    """The server's environment: the configuration in force with this course (for nbgrader_config.py), and that
    configuration's folder."""
    env = {**os.environ, **config.current().environment(course=str(root))}
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(
        p for p in (str(NBGRADER_CONFIG_DIR), env.get("JUPYTER_CONFIG_PATH", "")) if p)
    return env


def prepare(root: Path, port: int) -> tuple[list[str], dict[str, str], str]:
    """The command, environment and address (with its token) of a formgrader on this course."""
    if not CourseFolder(root).sqlite_gradebook.exists() and not config.current().db_url:
        raise FileNotFoundError(f"{root} has no gradebook: run `pathways course init` and `pathways grade` first")
    token = secrets.token_urlsafe(24)
    return command(root, port, token), environment(root), f"http://127.0.0.1:{port}{PAGE}?token={token}"
