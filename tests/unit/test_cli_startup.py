"""The `pathways` command starts quickly: nothing heavy is imported for a command that does not need it."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("nbgrader", "jupyter_server", "voila", "sqlalchemy")


def test_the_command_line_imports_no_heavy_library_until_a_command_needs_it():
    """Does building the whole command line (what `pathways --help` or `pathways config` do) leave nbgrader, Jupyter
    Server, Voila and SQLAlchemy unimported (they took 3 of the 3.5 s every command spent starting)?"""
    probe = ("import sys\nfrom pathways.grading import cli\ncli.build_parser()\n"
             f"print([m for m in {HEAVY!r} if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", out
