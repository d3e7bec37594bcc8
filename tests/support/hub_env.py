"""The shared hub environment (a venv from Debian's /usr/bin/python3.11 in /opt/pathways-workshop, readable by every
user, with this checkout installed as a copy): the workshop test runs JupyterHub and the learners' servers from it,
and the install test checks, as another user, that it holds a whole, working `pathways`.

`make test` brings it up to date before pytest (`pathways workshop prepare`: a venv build takes minutes, an update of
the project seconds); a test run without make does it here, saying so.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path


def hub_environment() -> Path | str:
    """The shared hub environment's folder, brought up to date; or why it cannot be had here (not root, a tool
    missing), for the caller to skip with."""
    from pathways.grading.delivery import workshop

    why = workshop.missing_tools()
    if why:
        return why
    todo = workshop.environment_status()
    if todo:
        warnings.warn(f"the shared hub environment {workshop.shared_env()} needed {', '.join(todo)}: done inside "
                      "the test (minutes the first time); `make test` does it before the tests", stacklevel=2)
        workshop.ensure_environment(log=lambda line: print(line, file=sys.__stderr__, flush=True))
    return workshop.shared_env()
