"""What every part of the workshop shares: where things are and small helpers (its record: record.py)."""

from __future__ import annotations

import os
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

from pathways import config
from pathways.files import RESPONSES_FILE, TIMESTAMP_FILE

from ...course import COURSE_ID

WORKSHOP = Path(__file__).resolve().parent
GRADING = WORKSHOP.parent.parent
REPO = GRADING.parent
HUB_FILES = WORKSHOP / "hub_config"
SYSTEM_PYTHON = "/usr/bin/python3.11"
#: In the state folder, beside the hub's configuration that reads them (hub_config/jupyterhub_config.py).
HUB_SETTINGS, PASSPHRASES = "settings.json", "passphrases.json"
#: Learner uids come from this range (its first id is the learners' group). It sits below the grading sandbox's
#: uids (50000 up) and Debian's dynamic ranges, and above the ids useradd hands out in order.
DEFAULT_UIDS = (47000, 47999)
DEFAULT_PREFIX = "pw-"
LEARNER_COMMENT = "Pathways workshop learner"
#: The formgrader's account (grading/delivery/workshop/formgrader.py); `stop` removes only accounts with one of these
#: comments.
GRADER_COMMENT = "Pathways workshop grader"
WORKSHOP_COMMENTS = (LEARNER_COMMENT, GRADER_COMMENT)
NOLOGIN = "/usr/sbin/nologin"
HANDIN_FILES = {RESPONSES_FILE, TIMESTAMP_FILE}
MAX_HANDIN_FILE = 20_000_000
PRIVILEGED_GROUPS = {"root", "sudo", "admin", "wheel", "adm", "docker", "lxd", "disk", "shadow"}
#: Unambiguous letters and digits for passphrases (no 0/o, 1/l/i): 4 groups of 5 = about 98 bits.
PASS_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def workshop_root(root: str | Path | None = None) -> Path:
    """`root`, or the configured workshop folder (PATHWAYS_WORKSHOP_ROOT, default /srv/pathways-workshop)."""
    return Path(root or config.current().workshop_root)


def shared_env(shared: str | Path | None = None) -> Path:
    """`shared`, or the configured shared hub environment (PATHWAYS_WORKSHOP_SHARED, default /opt/pathways-workshop)."""
    return Path(shared or config.current().workshop_shared)


class WorkshopError(RuntimeError):
    """Something the instructor must fix; the message says what."""


# --- where things are ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Layout:
    """The folders of one workshop under its root."""

    root: Path

    @property
    def state(self) -> Path:
        """Root only: hub settings and database, passphrase hashes, the sheet."""
        return self.root / "state"

    @property
    def exchange(self) -> Path:
        """nbgrader's exchange (per-learner folders inside)."""
        return self.root / "exchange"

    @property
    def homes(self) -> Path:
        """The learners' homes (each 0700)."""
        return self.root / "homes"

    @property
    def learner_config(self) -> Path:
        """Jupyter configuration every learner's server reads (read-only for them)."""
        return self.root / "learner-config"

    @property
    def hub_settings(self) -> Path:
        """What hub_config/jupyterhub_config.py reads (written by `start`)."""
        return self.state / HUB_SETTINGS

    @property
    def passphrases(self) -> Path:
        """The learners' passphrases, hashed (0600)."""
        return self.state / PASSPHRASES

    @property
    def record(self) -> Path:
        """What this workshop is: learners, accounts, ports, processes (workshop.json)."""
        return self.state / "workshop.json"

    @property
    def course_exchange(self) -> Path:
        """The exchange's course folder."""
        return self.exchange / COURSE_ID

    @property
    def inbound(self) -> Path:
        """The exchange's hand-in folders, one per learner account (nbgrader's inbound/)."""
        return self.course_exchange / "inbound"

    @property
    def feedback_boxes(self) -> Path:
        """The exchange's feedback folders, one per learner account (nbgrader's feedback/, not a course's)."""
        return self.course_exchange / "feedback"


def mkdir(path: Path, mode: int, uid: int = 0, gid: int = 0) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    os.chown(path, uid, gid)
    os.chmod(path, mode)
    return path


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL, **kw)
    if proc.returncode != 0:
        raise WorkshopError(f"{' '.join(cmd[:3])} failed: {(proc.stderr or proc.stdout).strip()[-800:]}")
    return proc



def default_signals() -> None:
    """SIGINT and SIGQUIT back to their defaults (run in the hub's process before it starts). A shell without job
    control (a script, anything started in the background) has its children ignore both, and an ignored signal
    stays ignored through every program started after: the hub, its services and every learner's server. JupyterHub
    stops each server and service with SIGINT first and waits 10 s before SIGTERM, so a stop took half a minute,
    and the hub, killed when it had not finished, left its services running."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)

