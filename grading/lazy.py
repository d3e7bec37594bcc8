"""A module imported when first used: the `pathways` command line stays quick for what needs little.

`pathways --help`, `pathways config` or `pathways workshop status` took 3.5 s, nearly all of it importing nbgrader
(1.7 s: its package imports its server extensions) and Jupyter's kernel machinery for commands that were not run.
"""

from __future__ import annotations

import importlib
from types import ModuleType


class _LazyModule:
    """Stands for a module until an attribute is read; then imports it (once) and reads from it."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str):
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attr)


def lazy_module(name: str):
    """The module `name` (absolute), imported on first attribute access."""
    return _LazyModule(name)
