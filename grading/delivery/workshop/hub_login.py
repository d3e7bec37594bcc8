"""What the workshop's JupyterHub imports: the passphrase login and the hook that gives each learner their lessons.

Runs inside the hub's process (as root, from the shared hub environment), never in the instructor's
command. Learner accounts have no Unix password at all (locked, no login shell): the only way in is
this login, against scrypt hashes of the passphrases on the instructor's sheet, kept in a file only
root can read. `pathways workshop stop` deletes that file, so every passphrase stops working.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import os
import pwd
import stat
import subprocess
from pathlib import Path

from jupyterhub.auth import Authenticator
from jupyterhub.spawner import LocalProcessSpawner
from traitlets import Dict, Float, Unicode

from . import limits
from .cleanup import RUNTIME

#: scrypt parameters for passphrases: about 30-50 ms each on a small machine, 16 MB of memory.
SCRYPT = {"n": 2**14, "r": 8, "p": 1, "maxmem": 64 * 1024 * 1024, "dklen": 32}


def hash_passphrase(passphrase: str, salt: bytes | None = None) -> str:
    """An scrypt hash of a passphrase, as 'scrypt$<salt>$<key>' (base64)."""
    salt = salt or os.urandom(16)
    key = hashlib.scrypt(passphrase.encode("utf-8"), salt=salt, **SCRYPT)
    return "scrypt$" + base64.b64encode(salt).decode() + "$" + base64.b64encode(key).decode()


def check_passphrase(passphrase: str, stored: str) -> bool:
    """True if the passphrase matches the stored hash (compared in constant time)."""
    try:
        kind, salt, key = stored.split("$")
        if kind != "scrypt":
            return False
        got = hashlib.scrypt(passphrase.encode("utf-8"), salt=base64.b64decode(salt), **SCRYPT)
        return hmac.compare_digest(got, base64.b64decode(key))
    except (ValueError, TypeError):
        return False


_DUMMY = hash_passphrase("not a learner")


class PassphraseAuthenticator(Authenticator):
    """Log learners in with the passphrase printed for them on the instructor's sheet.

    A wrong name or passphrase costs the same time as a right one plus `failure_delay` seconds, and
    says nothing about which of the two was wrong.
    """

    passphrase_file = Unicode(help="JSON file {username: scrypt hash}, readable by root only").tag(config=True)
    failure_delay = Float(1.0, help="seconds added to every failed login").tag(config=True)

    def _table(self) -> dict:
        try:
            return json.loads(Path(self.passphrase_file).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}  # stopped workshop, or no sheet: nobody gets in

    async def authenticate(self, handler, data):
        """The learner's name if the passphrase is theirs, else None."""
        name = self.normalize_username(str(data.get("username", "")))
        passphrase = str(data.get("password", ""))
        stored = self._table().get(name)
        loop = asyncio.get_running_loop()
        ok = await loop.run_in_executor(None, check_passphrase, passphrase, stored or _DUMMY)
        if ok and stored:
            return name
        self.log.warning("Failed login for %r", name[:40])
        await asyncio.sleep(self.failure_delay)
        return None


def copy_lessons(outbound: str | Path, home: str | Path, username: str) -> None:
    """Copy into a learner's home every released lesson file they do not have yet, as the learner.

    Never overwrites (a learner's own work is kept), and runs as the learner's own user with umask 077,
    so a link the learner made can lead the copy only where the learner could write anyway.
    """
    user = pwd.getpwnam(username)
    subprocess.run(["cp", "-r", "--no-clobber", f"{outbound}/.", str(home)], user=user.pw_uid, group=user.pw_gid,
                   extra_groups=[], umask=0o077, cwd="/", check=True, capture_output=True, timeout=120)


def runtime_dir(spawner) -> str:
    """The learner's private Jupyter runtime folder (made by give_lessons): her kernels' connection files and Unix
    sockets. Short (a socket's path has at most 107 bytes) and outside the home."""
    return f"{RUNTIME}/{pwd.getpwnam(spawner.user.name).pw_uid}"


def give_lessons(outbound: str, spawner) -> None:
    """pre_spawn_hook (with the exchange's release folder bound first, jupyterhub_config.py): the learner's private
    runtime folder (0700, theirs), and any released lesson file their home lacks (see copy_lessons)."""
    user = pwd.getpwnam(spawner.user.name)
    os.makedirs(RUNTIME, mode=0o711, exist_ok=True)
    folder = runtime_dir(spawner)
    with contextlib.suppress(FileExistsError):
        os.mkdir(folder, 0o700)
    st = os.lstat(folder)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid not in (0, user.pw_uid):
        raise PermissionError(f"{folder} is not a folder the workshop made")
    os.chown(folder, user.pw_uid, user.pw_gid)
    os.chmod(folder, 0o700)
    if outbound and Path(outbound).is_dir():
        copy_lessons(outbound, user.pw_dir, spawner.user.name)


class WorkshopSpawner(LocalProcessSpawner):
    """LocalProcessSpawner that puts each learner's server, before it becomes the learner, into her own cgroups (memory,
    processes, CPU share, the freezer `stop` uses) and a mount namespace with her private temporary folders; see
    pathways.grading.delivery.workshop.limits. With no `limits` (start --no-limits) it is LocalProcessSpawner."""

    limits = Dict(config=True, help="cgroup parents ('parents'), values ('values'), 'private_temp' (limits.py)")

    def make_preexec_fn(self, name):
        """Join the learner's cgroups and enter her private temporary folders, then become her."""
        become = super().make_preexec_fn(name)
        if not self.limits:
            return become
        dirs = limits.cgroup_dirs(self.limits["parents"], name)
        limits.make_cgroups(dirs, self.limits["values"])
        private = limits.private_temp(pwd.getpwnam(name).pw_dir) if self.limits.get("private_temp") else None

        def preexec():
            limits.join(dirs)
            if private:
                private()
            become()

        return preexec
