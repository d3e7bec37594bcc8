"""The instructor's HTML pages (the class report, each learner's feedback page): Jinja2 templates in this folder,
rendered with autoescape on, so text from a class list or a learner is always escaped, never markup."""

from __future__ import annotations

import functools
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

FOLDER = Path(__file__).resolve().parent


@functools.cache
def environment() -> Environment:
    """The one Jinja2 environment of these pages (autoescaped, strict about undefined names)."""
    env = Environment(loader=FileSystemLoader(FOLDER), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["g"] = lambda x: f"{x:g}"
    return env
