"""Run many sandboxed autogrades at once, one per core, with a progress bar.

nbgrader's own `autograde` grades one notebook after another in one process. Here a pool of
worker processes (forked after nbgrader is imported, so a worker costs no start-up) each grade one
submission at a time in its own sandbox (pathways.grading.sandbox.job); only the instructor's process
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

from .. import processes
from . import jail as jail_mod
from . import probe as probe_mod
from .job import Jail, Job, Result, run, setup_worker

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
    in_use = processes.uids_in_use()
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


FULL = "bubblewrap sandbox: separate user, no network, course and lessons hidden, disk read-only"
SAME_USER = ("bubblewrap sandbox with no network, course and lessons hidden, disk read-only, "
             "but the kernel runs as the instructor's own user")
NONE = "none: the kernel runs as the instructor, with the network and the whole disk"


class WeakIsolation(RuntimeError):
    """Learner code would run with weaker isolation than the full sandbox, and the instructor did not accept that."""


def choose_jail(hide: Iterable[str], workroot: Path, isolation: str = "auto") -> tuple[Jail, list[str]]:
    """The strongest isolation that works on this machine, and a plain reason for everything missing.

    Decided once per run: each level is really started (`probe.probe`) and checked from inside.
    isolation: "auto" (strongest available), "none" (no sandbox: only for debugging).
    """
    if isolation == "none":
        return Jail(description="none (switched off with --isolation none)"), \
            ["grading kernels are not isolated (--isolation none)"]
    protected = [Path(p) for p in (*jail_mod.needed_paths(), str(workroot.resolve()))]
    hide = sorted({str(Path(h).resolve()) for h in hide if Path(h).is_dir()
                   and not any(p == Path(h).resolve() or Path(h).resolve() in p.parents for p in protected)})
    warnings = []
    bwrap = jail_mod.find_bwrap()
    tries = []
    if bwrap is None:
        warnings.append("bubblewrap is not installed (Debian/Ubuntu: apt-get install bubblewrap), "
                        "so grading kernels cannot be sandboxed")
    else:
        version = ".".join(map(str, jail_mod.bwrap_version(bwrap)))
        base = None
        if os.geteuid() != 0:
            warnings.append("pathways grade is not run as root, so grading kernels cannot get a user id of their own")
        elif (base := reserve_uids()) is None:
            warnings.append(f"no free block of {JAIL_BLOCK} user ids from {JAIL_UID_FIRST} for grading kernels")
        else:
            tries.append(Jail(bwrap, version, base, tuple(hide), FULL, full=True))
        tries.append(Jail(bwrap, version, None, tuple(hide), SAME_USER))
    for jail in tries:
        folder = Path(tempfile.mkdtemp(dir=workroot, prefix="probe-"))
        os.chmod(folder, 0o711)
        ok, why, _ = probe_mod.probe(jail.bwrap, jail.uid_base, list(jail.hide), str(folder),
                                    tuple(int(x) for x in jail.bwrap_version.split(".")))
        if ok:
            if jail.uid_base is None:
                release_uids()
            return jail, warnings
        warnings.append(f"the {'full ' if jail.full else ''}sandbox does not work here: {why}")
    release_uids()
    return Jail(description=NONE), warnings


def isolation_notice(jail: Jail, warnings: list[str], run_learner_code: bool, accept_weaker: bool) -> list[str]:
    """Lines the instructor must read before grading starts; raises WeakIsolation if grading must not start.

    With the full sandbox there is nothing to say. With less, learner code is run only if the
    instructor accepted that explicitly; the lessons' own cells are run regardless, with a warning.
    """
    if jail.full:
        return []
    lines = [f"Grading kernels are NOT fully isolated on this machine. Isolation: {jail.description}."]
    lines += [f"  - {w}" for w in warnings]
    if run_learner_code and not accept_weaker:
        raise WeakIsolation("\n".join(lines + [
            "Refusing to run learner code (--run-learner-code) with this isolation: it could read or change the "
            "instructor's files. Install bubblewrap and run as root for the full sandbox, or pass "
            "--accept-weaker-isolation to run it anyway."]))
    if run_learner_code:
        lines.append("Learner code WILL be run with this weaker isolation (--accept-weaker-isolation).")
    else:
        lines.append("Only the lessons' own cells are run (not code the learners wrote).")
    return lines


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
