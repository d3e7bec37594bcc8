"""Autograde ONE submission in a throw-away course folder that holds nothing else.

A job copies into a fresh temporary folder only what nbgrader needs to grade one student's lesson:
the submitted notebook (checked and, by default, reduced to the lesson's own code), the response
file, the lesson's released data files, and a scratch gradebook holding that lesson's cells
without model answers. nbgrader runs there, in this process (no start-up cost per submission);
the kernel it starts goes through `pathways.grading.sandbox.jail` (a bubblewrap sandbox). What comes back
is plain data: scores, flags and the folder of the autograded notebook. The caller merges the
scores into the real gradebook and deletes the folder.

What is checked in a hand-in before and after it runs (and what is flagged) is
`pathways.grading.sandbox.handin`.
"""

from __future__ import annotations

import copy
import os
import shutil
import signal
import stat
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from pathways import config
from pathways.files import RESPONSES_FILE, TIMESTAMP_FILE

from .. import processes
from ..course import CourseFolder
from ..instructor.gradebook import Outcome, read_outcome
from ..nbgrader_run import NBGRADER_CONFIG_DIR, NBGRADER_CONFIG_FILE
from .handin import DamagedNotebook, output_flags, prepare, read_notebook, response_flags


@dataclass(frozen=True)
class Jail:
    """How grading kernels are locked away (decided once per run by pathways.grading.sandbox.parallel)."""

    bwrap: str | None = None  # the bubblewrap program; None: no sandbox at all
    bwrap_version: str = "0.8.0"
    uid_base: int | None = None  # each worker slot runs kernels as uid_base + slot
    hide: tuple[str, ...] = ()
    description: str = "none"
    full: bool = False  # every guarantee holds (sandbox, own user, probe passed)

    @property
    def no_net(self) -> bool:
        """The kernel has no network (so it must talk to nbgrader over Unix sockets)."""
        return self.bwrap is not None


@dataclass
class Job:
    """Everything a worker needs to grade one lesson of one student."""

    student: str
    lesson: str
    submitted: Path
    release: Path
    template: Path
    workroot: Path
    timeout: int = 60
    run_learner_code: bool = False


@dataclass
class Result:
    """What grading one submission produced."""

    student: str
    lesson: str
    graded: bool
    flags: list[str] = field(default_factory=list)
    outcome: Outcome | None = None
    autograded: Path | None = None
    jobdir: Path | None = None
    log: str = ""
    seconds: float = 0.0


# --- running one job ---------------------------------------------------------------------------------

_BASE_CONFIG = None
_SLOT: dict = {"uid": None, "jail": Jail(), "kernels": None}


def _base_config():
    global _BASE_CONFIG
    if _BASE_CONFIG is None:
        from traitlets.config.loader import PyFileConfigLoader

        _BASE_CONFIG = PyFileConfigLoader(NBGRADER_CONFIG_FILE, path=str(NBGRADER_CONFIG_DIR)).load_config()
    return copy.deepcopy(_BASE_CONFIG)


def setup_worker(slot: int, jail: Jail, workroot: Path) -> None:
    """Prepare a worker process: its own kernel spec (through the jail) and its own jail user."""
    import sys

    uid = None if jail.uid_base is None else jail.uid_base + slot % 64  # a block holds 64 ids
    kdir = Path(workroot) / f"kernels-{slot}" / "kernels" / "python3"
    kdir.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "pathways.grading.sandbox.jail"]
    if jail.bwrap:
        argv += ["--bwrap", jail.bwrap, "--bwrap-version", jail.bwrap_version]
    if uid is not None:
        argv += ["--uid", str(uid)]
    for path in jail.hide:
        argv.append(f"--hide={path}")
    argv += ["--home", "{home}", "{connection_file}"]
    _SLOT.update(uid=uid, jail=jail, kernels=kdir, argv=argv, workroot=Path(workroot))
    # nbgrader and its kernels talk a lot on stdout/stderr; a worker's chatter goes to its own log file,
    # so the instructor sees only the progress bar.
    logfile = os.open(Path(workroot) / f"worker-{slot}.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(logfile, 1)
    os.dup2(logfile, 2)
    os.close(logfile)
    _base_config()  # load once, before any job
    # The student kernel must not learn where the real course is.
    for var in map(config.PathwaysConfig.variable, ("course", "lessons", "db_url")):
        os.environ.pop(var, None)


def _write_kernelspec(home: Path) -> None:
    import json

    argv = [a.replace("{home}", str(home)) for a in _SLOT["argv"]]
    # A stopped cell is interrupted by a message the kernel acts on itself: a signal would reach bubblewrap,
    # not the kernel inside it.
    spec = {"argv": argv, "display_name": "Python 3 (Pathways grading jail)", "language": "python",
            "interrupt_mode": "message", "metadata": {"debugger": False}}
    (_SLOT["kernels"] / "kernel.json").write_text(json.dumps(spec))


def _kill_jail_processes(uid: int | None) -> None:
    """End anything a student's kernel left running.

    In the sandbox every process of the kernel lives in its own pid namespace and dies with it
    (bubblewrap's --die-with-parent); this sweep of the worker's own jail user is the second lock.
    """
    if uid is not None:
        processes.signal_each(processes.owned_by({uid}), signal.SIGKILL)


class _Overtime(Exception):
    pass


def _alarm(signum, frame):
    raise _Overtime()


def run(job: Job) -> Result:
    """Grade one submission in its own sandbox; never raises."""
    start = time.monotonic()
    result = Result(job.student, job.lesson, graded=False)
    try:
        _run(job, result)
    except _Overtime:
        result.flags.append("grading took too long and was stopped")
    except Exception as exc:  # noqa: BLE001 - one bad submission must not stop a batch
        result.flags.append(f"could not be graded: {exc.__class__.__name__}: {exc}")
        result.log += traceback.format_exc()
    finally:
        signal.alarm(0)
        _kill_jail_processes(_SLOT.get("uid"))
    result.seconds = time.monotonic() - start
    return result


def _run(job: Job, result: Result) -> None:
    from nbgrader.apps import NbGraderAPI

    prepared = _prepared(job, result)
    if not prepared:
        return  # nothing could be run: the caller records zeros with these flags
    result.flags.extend(response_flags(job.submitted))
    jobdir, root, db = _job_folder(job, prepared)
    result.jobdir = jobdir
    cfg = _job_config(job, jobdir, root, db)

    n_cells = sum(len(nb.cells) for nb in prepared.values())
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(int(job.timeout) * (n_cells + 2) + 120)  # the whole job, even if the kernel ignores interrupts
    api = NbGraderAPI(config=cfg)
    answer = api.autograde(job.lesson, job.student, force=True, create=True)
    signal.alarm(0)
    result.log += answer.get("log", "") + answer.get("error", "")
    autograded = CourseFolder(root).graded(job.student, job.lesson)
    if not answer.get("success"):
        last = (answer.get("error") or "").strip().splitlines()
        result.flags.append(f"nbgrader could not grade it: {last[-1] if last else 'unknown error'}")
        return
    for name in prepared:
        result.flags.extend(f for f in output_flags(autograded / name, job.timeout) if f not in result.flags)
    result.outcome = read_outcome(db, job.lesson, job.student)
    result.autograded = autograded
    result.graded = True


def _prepared(job: Job, result: Result) -> dict[str, nbformat.NotebookNode]:
    """Each handed-in notebook the lesson releases, checked and made ready to grade (problems go to the flags).
    The release notebooks name what is graded; anything else the learner handed in is ignored."""
    prepared = {}
    for rel_path in sorted(job.release.glob("*.ipynb")):
        sub_path = job.submitted / rel_path.name
        if not sub_path.is_file() or sub_path.is_symlink():
            result.flags.append(f"no {rel_path.name} handed in")
            continue
        try:
            nb = read_notebook(sub_path)
        except DamagedNotebook as exc:
            result.flags.append(str(exc))
            continue
        graded, flags = prepare(nb, nbformat.read(rel_path, as_version=4), job.run_learner_code)
        result.flags.extend(flags)
        prepared[rel_path.name] = graded
    return prepared


def _job_folder(job: Job, prepared: dict[str, nbformat.NotebookNode]) -> tuple[Path, Path, Path]:
    """A fresh folder holding a one-learner, one-lesson course: (the folder, its course root, its gradebook)."""
    job.workroot.mkdir(parents=True, exist_ok=True)
    jobdir = Path(_mkdtemp(job.workroot, f"{job.lesson}-"))
    root = jobdir / "course"
    places = CourseFolder(root)
    sub = places.handed_in(job.student, job.lesson)
    src = places.source / job.lesson
    for folder in (sub, src, jobdir / "home"):
        folder.mkdir(parents=True)
    for name, nb in prepared.items():
        nbformat.write(nb, sub / name)
    for name in (RESPONSES_FILE, TIMESTAMP_FILE):
        path = job.submitted / name
        if path.is_file() and not path.is_symlink():
            shutil.copyfile(path, sub / name)
    for path in job.release.iterdir():  # the lesson's data files, as released (no solutions)
        if path.is_file() and path.suffix != ".ipynb" and not path.is_symlink():
            shutil.copyfile(path, src / path.name)
    db = places.sqlite_gradebook
    shutil.copyfile(job.template, db)
    # Only root (the grader) may read the sandbox's gradebook, submission and sources.
    for path, mode in ((jobdir, 0o711), (root, 0o711), (db, 0o600), (places.submitted, 0o700), (places.source, 0o700)):
        os.chmod(path, mode)
    return jobdir, root, db


def _job_config(job: Job, jobdir: Path, root: Path, db: Path):
    """nbgrader's configuration for one job: the base configuration pointed at the job's folder, its kernel
    started through the sandbox."""
    home = jobdir / "home"
    cfg = _base_config()
    cfg.CourseDirectory.root = str(root)
    cfg.CourseDirectory.source_directory = str(CourseFolder(root).source)
    cfg.CourseDirectory.db_url = f"sqlite:///{db}"
    cfg.Execute.timeout = int(job.timeout)
    # Every cell has run and its output is collected: stop the kernel at once rather than wait for it.
    cfg.Execute.shutdown_kernel = "immediate"
    cfg.Exchange.root = str(jobdir / "exchange")  # unused, but nbgrader complains if the default is not writable
    jail = _SLOT["jail"]
    if jail.no_net:
        cfg.KernelManager.transport = "ipc"  # Unix sockets: the kernel has no network, not even loopback
        cfg.KernelManager.ip = str(home / "k")
    if _SLOT["kernels"] is not None:
        _write_kernelspec(home)
        os.environ["JUPYTER_PATH"] = str(_SLOT["kernels"].parent.parent)  # this worker process only
    os.environ["JUPYTER_RUNTIME_DIR"] = str(home)
    return cfg


def _mkdtemp(parent: Path, prefix: str) -> str:
    import tempfile

    return tempfile.mkdtemp(dir=parent, prefix=prefix)


def copy_back(result: Result, dest: Path, lesson_files: list[str]) -> None:
    """Copy a graded notebook folder into the real course: expected files only, never links."""
    if result.autograded is None:
        return
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for name in lesson_files:
        path = result.autograded / name
        try:
            st = path.lstat()
        except FileNotFoundError:
            continue
        if stat.S_ISREG(st.st_mode):
            shutil.copyfile(path, dest / name)
