"""Pathways' HTML pages and printouts outside the learner's kernel: Jinja2 templates in this folder (the class report,
each learner's feedback page) and in the workshop's (grading/delivery/workshop/templates: the sign-in slips and
sheet), rendered by the one environment of grading/templates.py (autoescaped but for plain text)."""

from __future__ import annotations

import functools
from pathlib import Path

from jinja2 import Environment

from ...templates import environment as _environment

FOLDER = Path(__file__).resolve().parent
#: Every folder of templates, searched in this order (their names differ).
FOLDERS = (FOLDER, FOLDER.parent.parent / "delivery" / "workshop" / "templates")


@functools.cache
def environment() -> Environment:
    """The Jinja2 environment of these pages (grading/templates.py)."""
    return _environment(*FOLDERS)
