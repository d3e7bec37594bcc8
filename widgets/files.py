"""The names of the files a lesson folder holds that several parts of Pathways read, and the one way to write a
file atomically (a crash, a full disk or a second writer never leaves half a file where a whole one was).

Kernel-side (the widgets write `responses.json` with it); the grading package imports it, never the reverse.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

#: A learner's answers, beside each lesson's notebook (pathways.responses), handed in with it.
RESPONSES_FILE = "responses.json"
#: nbgrader's record of when a hand-in was made, beside the handed-in notebook.
TIMESTAMP_FILE = "timestamp.txt"
#: A lesson's notebook, in its lesson folder; `lesson.<lang>.ipynb` beside it is a translation.
LESSON_NOTEBOOK = "lesson.ipynb"


@contextlib.contextmanager
def atomic_file(path: str | Path, mode: int | None = None, binary: bool = False,
                owner: tuple[int, int] | None = None) -> Iterator[IO]:
    """A new file opened for writing beside `path`; when the block ends without an error it is flushed to disk,
    given `mode` and `owner` (uid, gid) if set, and renamed over `path` in one step; on an error it is removed and
    `path` is left as it was. Created 0600 (readable by no one else while it is written)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8"})) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        if owner is not None:
            os.chown(tmp, *owner)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_atomically(path: str | Path, data: str | bytes, mode: int | None = None,
                     owner: tuple[int, int] | None = None) -> Path:
    """Write text (UTF-8) or bytes to `path` whole or not at all (see atomic_file); returns `path`."""
    with atomic_file(path, mode, isinstance(data, bytes), owner) as fh:
        fh.write(data)
    return Path(path)


def copy_atomically(src: str | Path, dest: str | Path, mode: int | None = None,
                    owner: tuple[int, int] | None = None) -> Path:
    """Copy a file's bytes to `dest` whole or not at all (see atomic_file); `mode` else the source's; returns
    `dest`."""
    with atomic_file(dest, mode if mode is not None else Path(src).stat().st_mode & 0o7777, True, owner) as fh, \
            open(src, "rb") as source:
        shutil.copyfileobj(source, fh)
    return Path(dest)
