"""Translations: the widgets' own strings (ui.<lang>.yaml), chosen by PATHWAYS_LANG (default English)."""

from __future__ import annotations

import os
from functools import cache
from importlib import resources

import yaml

DEFAULT_LANG = "en"


def current_lang() -> str:
    """The language in force for widget strings."""
    return os.environ.get("PATHWAYS_LANG", DEFAULT_LANG) or DEFAULT_LANG


@cache
def ui_strings(lang: str) -> dict[str, str]:
    """All widget strings of one language (missing keys fall back to English)."""
    base = _read(DEFAULT_LANG)
    return base if lang == DEFAULT_LANG else {**base, **_read(lang)}


def _read(lang: str) -> dict[str, str]:
    try:
        text = resources.files(__package__).joinpath(f"data/ui.{lang}.yaml").read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    return yaml.safe_load(text) or {}


def ui(key: str, lang: str | None = None, **fields) -> str:
    """One widget string, formatted with `fields` (e.g. ui('you_earned', score=3, best=4))."""
    text = ui_strings(lang or current_lang())[key]
    return text.format(**fields) if fields else text
