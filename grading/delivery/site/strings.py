"""The static site's own strings (strings.yaml), by language, English filling what a language lacks."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pathways.yamlload import safe_load

STRINGS = Path(__file__).with_name("strings.yaml")


@cache
def site_strings(lang: str | None) -> dict[str, str]:
    """Every site string in `lang` (None or 'en': English)."""
    data = safe_load(STRINGS.read_text(encoding="utf-8"))
    return {**data["en"], **data.get(lang or "en", {})}
