"""The resources panel's configuration: hotlines, emergency number and quick-exit target.

One YAML file holds them. The verified default ships with the package; an instructor overrides it
with the PATHWAYS_RESOURCES environment variable or a `pathways-resources.yaml` in the notebook's
folder or any folder above it.

The words (never the numbers) can be translated: with PATHWAYS_LANG=es, a file `resources.es.yaml` beside
the configuration in force (`data/resources.es.yaml` for the default, `pathways-resources.es.yaml` beside an
instructor's file) gives the region, the quick exit's label and hint, the emergency line's name and note, and
each line's name, hours and note, the lines named by their phone number:

    language: es
    region: "Estados Unidos y Canadá"
    quick_exit: {label: "Salir de esta página", hint: "..."}
    emergency: {name: "...", note: "..."}
    lines:
      "1-888-373-7888": {name: "...", hours: "...", note: "..."}

A line the translation names that the configuration lacks is an error (a number retyped wrongly); text the
translation lacks stays as configured.
"""

from __future__ import annotations

import os
import re
from functools import cache
from importlib import resources as _pkg
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from . import config
from .i18n import DEFAULT_LANG, current_lang
from .yamlload import safe_load

OVERRIDE_NAME = "pathways-resources.yaml"
#: A text line written as a keyword and a number: "START to 88788".
KEYWORD_TEXT = re.compile(r"^(?P<keyword>\S+) to (?P<number>[0-9][0-9-]*)$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class QuickExit(_Model):
    """Where the quick-exit control goes, and what it says."""

    url: str = Field(pattern=r"^(https?://|about:blank$)")
    label: str = "Exit this page"
    hint: str = ""


class Line(_Model):
    """A support line."""

    name: str
    phone: str
    phone_words: str | None = None
    text: str | None = None
    tty: str | None = None
    hours: str | None = None
    note: str = ""
    panel: bool = True
    #: Its label on the printed wallet card, which names no line (no word about trafficking or abuse), only where
    #: it serves, e.g. "Helpline (Canada)"; without one the card says "Support line N".
    card_label: str | None = None

    def text_keyword(self) -> tuple[str, str] | None:
        """(keyword, number) when the text line is written "KEYWORD to NUMBER", else None."""
        m = KEYWORD_TEXT.match(self.text or "")
        return (m["keyword"], m["number"]) if m else None


class Emergency(_Model):
    """The emergency number."""

    name: str
    phone: str
    note: str = ""


class Resources(_Model):
    """The whole resources configuration."""

    region: str
    quick_exit: QuickExit
    emergency: Emergency
    lines: list[Line]

    def phone_numbers(self) -> set[str]:
        """Every number this configuration holds (phone, text and TTY), as written."""
        out = {self.emergency.phone}
        for line in self.lines:
            out |= {n for n in (line.phone, line.phone_words, line.text, line.tty) if n}
        return out


class _QuickExitText(_Model):
    label: str | None = None
    hint: str | None = None


class _EmergencyText(_Model):
    name: str | None = None
    note: str | None = None


class _LineText(_Model):
    name: str | None = None
    hours: str | None = None
    note: str | None = None


class Translation(_Model):
    """The words of a resources configuration in another language (resources.<lang>.yaml)."""

    language: str = Field(pattern=r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")
    region: str | None = None
    quick_exit: _QuickExitText = _QuickExitText()
    emergency: _EmergencyText = _EmergencyText()
    lines: dict[str, _LineText] = Field(default_factory=dict, description="By the line's phone number.")


def translate(res: Resources, tr: Translation) -> Resources:
    """The configuration with its words replaced by the translation's (numbers untouched)."""
    unknown = sorted(set(tr.lines) - {ln.phone for ln in res.lines})
    if unknown:
        raise ValueError(f"the {tr.language} translation of the resources names lines by numbers the "
                         f"configuration does not have: {', '.join(unknown)} (check the numbers)")

    def given(model: _Model) -> dict:
        return {k: v for k, v in model.model_dump().items() if v is not None}

    data = res.model_dump()
    if tr.region:
        data["region"] = tr.region
    data["quick_exit"].update(given(tr.quick_exit))
    data["emergency"].update(given(tr.emergency))
    for line in data["lines"]:
        line.update(given(tr.lines.get(line["phone"], _LineText())))
    return Resources.model_validate(data)


def translation_path(config: Path | None, lang: str) -> Path | None:
    """The translation file for a configuration file (None: the shipped default) in `lang`, if there is one."""
    if config is None:
        path = Path(str(_pkg.files(__package__).joinpath(f"data/resources.{lang}.yaml")))
    else:
        path = config.with_name(f"{config.stem}.{lang}{config.suffix}")
    return path if path.is_file() else None


def config_path(start: str | Path | None = None) -> Path | None:
    """The instructor's override file, if any (the configured one first, then the nearest folder upwards)."""
    configured = config.current().resources
    if configured:
        return Path(configured)
    folder = Path(start or os.getcwd()).resolve()
    for candidate in [folder, *folder.parents]:
        if (candidate / OVERRIDE_NAME).is_file():
            return candidate / OVERRIDE_NAME
    return None


@cache
def _parse(text: str, translation: str | None = None) -> Resources:
    res = Resources.model_validate(safe_load(text))
    return translate(res, Translation.model_validate(safe_load(translation))) if translation else res


def default_text() -> str:
    """The verified default configuration shipped with Pathways."""
    return _pkg.files(__package__).joinpath("data/resources.yaml").read_text(encoding="utf-8")


def load_resources(start: str | Path | None = None, lang: str | None = None) -> Resources:
    """The resources in force for a notebook run from `start` (default: the working folder), in `lang`
    (default: the language in force) where a translation of the configuration exists."""
    path = config_path(start)
    lang = lang or current_lang()
    extra = translation_path(path, lang) if lang != DEFAULT_LANG else None
    return _parse(path.read_text(encoding="utf-8") if path else default_text(),
                  extra.read_text(encoding="utf-8") if extra else None)
