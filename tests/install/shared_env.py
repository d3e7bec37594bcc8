"""The shared environment a multi-user server needs: a venv made from Debian's /usr/bin/python3.11 in a folder every
user can read, outside any checkout, holding exactly the pinned dependencies (constraints.txt).

A Python under root's private home (pyenv, the checkout's .venv) cannot be run by other users, so learners'
servers and the install test use this one. Building it takes about a minute, so `make test` builds it before
pytest (`make shared-env`); it is rebuilt only when the dependencies change (constraints.txt, pyproject.toml's
dependencies or the Python), never for a change of Pathways itself: the install test installs the checkout into it
each run. Runs on one machine share it, one at a time (a file lock).

    python tests/install/shared_env.py [FOLDER]      # what `make shared-env` runs
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SYSTEM_PYTHON = "/usr/bin/python3.11"
#: World-readable and outside every checkout (a fresh clone may sit in a private `mktemp -d`).
DEFAULT = Path("/var/tmp/pathways-shared-env")


class Unavailable(Exception):
    """This machine cannot hold a shared environment (no Debian Python, or no venv module for it)."""


def dependencies() -> list[str]:
    """The project's runtime requirements, as pyproject.toml states them."""
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]


def key() -> str:
    """What the environment's contents depend on: the pins, the requirements and the Python's version."""
    version = subprocess.run([SYSTEM_PYTHON, "-c", "import sys; print(sys.version)"], capture_output=True,
                             text=True, check=True).stdout
    text = (ROOT / "constraints.txt").read_text(encoding="utf-8") + "\n".join(dependencies()) + version
    return hashlib.sha256(text.encode()).hexdigest()


@contextlib.contextmanager
def locked(folder: Path):
    """Hold the environment for this run alone (another checkout's run waits its turn)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / f".{folder.name}.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def pip(folder: Path, *args: str) -> None:
    """Run the environment's pip quietly; on failure raise with its output (the reason is in it)."""
    done = subprocess.run([str(folder / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", "-q", *args],
                          capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        raise RuntimeError(f"pip {' '.join(args)} failed in {folder}:\n{done.stdout}\n{done.stderr}")


def ensure(folder: Path = DEFAULT) -> tuple[Path, bool]:
    """The environment at `folder`, built or rebuilt if its dependencies changed; (folder, whether it was built).
    Call it holding `locked(folder)`."""
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        raise Unavailable(f"{SYSTEM_PYTHON} is missing (Debian: apt-get install python3.11 python3.11-venv)")
    wanted, stamp = key(), folder / ".pathways-dependencies"
    if stamp.is_file() and stamp.read_text() == wanted and (folder / "bin" / "python").is_file():
        return folder, False
    made = subprocess.run([SYSTEM_PYTHON, "-m", "venv", "--clear", str(folder)], capture_output=True, text=True)
    if made.returncode:
        raise Unavailable(f"cannot make a venv with {SYSTEM_PYTHON} (apt-get install python3.11-venv): {made.stderr}")
    os.chmod(folder, 0o755)
    pip(folder, "install", "--upgrade", "pip>=24")
    pip(folder, "install", "-c", str(ROOT / "constraints.txt"), *dependencies())
    stamp.write_text(wanted)
    return folder, True


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else DEFAULT
    try:
        with locked(folder):
            _, built = ensure(folder)
    except Unavailable as why:
        print(f"shared environment skipped: {why}")
        return 0
    print(f"shared environment {'built' if built else 'up to date'}: {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
