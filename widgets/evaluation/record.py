"""A learner's answers to one evaluation time point, saved in `evaluation.json` beside the notebook."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from ..files import write_atomically
from .items import ANSWERS_FILE

#: The record format's version (a later format reads older ones).
VERSION = 1
#: The longest "what would you change" answer kept (the form keeps the first this many characters).
CHANGE_MAX = 4000


class Answers(BaseModel):
    """What a learner answered at one time point; `declined` when they chose not to take part (then nothing else
    is kept)."""

    model_config = ConfigDict(extra="forbid")
    version: int = VERSION
    timepoint: str = Field(pattern="^(pre|post|followup)$")
    declined: bool = False
    answers: dict[str, str] = Field(default_factory=dict)
    attitudes: dict[str, int] = Field(default_factory=dict)
    relevance: int | None = Field(default=None, ge=1, le=5)
    confidence: int | None = Field(default=None, ge=1, le=5)
    change: str = Field(default="", max_length=CHANGE_MAX)
    saved: str = ""


def answers_path(folder: str | Path | None = None) -> Path:
    """The answers file of the evaluation notebook in `folder` (the working folder: the notebook's)."""
    return Path(folder or ".") / ANSWERS_FILE


def read_answers(path: str | Path) -> Answers | None:
    """The answers saved in `path`, None if there is no file (ValueError if it cannot be read)."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        return Answers.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as err:
        raise ValueError(f"{path} cannot be read as evaluation answers: {err}") from err


def save_answers(answers: Answers, path: str | Path) -> None:
    """Write the answers whole or not at all (pathways.files), so a crash never leaves half a file."""
    path = Path(path)
    answers.saved = datetime.now(UTC).isoformat(timespec="seconds")
    write_atomically(path, json.dumps(answers.model_dump(), indent=1, ensure_ascii=False))
