"""Where a learner's widget answers live: `responses.json` beside the notebook, or memory only.

In JupyterLab the widgets save every answer to `responses.json` in the notebook's folder, so that
`nbgrader submit` carries it and the autograder can re-check it. Under Voila (a published
dashboard) nothing about a visitor is written on the server: answers stay in the kernel's memory
and die with it. Model answers written by instructors' solution cells are memory-only too, so a
source folder never gains a response file that could overwrite a student's.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

FILENAME = "responses.json"
FORMAT = "pathways-responses/1"
#: A response file larger than this is not read (a learner's real file is a few kilobytes).
MAX_BYTES = 2_000_000


class ResponseFileError(ValueError):
    """The response file exists but cannot be used."""


def under_voila() -> bool:
    """True inside a kernel started by Voila, or when PATHWAYS_STORAGE=memory is set."""
    if os.environ.get("PATHWAYS_STORAGE", "").lower() == "memory":
        return True
    return any(name in os.environ for name in ("VOILA_PREHEAT", "VOILA_BASE_URL", "VOILA_KERNEL_ID"))


def now() -> str:
    """A timestamp for the transcript (UTC, seconds)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def read_file(path: Path) -> dict:
    """Read a response file's activities; raise ResponseFileError with a plain reason if unusable."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return {}
    if size > MAX_BYTES:
        raise ResponseFileError(f"{path.name} is too large ({size} bytes) to be a response file")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ResponseFileError(f"{path.name} is damaged and cannot be read ({exc.__class__.__name__})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("activities"), dict):
        raise ResponseFileError(f"{path.name} is not a Pathways response file")
    return data["activities"]


class ResponseStore:
    """The activities of one notebook: disk file (unless memory-only) overlaid by memory."""

    def __init__(self, folder: str | Path | None = None, persist: bool | None = None):
        self.path = Path(folder or os.getcwd()) / FILENAME
        self.persist = (not under_voila()) if persist is None else persist
        self.memory: dict[str, dict] = {}

    def activities(self) -> dict[str, dict]:
        """Every recorded activity; a damaged file raises ResponseFileError."""
        merged = dict(read_file(self.path)) if self.path.exists() else {}
        merged.update(self.memory)
        return merged

    def get(self, activity: str) -> dict | None:
        """One activity's record, or None if nothing was recorded."""
        return self.activities().get(activity)

    def put(self, activity: str, record: dict, persist: bool | None = None) -> None:
        """Save one activity's record (to memory, and to disk when persisting)."""
        self.memory[activity] = record
        if self.persist if persist is None else persist:
            try:
                on_disk = read_file(self.path)
            except ResponseFileError:
                on_disk = {}  # a damaged file is replaced by what the learner does now
            on_disk[activity] = record
            self._write(on_disk)

    def _write(self, activities: dict) -> None:
        payload = json.dumps({"format": FORMAT, "activities": activities}, indent=1, ensure_ascii=False)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".responses-", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(payload)
        os.replace(tmp, self.path)


_STORE: ResponseStore | None = None


def store() -> ResponseStore:
    """The kernel's store for the notebook being run (created on first use)."""
    global _STORE
    if _STORE is None or _STORE.path.parent != Path(os.getcwd()):
        _STORE = ResponseStore()
    return _STORE
