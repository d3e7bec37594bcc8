"""The registry of trauma-informed principles that role-play feedback names."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml


@dataclass(frozen=True)
class Principle:
    """A named principle with its source and a one-line summary."""

    id: str
    name: str
    source: str
    summary: str


@cache
def principles() -> dict[str, Principle]:
    """All known principles, by id (read once from data/principles.yaml)."""
    text = resources.files(__package__).joinpath("data/principles.yaml").read_text(encoding="utf-8")
    return {pid: Principle(id=pid, **fields) for pid, fields in yaml.safe_load(text).items()}


def principle_ids() -> frozenset[str]:
    """The ids a scenario may use in `feedback.principle`."""
    return frozenset(principles())
