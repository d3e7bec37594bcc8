"""Pathways' HTML pages and printouts outside the learner's kernel: Jinja2 templates in this folder (the class report,
each learner's feedback page) and in the workshop's (grading/delivery/workshop/templates: the sign-in slips and
sheet), all rendered by one environment. Autoescape is on, so text from a class list or a learner is always escaped,
never markup; only a plain-text template (`*.txt.j2`, not HTML) is written as it is."""

from __future__ import annotations

import functools
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

FOLDER = Path(__file__).resolve().parent
#: Every folder of templates, searched in this order (their names differ).
FOLDERS = (FOLDER, FOLDER.parent.parent / "delivery" / "workshop" / "templates")


@functools.cache
def environment() -> Environment:
    """The one Jinja2 environment of these pages (autoescaped but for plain text, strict about undefined names)."""
    env = Environment(loader=FileSystemLoader(FOLDERS), undefined=StrictUndefined,
                      autoescape=select_autoescape(enabled_extensions=(), disabled_extensions=("txt.j2",),
                                                   default_for_string=True, default=True),
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["g"] = lambda x: f"{x:g}"
    return env
