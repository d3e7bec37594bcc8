"""The coverage checklist ids a scenario may tag (data/checklist.yaml, one per ID of CHECKLIST.md)."""

from __future__ import annotations

from functools import cache
from importlib import resources

from .yamlload import safe_load


@cache
def checklist() -> dict[str, str]:
    """Every checklist id with its short title, in checklist order."""
    text = resources.files(__package__).joinpath("data/checklist.yaml").read_text(encoding="utf-8")
    return {str(k): str(v) for k, v in safe_load(text).items()}


def checklist_ids() -> frozenset[str]:
    """The ids a scenario may use in `checklist:` and in a choice's `tags:`."""
    return frozenset(checklist())
