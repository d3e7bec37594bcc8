"""The one Jinja2 environment of every page and printout Pathways makes outside the learner's kernel: the class
report and feedback pages (instructor/templates), the workshop's slips and sheet (delivery/workshop/templates), the
static site and SCORM packages (delivery/site, delivery/scorm), the evaluation's pages and the PDFs (evidence).

Autoescape is on, so text from a class list, a learner or a lesson is always escaped, never markup; only a
plain-text template (`*.txt.j2`) is written as it is. An undefined name is an error, never an empty string."""

from __future__ import annotations

import functools
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape


@functools.cache
def environment(*folders: Path) -> Environment:
    """The environment loading templates from `folders` (searched in order), made once per set of folders."""
    env = Environment(loader=FileSystemLoader([str(f) for f in folders]), undefined=StrictUndefined,
                      autoescape=select_autoescape(enabled_extensions=(), disabled_extensions=("txt.j2",),
                                                   default_for_string=True, default=True),
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["g"] = lambda x: f"{x:g}"
    return env
