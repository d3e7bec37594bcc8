"""What a learner's uid can leave on the machine outside their home, and removing it: processes (including one that
forks to outrun a scan; found by pathways.grading.processes), files in the shared temporary folders, SysV IPC objects,
cron and at jobs. `stop` removes them and reports what it could not; `start` never hands out a uid that still owns
any of them."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from ... import processes

#: Folders every account may write into (each learner's server sees its own private ones when limits are on, but a
#: workshop started with --no-limits, or a process started before, uses the machine's).
SHARED_TEMP = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock")
#: Each learner's Jupyter runtime folder is RUNTIME/<uid> (hub_login.runtime_dir).
RUNTIME = "/run/pathways-kernels"
SYSV = {"shm": "-m", "sem": "-s", "msg": "-q"}
CRON = ("/var/spool/cron/crontabs", "/var/spool/cron/atjobs", "/var/spool/cron/atspool")


def _kill_as(uid: int) -> None:
    """kill(-1, SIGKILL) from a child that is `uid`: the kernel signals every process of that uid at once (a fork
    racing with it is cancelled), which no scan of /proc can do against a process that forks every few ms."""
    pid = os.fork()
    if pid == 0:  # the child: never returns
        try:
            os.setgroups([])
            os.setresgid(65534, 65534, 65534)
            os.setresuid(uid, uid, uid)
            os.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def kill_all(uids: set[int], timeout: float = 20) -> list[int]:
    """Kill every process of these uids; the ones still there after `timeout` (none, normally)."""
    deadline = time.monotonic() + timeout
    left = processes.owned_by(uids)
    while left and time.monotonic() < deadline:
        for uid in set().union(*map(processes.uids_of, left)) & uids:
            _kill_as(uid)
        time.sleep(0.05)
        left = [proc for proc in processes.owned_by(uids) if processes.running(proc)]
    return [proc.pid for proc in left]


def temp_files_of(uids: set[int] | None) -> dict[int, list[str]]:
    """Files and folders in the shared temporary folders owned by these uids (or, with None, by any uid): uid ->
    paths (a folder of theirs stands for what it holds)."""
    found: dict[int, list[str]] = {}
    for top in SHARED_TEMP:
        for folder, dirs, files in os.walk(top):
            for name in list(dirs) + files:
                path = os.path.join(folder, name)
                try:
                    owner = os.lstat(path).st_uid
                except OSError:
                    continue
                if owner != 0 and (uids is None or owner in uids):
                    found.setdefault(owner, []).append(path)
                    if name in dirs:
                        dirs.remove(name)
    return found


def ipc_of(uids: set[int] | None) -> list[tuple[str, str, int]]:
    """SysV IPC objects (kind, id, owner uid) owned or made by these uids (or any uid but root's, with None)."""
    found = []
    for kind in SYSV:
        with contextlib.suppress(OSError):
            lines = Path(f"/proc/sysvipc/{kind}").read_text().splitlines()
            head = lines[0].split()
            for line in lines[1:]:
                row = dict(zip(head, line.split(), strict=False))
                owners = {int(row["uid"]), int(row["cuid"])}
                if (uids is None and owners - {0}) or (uids and owners & uids):
                    found.append((kind, row["shmid" if kind == "shm" else "semid" if kind == "sem" else "msqid"],
                                  max(owners)))
    return found


def remove_traces(users: dict[str, int]) -> list[str]:
    """Remove what these accounts (name -> uid) left outside their homes; the problems (each said)."""
    uids = set(users.values())
    problems = []
    for paths in temp_files_of(uids).values():
        for path in paths:
            try:
                if os.path.isdir(path) and not os.path.islink(path):
                    shutil.rmtree(path)
                else:
                    os.unlink(path)
            except OSError as exc:
                problems.append(f"{path} could not be removed: {exc}")
    for uid in uids:
        shutil.rmtree(f"{RUNTIME}/{uid}", ignore_errors=True)
        if os.path.exists(f"{RUNTIME}/{uid}"):
            problems.append(f"{RUNTIME}/{uid} could not be removed")
    with contextlib.suppress(OSError):
        os.rmdir(RUNTIME)  # once no workshop on the machine has a learner's folder in it
    for kind, ident, _uid in ipc_of(uids):
        proc = subprocess.run(["ipcrm", SYSV[kind], ident], capture_output=True, text=True, stdin=subprocess.DEVNULL)
        if proc.returncode != 0:
            problems.append(f"SysV {kind} {ident} could not be removed: {proc.stderr.strip()}")
    for spool in CRON:
        if not os.path.isdir(spool):
            continue
        for entry in os.scandir(spool):
            with contextlib.suppress(OSError):
                if entry.stat(follow_symlinks=False).st_uid in uids or entry.name in users:
                    os.unlink(entry.path)
    return problems


def traces(uids: set[int]) -> list[str]:
    """What of these uids is still on the machine outside accounts and homes (for `stop` to report)."""
    left = [f"process {p.pid}" for p in processes.owned_by(uids) if processes.running(p)]
    left += [f"{RUNTIME}/{uid}" for uid in uids if os.path.exists(f"{RUNTIME}/{uid}")]
    left += [path for paths in temp_files_of(uids).values() for path in paths]
    left += [f"SysV {kind} {ident} (uid {uid})" for kind, ident, uid in ipc_of(uids)]
    return left


def uids_with_traces() -> set[int]:
    """Every uid that owns a file in a shared temporary folder or a SysV IPC object: never handed out to a learner
    (whoever gets it would own an earlier learner's files)."""
    return set(temp_files_of(None)) | {uid for _, _, uid in ipc_of(None)}
