"""The machine's processes, through psutil: the one place the workshop and the grading sandbox ask whose a process
is, which processes descend from one, and which are still running.

A process belongs to a uid when its real, effective or saved uid is that uid (what `userdel` checks, and what
kill(-1) as that uid reaches). A process seen once is kept as a `psutil.Process`, which knows its start time:
psutil signals it only if the same process still holds that number, so one that ended and whose number a new
process took is never signalled by mistake.
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Iterable
from pathlib import Path

import psutil


def uids_of(proc: psutil.Process) -> set[int]:
    """The real, effective and saved uid of a process from `owned_by` (or of any, read now); {} once it is gone."""
    ids = getattr(proc, "info", {}).get("uids")
    if ids is None:
        try:
            ids = proc.uids()
        except psutil.Error:
            return set()
    return set(ids)


def owned_by(uids: Collection[int]) -> list[psutil.Process]:
    """The processes (zombies included) that belong to one of these uids."""
    wanted = set(uids)
    return [p for p in psutil.process_iter(["uids"]) if uids_of(p) & wanted]


def pids_of(uids: Collection[int]) -> list[int]:
    """The numbers of the processes that belong to one of these uids."""
    return [p.pid for p in owned_by(uids)]


def uids_in_use() -> set[int]:
    """Every uid a running process has (real, effective or saved)."""
    used: set[int] = set()
    for proc in psutil.process_iter(["uids"]):
        used |= uids_of(proc)
    return used


def count() -> int:
    """How many processes this process can see (in a pid namespace: only the namespace's)."""
    return len(psutil.pids())


def descendants(pid: int) -> list[psutil.Process]:
    """Every process below `pid` (children, theirs, ...); [] if `pid` is gone."""
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def with_home_in(folder: str | Path) -> list[psutil.Process]:
    """Every process whose HOME is `folder` or a folder below it."""
    top = str(folder)
    found = []
    for proc in psutil.process_iter():
        with contextlib.suppress(psutil.Error):
            home = proc.environ().get("HOME")
            if home is not None and (home == top or home.startswith(top + "/")):
                found.append(proc)
    return found


def running(proc: psutil.Process) -> bool:
    """True if `proc` is still the same process and has not ended (a zombie has)."""
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def signal_each(processes: Iterable[psutil.Process], sig: int) -> int:
    """Send `sig` to each of `processes` that is still the same process and running (0 only checks); how many."""
    n = 0
    for proc in processes:
        if running(proc):
            with contextlib.suppress(psutil.Error):
                if sig:
                    proc.send_signal(sig)
                n += 1
    return n


def alive(pid: int | None) -> bool:
    """True if process `pid` runs (a zombie, ended and waiting for its parent, does not)."""
    if not pid:
        return False
    try:
        return running(psutil.Process(pid))
    except psutil.Error:
        return False


def is_zombie(pid: int) -> bool:
    """True if the process has ended (a zombie waiting for its parent) or is gone."""
    return not alive(pid)
