"""The registry of trauma-informed principles that role-play feedback names."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

from .yamlload import safe_load


@dataclass(frozen=True)
class Principle:
    """A named principle with its source and a one-line summary."""

    id: str
    name: str
    source: str
    summary: str


#: What a translation (data/principles.<lang>.yaml) may give for a principle; the source stays as published.
TRANSLATED = ("name", "summary")


def read_data(name: str) -> dict:
    """A YAML file of the package's data folder (widgets/data/), or {} if there is no such file."""
    try:
        text = resources.files(__package__).joinpath(f"data/{name}").read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    return safe_load(text) or {}


@cache
def principles(lang: str | None = None) -> dict[str, Principle]:
    """All known principles, by id (read once from data/principles.yaml), with their names and summaries in
    `lang` where data/principles.<lang>.yaml gives them (English otherwise)."""
    base = read_data("principles.yaml")
    extra = read_data(f"principles.{lang}.yaml") if lang and lang != "en" else {}
    return {pid: Principle(id=pid, **{**fields, **{k: v for k, v in (extra.get(pid) or {}).items()
                                                   if k in TRANSLATED}})
            for pid, fields in base.items()}


def principle_ids() -> frozenset[str]:
    """The ids a scenario may use in `feedback.principle`."""
    return frozenset(principles())
