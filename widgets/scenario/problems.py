"""A problem found in a file, located for its author: file, line and the path of the field.

`SourceMap` finds the line of a path such as ('nodes', 'intro', 'choices', 0, 'next') in the file's YAML
node tree; `dotted` writes that path as authors read it ('nodes.intro.choices[0].next').
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import yaml


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario file, located for its author."""

    file: str
    line: int | None
    path: str
    message: str
    severity: Literal["error", "warning"] = "error"
    rule: str = ""  # for the assessment rules: which one (`rules` of its kind, pathways.activities.registry.rules())

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        at = f" (at {self.path})" if self.path else ""
        return f"{where}: {self.severity}: {self.message}{at}"


class ScenarioError(ValueError):
    """Raised when a scenario file cannot be used; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class SourceMap:
    """Finds the line of a path like ('nodes', 'intro', 'choices', 0, 'next') in a YAML file."""

    root: yaml.Node | None

    def line(self, path: tuple) -> int | None:
        """The line of the deepest part of `path` found in the file (None for a file with no YAML)."""
        node = self.root
        best = node.start_mark.line + 1 if node is not None else None
        for key in path:
            if isinstance(node, yaml.MappingNode):
                for k, v in node.value:
                    if k.value == str(key):
                        best = k.start_mark.line + 1
                        node = v
                        break
                else:
                    return best
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
                node = node.value[key]
                best = node.start_mark.line + 1
            else:
                return best
        return best


def dotted(path: tuple) -> str:
    """A field's path as authors read it: ('nodes', 'a', 'choices', 0) -> 'nodes.a.choices[0]'."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class Report:
    """Collects the problems one rule finds in one file, each located through the file's source map."""

    def __init__(self, smap: SourceMap, filename: str, rule: str = ""):
        self.smap, self.filename, self.rule = smap, filename, rule
        self.problems: list[Problem] = []

    def add(self, path: tuple, message: str, severity: Literal["error", "warning"] = "error") -> None:
        """Record a problem at `path` (a tuple of keys and indexes into the file)."""
        self.problems.append(Problem(self.filename, self.smap.line(path), dotted(path), message, severity,
                                     self.rule))


def by_line(problems: list[Problem]) -> list[Problem]:
    """Problems in the order of the file (stable: equal lines keep their order)."""
    return sorted(problems, key=lambda p: p.line or 0)
