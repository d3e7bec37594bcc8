"""The resources panel's configuration: hotlines, emergency number and quick-exit target.

One YAML file holds them. The verified default ships with the package; an instructor overrides it
with the PATHWAYS_RESOURCES environment variable or a `pathways-resources.yaml` in the notebook's
folder or any folder above it.
"""

from __future__ import annotations

import os
from functools import cache
from importlib import resources as _pkg
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

OVERRIDE_NAME = "pathways-resources.yaml"


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


def config_path(start: str | Path | None = None) -> Path | None:
    """The instructor's override file, if any (env var first, then the nearest folder upwards)."""
    env = os.environ.get("PATHWAYS_RESOURCES")
    if env:
        return Path(env)
    folder = Path(start or os.getcwd()).resolve()
    for candidate in [folder, *folder.parents]:
        if (candidate / OVERRIDE_NAME).is_file():
            return candidate / OVERRIDE_NAME
    return None


@cache
def _parse(text: str) -> Resources:
    return Resources.model_validate(yaml.safe_load(text))


def default_text() -> str:
    """The verified default configuration shipped with Pathways."""
    return _pkg.files(__package__).joinpath("data/resources.yaml").read_text(encoding="utf-8")


def load_resources(start: str | Path | None = None) -> Resources:
    """The resources in force for a notebook run from `start` (default: the working folder)."""
    path = config_path(start)
    return _parse(path.read_text(encoding="utf-8") if path else default_text())
