"""Run many sandboxed autogrades at once, one per core, with a progress bar.

nbgrader's own `autograde` grades one notebook after another in one process. Here a pool of
worker processes (forked after nbgrader is imported, so a worker costs no start-up) each grade one
submission at a time in its own sandbox (pathways.grading.sandbox); only the instructor's process
writes to the real gradebook, so SQLite never sees two writers.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
import tempfile
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from . import jail as jail_mod
from .sandbox import Jail, Job, Result, run, setup_worker

log = logging.getLogger("pathways.grading")

#: Grading kernels run as uids with no account (they own nothing), one per worker slot, from a block
#: reserved for one grading run. Blocks start at JAIL_UID_FIRST, below the ranges systemd and Debian
#: hand out dynamically (60000-65535), and a block is used only if no account and no process has
#: any of its ids.
JAIL_UID_FIRST = 50000
JAIL_BLOCK = 64
JAIL_BLOCKS = 150
MAX_WORKERS = 32
_reserved: list = []  # lock files of the blocks this process holds


def reserve_uids() -> int | None:
    """Reserve a block of unused uids for this grading run (released by release_uids); None if none is free."""
    import fcntl
    import pwd

    folder = Path(tempfile.gettempdir()) / "pathways-jail-uids"
    folder.mkdir(mode=0o700, exist_ok=True)
    in_use = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                in_use.add(os.stat(f"/proc/{entry}").st_uid)
            except OSError:
                continue
    for block in range(JAIL_BLOCKS):
        base = JAIL_UID_FIRST + block * JAIL_BLOCK
        ids = range(base, base + JAIL_BLOCK)
        if any(uid in in_use for uid in ids):
            continue
        if any(_has_account(pwd, uid) for uid in ids):
            continue
        fh = open(folder / f"{base}.lock", "w")  # noqa: SIM115 - held for the whole run
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            continue  # another grading run (another course, another instructor) has it
        _reserved.append(fh)
        return base
    return None


def _has_account(pwd, uid: int) -> bool:
    try:
        pwd.getpwuid(uid)
        return True
    except KeyError:
        return False


def release_uids() -> None:
    """Give back the uid blocks this process reserved."""
    while _reserved:
        _reserved.pop().close()


def choose_jail(hide: Iterable[str], workroot: Path, isolation: str = "auto") -> tuple[Jail, list[str]]:
    """The strongest isolation that works on this machine, and warnings for what is missing.

    isolation: "auto" (strongest available), "none" (no jail: only for debugging).
    """
    if isolation == "none":
        return Jail(description="none (switched off)"), ["grading kernels are not isolated (--isolation none)"]
    home = Path(tempfile.mkdtemp(dir=workroot, prefix="probe-"))
    protected = [p for p in (Path(sys.prefix).resolve(), Path(jail_mod.__file__).resolve().parents[1],
                             workroot.resolve())]
    hide = sorted({str(Path(h).resolve()) for h in hide if Path(h).is_dir()
                   and not any(p == Path(h).resolve() or Path(h).resolve() in p.parents for p in protected)})
    warnings = []
    tries = []
    base = reserve_uids() if hasattr(os, "geteuid") and os.geteuid() == 0 else None
    if base is not None:
        tries.append((base, True, hide, "separate user, no network, course and lessons hidden"))
    tries += [(None, True, hide, "no network, course and lessons hidden (kernel runs as the instructor)"),
              (None, True, [], "no network (kernel runs as the instructor and can see the disk)")]
    for uid, no_net, paths, text in tries:
        ok, why = jail_mod.probe(uid, no_net, paths, str(home))
        if ok:
            if uid is None:
                warnings.append(f"grading kernels are only partly isolated: {text}")
            if uid is None:
                release_uids()
            return Jail(uid, no_net, tuple(paths), text), warnings
        warnings.append(f"isolation '{text}' is not available here: {why}")
    release_uids()
    warnings.append("grading kernels run WITHOUT isolation: student code could read the instructor's files")
    return Jail(description="none (not available on this machine)"), warnings


_counter = None


def _init(counter, jail: Jail, workroot: Path) -> None:
    with counter.get_lock():
        slot = counter.value
        counter.value += 1
    setup_worker(slot, jail, workroot)


def run_jobs(jobs: list[Job], workers: int, jail: Jail, workroot: Path, on_result: Callable[[Result], None],
             progress: bool = True) -> None:
    """Grade every job on `workers` processes; call on_result (in this process) as each finishes."""
    if not jobs:
        return
    import nbgrader.apps  # noqa: F401  - imported before forking, so no worker pays for it
    import nbgrader.converters  # noqa: F401

    ctx = multiprocessing.get_context("fork")
    counter = ctx.Value("i", 0)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(jobs), unit="notebook", desc="Grading", file=sys.stderr, dynamic_ncols=True,
                   bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} done, {remaining} left {postfix}")
    workers = max(1, min(workers, len(jobs), MAX_WORKERS))
    def report(job: Job, result: Result) -> None:
        on_result(result)
        if bar is not None:
            bar.set_postfix_str(f"last: {job.lesson} / {job.student}"[:60])
            bar.update(1)

    def pool(n: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=n, mp_context=ctx, initializer=_init, initargs=(counter, jail, workroot))

    # A worker that dies (killed, out of memory) breaks the whole pool and every job in flight with it:
    # those jobs are tried again one by one, each in a pool of its own, so only the real culprit is lost.
    retry = []
    with pool(workers) as executor:
        futures = {executor.submit(run, job): job for job in jobs}
        for future in as_completed(futures):
            job = futures[future]
            try:
                report(job, future.result())
            except BrokenProcessPool:
                retry.append(job)
            except Exception as exc:  # noqa: BLE001 - one job's failure is that job's only
                report(job, Result(job.student, job.lesson, graded=False,
                                   flags=[f"could not be graded: {exc.__class__.__name__}: {exc}"]))
    if retry:
        log.warning("a grading process died; trying %d notebook(s) again, one at a time", len(retry))
    for job in retry:
        with pool(1) as executor:
            try:
                result = executor.submit(run, job).result()
            except Exception:  # noqa: BLE001
                result = Result(job.student, job.lesson, graded=False,
                                flags=["could not be graded: the grading process died on it (twice)"])
        report(job, result)
    if bar is not None:
        bar.close()
