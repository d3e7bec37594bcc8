"""The widgets' own strings (ui.<lang>.yaml), in the language in force: pathways.config's `lang` (PATHWAYS_LANG,
default English), which a translated lesson sets for its kernel with `set_language`.

Translations of role-play scenarios (a separate file such as `er_visit.es.yaml`) are read, checked and applied
by `pathways.scenario.translation`; its names are offered here too, where lessons, the grading package and
the tests have always found them.
"""

from __future__ import annotations

from functools import cache

from . import config
from .principles import read_data
from .scenario.translation import (
    HEADER,
    LANG_CODE,
    UNTRANSLATED_WORDS,
    base_file,
    check_translation_file,
    learner_strings,
    load_translated,
    translate,
    translation_problems,
    translation_template,
)

__all__ = ["DEFAULT_LANG", "HEADER", "LANG_CODE", "UNTRANSLATED_WORDS", "base_file", "check_translation_file",
           "current_lang", "learner_strings", "load_translated", "set_language", "translate",
           "translation_problems", "translation_template", "ui", "ui_strings"]

DEFAULT_LANG = "en"


def current_lang() -> str:
    """The language in force for widget strings."""
    return config.current().lang or DEFAULT_LANG


def set_language(lang: str) -> None:
    """Make `lang` the language in force in this kernel (a translated lesson's first cell calls it, so that the
    lesson is in its language whatever the server was started with: widgets, resources panel and quick exit).
    Set in this process's configuration, never in its environment."""
    if not isinstance(lang, str) or not LANG_CODE.match(lang):
        raise ValueError(f"not a language code: {lang!r} (for example 'es')")
    config.configure(lang=lang)


@cache
def ui_strings(lang: str) -> dict[str, str]:
    """All widget strings of one language (missing keys fall back to English)."""
    base = _read(DEFAULT_LANG)
    return base if lang == DEFAULT_LANG else {**base, **_read(lang)}


def _read(lang: str) -> dict[str, str]:
    return read_data(f"ui.{lang}.yaml")


def ui(key: str, lang: str | None = None, **fields) -> str:
    """One widget string, formatted with `fields` (e.g. ui('you_earned', score=3, best=4))."""
    text = ui_strings(lang or current_lang())[key]
    return text.format(**fields) if fields else text
