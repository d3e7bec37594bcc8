"""`pathways formgrader`: nbgrader's formgrader for the instructor alone, on this machine, to grade reflections.

A Jupyter server run in the foreground by the instructor (stopped with Ctrl-C), never a service learners share:
it listens on 127.0.0.1 only, asks for a fresh random token (printed once, in the address to open), has terminals
off, starts no kernel (formgrader_kernels.py) and only nbgrader's formgrader extension of the instructor ones (no
course list, no assignment list), and reads the course through `grading/instructor/nbgrader_config.py`, the
configuration every Pathways command uses. Code is graded by `pathways grade` (sandboxed): the formgrader's
Autograde button is given a kernel that does not exist, so it fails instead of running learners' code as you
(nbgrader then drops that hand-in's graded copy, never its grades: `pathways grade --force --student ID` makes it
again, and `pathways feedback` says so). A workshop has its own formgrader behind the hub (grading/workshop).
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

from pathways import config

from .. import course as course_mod

#: The formgrader's own page on the server.
PAGE = "/formgrader"
#: The kernel its Autograde button is given: none exists, so that button runs no learner code.
NO_KERNEL = "pathways-formgrader-runs-no-code"
#: Where the server runs: nbgrader_config.py's folder, as for every nbgrader command Pathways runs. Never the course
#: folder: its private `pathways/` folder would shadow the `pathways` package of an editable install.
WORKDIR = course_mod.NBGRADER_CONFIG_DIR


def command(root: Path, port: int, token: str) -> list[str]:
    """The Jupyter server of the formgrader (see the module docstring)."""
    cmd = [sys.executable, "-m", "jupyter_server", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
           "--ServerApp.port_retries=0", f"--ServerApp.root_dir={root}", f"--IdentityProvider.token={token}",
           "--ServerApp.terminals_enabled=False", "--no-browser", f"--ServerApp.default_url={PAGE}",
           # no kernel, and no learner code run by its Autograde button: it finds no such kernel and fails
           "--ServerApp.kernel_manager_class=pathways.grading.instructor.formgrader_kernels.NoKernels",
           f"--Execute.kernel_name={NO_KERNEL}",
           "--ServerApp.jpserver_extensions=nbgrader.server_extensions.formgrader=True",
           "--ServerApp.jpserver_extensions=nbgrader.server_extensions.course_list=False",
           "--ServerApp.jpserver_extensions=nbgrader.server_extensions.assignment_list=False",
           "--ServerApp.jpserver_extensions=nbgrader.server_extensions.validate_assignment=False"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    return cmd


def environment(root: Path) -> dict[str, str]:
    """The server's environment: the configuration in force with this course (for nbgrader_config.py), and that
    configuration's folder."""
    env = {**os.environ, **config.current().environment(course=str(root))}
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(
        p for p in (str(course_mod.NBGRADER_CONFIG_DIR), env.get("JUPYTER_CONFIG_PATH", "")) if p)
    return env


def prepare(root: Path, port: int) -> tuple[list[str], dict[str, str], str]:
    """The command, environment and address (with its token) of a formgrader on this course."""
    if not (root / "gradebook.db").exists() and not config.current().db_url:
        raise FileNotFoundError(f"{root} has no gradebook: run `pathways course init` and `pathways grade` first")
    token = secrets.token_urlsafe(24)
    return command(root, port, token), environment(root), f"http://127.0.0.1:{port}{PAGE}?token={token}"
