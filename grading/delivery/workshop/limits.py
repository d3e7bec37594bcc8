"""Limits per learner, with what a machine without systemd offers (PID 1 here is not systemd, and cgroup v2 has no
controllers; the cgroup v1 hierarchies are mounted and root may write them; loop devices exist):

* memory (the learner's server and kernels together), processes and a CPU share: a cgroup of the learner's own in
  the memory, pids, cpu and freezer hierarchies, below the cgroup `workshop start` runs in. The hub's spawner
  (hub_login.WorkshopSpawner) puts the server into it before it becomes the learner, so every kernel and process
  she starts is in it, whatever it does (setsid, double fork). The freezer lets `stop` kill all of them at once.
* disk: her home is a size-limited ext4 filesystem of its own (an image file, mounted with -o loop), and her
  server's /tmp, /var/tmp, /dev/shm and /run/lock are folders in it (a mount namespace of her server's own), so
  temporary files count against the same limit and no other account sees them.

`missing()` says what this machine cannot do; `workshop start` refuses then, unless --no-limits.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

CGROUP = Path("/sys/fs/cgroup")
CONTROLLERS = ("memory", "pids", "cpu", "freezer")
#: The learner's private temporary folders: where each is seen, and its folder in her home's filesystem.
PRIVATE = {"/tmp": "tmp", "/var/tmp": "var-tmp", "/dev/shm": "shm", "/run/lock": "lock"}
PRIVATE_ROOT = ".workshop-tmp"


@dataclass(frozen=True)
class Limits:
    """What each learner may use (README, "Capacity")."""

    memory_mb: int = 1536
    processes: int = 256
    cpu_shares: int = 512  # the hub's processes have 1024, each learner half that
    disk_mb: int = 1024

    def describe(self) -> str:
        """The limits in words, as `start` prints them."""
        return (f"memory {self.memory_mb} MB (her server and kernels together), {self.processes} processes and "
                f"threads, CPU share {self.cpu_shares} (the hub's processes 1024), disk {self.disk_mb} MB for her "
                "home and temporary files (her own /tmp, /var/tmp, /dev/shm, /run/lock)")


def _own_cgroup(controller: str) -> str | None:
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, names, path = line.split(":", 2)
        if controller in names.split(","):
            return path
    return None


def missing() -> list[str]:
    """What cannot be enforced on this machine (each said); [] when every limit can."""
    why = []
    for controller in CONTROLLERS:
        path = _own_cgroup(controller)
        top = CGROUP / controller
        if path is None or not (top / "cgroup.procs").exists() or not os.access(top, os.W_OK):
            why.append(f"no writable cgroup v1 '{controller}' hierarchy at {top}")
    for tool in ("mkfs.ext4", "losetup", "mount", "umount"):
        if not shutil.which(tool):
            why.append(f"{tool} is missing (a size-limited home needs it)")
    if not Path("/dev/loop-control").exists():
        why.append("no loop devices (/dev/loop-control): no size-limited home")
    if subprocess.run(["unshare", "--mount", "true"], capture_output=True).returncode != 0:
        why.append("mount namespaces are not available: no private temporary folders")
    return why


def cgroup_parents(tag: str) -> dict[str, str]:
    """Where each learner's cgroups go: below this process's own cgroup in each hierarchy, in a folder `tag`."""
    return {c: str(CGROUP / c / (_own_cgroup(c) or "/").lstrip("/") / tag) for c in CONTROLLERS}


def cgroup_dirs(parents: dict[str, str], user: str) -> dict[str, str]:
    """The learner's cgroup in each hierarchy."""
    return {c: f"{parent}/{user}" for c, parent in parents.items()}


def _write(path: str, value: str) -> None:
    with open(path, "w") as fh:
        fh.write(value)


def make_cgroups(dirs: dict[str, str], values: dict) -> None:
    """Create the learner's cgroups with their limits (as root, before her server starts)."""
    for path in dirs.values():
        os.makedirs(path, exist_ok=True)
    memory = str(values["memory_mb"] * 1024 * 1024)
    _write(f"{dirs['memory']}/memory.limit_in_bytes", memory)
    if os.path.exists(f"{dirs['memory']}/memory.memsw.limit_in_bytes"):  # no escape into swap
        _write(f"{dirs['memory']}/memory.memsw.limit_in_bytes", memory)
    _write(f"{dirs['pids']}/pids.max", str(values["processes"]))
    _write(f"{dirs['cpu']}/cpu.shares", str(values["cpu_shares"]))


def join(dirs: dict[str, str]) -> None:
    """Put the calling process into the learner's cgroups (in the spawned server, before it drops root)."""
    pid = str(os.getpid())
    for path in dirs.values():
        _write(f"{path}/cgroup.procs", pid)


def _procs(path: str) -> list[int]:
    try:
        return [int(p) for p in Path(f"{path}/cgroup.procs").read_text().split()]
    except OSError:
        return []


def empty_cgroups(dirs: dict[str, str], timeout: float = 15) -> list[str]:
    """Freeze the learner's cgroup, kill everything in it, thaw, remove the cgroups; what could not be done."""
    freezer = dirs.get("freezer")
    problems = []
    if freezer and os.path.isdir(freezer):
        _write(f"{freezer}/freezer.state", "FROZEN")  # nothing in it can fork any more
        deadline = time.monotonic() + timeout
        while Path(f"{freezer}/freezer.state").read_text().strip() != "FROZEN" and time.monotonic() < deadline:
            time.sleep(0.02)
        for pid in _procs(freezer):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        _write(f"{freezer}/freezer.state", "THAWED")  # the killed processes die as they thaw
    deadline = time.monotonic() + timeout
    for controller, path in dirs.items():
        while os.path.isdir(path):
            for pid in _procs(path):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            try:
                os.rmdir(path)
            except OSError as exc:
                if time.monotonic() > deadline:
                    problems.append(f"cgroup {path} could not be removed: {exc}")
                    break
                time.sleep(0.05)
        del controller
    return problems


def remove_parents(parents: dict[str, str]) -> None:
    """Remove the workshop's cgroup folders (once every learner's is gone)."""
    for path in parents.values():
        with contextlib.suppress(OSError):
            os.rmdir(path)


# --- the home: a filesystem of her own ------------------------------------------------------------------------

def mount_home(image: Path, home: Path, size_mb: int, uid: int, gid: int) -> None:
    """Mount the learner's home filesystem (made the first time: an ext4 image of `size_mb`), with her private
    temporary folders in it."""
    if not image.exists():
        image.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with open(image, "wb") as fh:
            fh.truncate(size_mb * 1024 * 1024)
        os.chmod(image, 0o600)
        _run(["mkfs.ext4", "-q", "-F", "-m", "0", "-E", "lazy_itable_init=1,lazy_journal_init=1", str(image)])
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not os.path.ismount(home):
        _run(["mount", "-o", "loop,nosuid,nodev", str(image), str(home)])
    os.chown(home, uid, gid)
    os.chmod(home, 0o700)
    private = home / PRIVATE_ROOT
    for name in ["", *PRIVATE.values()]:
        folder = private / name
        folder.mkdir(mode=0o700, exist_ok=True)
        os.chown(folder, uid, gid)
    with contextlib.suppress(FileNotFoundError):
        (home / "lost+found").rmdir()


def unmount_home(image: Path, home: Path, remove: bool) -> list[str]:
    """Unmount the learner's home (and remove its image); what could not be done."""
    problems = []
    if os.path.ismount(home):
        proc = subprocess.run(["umount", str(home)], capture_output=True, text=True, stdin=subprocess.DEVNULL)
        if proc.returncode != 0:
            proc = subprocess.run(["umount", "--lazy", str(home)], capture_output=True, text=True)
        if os.path.ismount(home):
            problems.append(f"{home} could not be unmounted: {proc.stderr.strip()}")
    if remove and not problems and image.exists():
        image.unlink()
    return problems


def private_temp(home: str):
    """A function for the spawned server (as root, before it becomes the learner): a mount namespace of its own in
    which /tmp, /var/tmp, /dev/shm and /run/lock are her folders in her home's filesystem."""
    libc = ctypes.CDLL(None, use_errno=True)
    clone_newns, ms_bind, ms_rec, ms_slave = 0x00020000, 4096, 16384, 1 << 19
    binds = [((f"{home}/{PRIVATE_ROOT}/{name}").encode(), target.encode()) for target, name in PRIVATE.items()]

    def enter() -> None:
        if libc.unshare(clone_newns) != 0:
            raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNS)")
        if libc.mount(b"none", b"/", None, ms_rec | ms_slave, None) != 0:
            raise OSError(ctypes.get_errno(), "mount --make-rslave /")
        # each folder held open first: once /tmp is hers, a path through the machine's /tmp no longer leads there
        held = [(os.open(source, os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW), target) for source, target in binds]
        for fd, target in held:
            if os.path.isdir(target) and libc.mount(f"/proc/self/fd/{fd}".encode(), target, None, ms_bind, None):
                raise OSError(ctypes.get_errno(), f"bind mount on {target!r}")
            os.close(fd)

    return enter


def _run(cmd: list[str]) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        from .common import WorkshopError

        raise WorkshopError(f"{' '.join(cmd[:2])} failed: {(proc.stderr or proc.stdout).strip()[-400:]}")


# --- for start and stop ---------------------------------------------------------------------------------------

def settings(prefix: str, limits: Limits | None) -> dict | None:
    """What the record and the hub's spawner keep of the limits (None for none)."""
    if limits is None:
        return None
    return {"parents": cgroup_parents(f"pathways-{prefix.rstrip('-')}"), "values": limits.__dict__.copy(),
            "private_temp": True}


def image_of(root: Path, user: str) -> Path:
    """Where a learner's home filesystem is kept (root only)."""
    return root / "disks" / f"{user}.ext4"


def set_up_learners(root: Path, record) -> None:
    """Mount every learner's home filesystem (made the first time) as the record's limits say."""
    if not record.limits:
        return
    size = record.limits.values["disk_mb"]
    for user, info in record.learners.items():
        mount_home(image_of(root, user), Path(info.home), size, info.uid, info.gid)


def release_learners(root: Path, record, keep: bool) -> list[str]:
    """Kill everything in each learner's cgroups and remove them; unless `keep` (the homes stay mounted, with the
    learners' work, for the next `start`), unmount the homes and remove their images; what could not be done."""
    problems = []
    parents = record.limits.parents if record.limits else None
    for user, info in record.learners.items():
        if parents:
            problems += empty_cgroups(cgroup_dirs(parents, user))
        if not keep and (image_of(root, user).exists() or os.path.ismount(info.home)):
            problems += unmount_home(image_of(root, user), Path(info.home), remove=True)
    if parents and not problems:
        remove_parents(parents)
    return problems
