"""Publishing a built folder (the Voila dashboards, the static site): it is assembled and checked in a temporary
folder, then replaces the published one, which must be empty, missing or one an earlier build of the same command
made (its marker file says so), so that no one's own folder is ever deleted."""

from __future__ import annotations

import shutil
from pathlib import Path


def refuse_foreign(out: Path, marker: str, command: str, error: type[Exception] = RuntimeError) -> None:
    """Raise `error` if `out` holds files and `command` did not make it (no `marker` in it)."""
    if out.exists() and any(out.iterdir()) and not (out / marker).is_file():
        raise error(f"{out} exists and was not made by `{command}`; not replacing it")


def replace_published(built: Path, out: Path, marker: str, command: str, leaks: list[str],
                      error: type[Exception] = RuntimeError) -> Path:
    """Put `built` in place of `out` (marked as `command`'s), unless the scan found text no visitor may get
    (`leaks`, as 'path: text'): then raise `error` naming it and leave `out` as it was."""
    if leaks:
        raise error("refusing to publish solution or hidden-test text:\n  " + "\n  ".join(leaks))
    (built / marker).write_text(f"Built by `{command}`; replaced on every build.\n", encoding="utf-8")
    if out.exists():
        shutil.rmtree(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(built, out)
    return out
