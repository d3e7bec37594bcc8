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

#: Grading kernels run as uid JAIL_UID_BASE + worker slot (ids with no account: they own nothing).
JAIL_UID_BASE = 61000


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
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        tries.append((JAIL_UID_BASE, True, hide, "separate user, no network, course and lessons hidden"))
    tries += [(None, True, hide, "no network, course and lessons hidden (kernel runs as the instructor)"),
              (None, True, [], "no network (kernel runs as the instructor and can see the disk)")]
    for uid, no_net, paths, text in tries:
        ok, why = jail_mod.probe(uid, no_net, paths, str(home))
        if ok:
            if uid is None:
                warnings.append(f"grading kernels are only partly isolated: {text}")
            return Jail(uid, no_net, tuple(paths), text), warnings
        warnings.append(f"isolation '{text}' is not available here: {why}")
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
    workers = max(1, min(workers, len(jobs)))
    pending, attempt = list(jobs), 0
    while pending:
        attempt += 1
        retry = []
        # A worker that dies (killed, out of memory) breaks the whole pool: the jobs it took down are
        # tried once more in a fresh pool, and only a job that fails twice is given up.
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init,
                                 initargs=(counter, jail, workroot)) as pool:
            futures = {pool.submit(run, job): job for job in pending}
            for future in as_completed(futures):
                job = futures[future]
                try:
                    result = future.result()
                except BrokenProcessPool:
                    if attempt == 1:
                        retry.append(job)
                        continue
                    result = Result(job.student, job.lesson, graded=False,
                                    flags=["could not be graded: the grading process died twice on it"])
                except Exception as exc:  # noqa: BLE001 - one job's failure is that job's only
                    result = Result(job.student, job.lesson, graded=False,
                                    flags=[f"could not be graded: {exc.__class__.__name__}: {exc}"])
                on_result(result)
                if bar is not None:
                    bar.set_postfix_str(f"last: {job.lesson} / {job.student}"[:60])
                    bar.update(1)
        pending = retry
        if retry:
            log.warning("a grading process died; trying %d notebook(s) again", len(retry))
    if bar is not None:
        bar.close()
