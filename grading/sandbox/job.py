"""Autograde ONE submission in a throw-away course folder that holds nothing else.

A job copies into a fresh temporary folder only what nbgrader needs to grade one student's lesson:
the submitted notebook (checked and, by default, reduced to the lesson's own code), the response
file, the lesson's released data files, and a scratch gradebook holding that lesson's cells
without model answers. nbgrader runs there, in this process (no start-up cost per submission);
the kernel it starts goes through `pathways.grading.sandbox.jail` (a bubblewrap sandbox). What comes back
is plain data: scores, flags and the folder of the autograded notebook. The caller merges the
scores into the real gradebook and deletes the folder.

Learners in Pathways answer with widgets, so their notebook carries no answers of its own: by
default a code cell the lesson does not contain (added, or a locked cell edited) is not run, and
the learner is flagged. `run_learner_code=True` runs the learner's cells as plain nbgrader would,
still inside the jail.
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

from .. import course
from ..instructor.gradebook import Outcome, read_outcome

#: A lesson notebook larger than this is refused (a real one is well under 1 MB).
MAX_NOTEBOOK_BYTES = 20_000_000
#: Files of a submission that are graded; anything else a learner hands in is kept but never run or read.
RESPONSE_FILE = "responses.json"
TIMEOUT_ERRORS = {"CellTimeoutError", "KeyboardInterrupt", "TimeoutError"}
#: Messages of pathways.autograde that mean a response was rejected, and what the instructor is told.
REJECTION_HINTS = {
    "this path is not possible in the scenario": "role-play transcript is not a possible path (forged or damaged)",
    "is not a recorded choice": "role-play transcript is damaged",
    "the transcript is not a list": "role-play transcript is damaged",
    "' is not valid: ": "a response record is damaged (it does not validate as its kind of record)",
    "recorded on an older version": "role-play recorded on an older version of the scenario: not scored, review it "
                                    "by hand (not a sign of cheating)",
}


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


# --- checking a submitted notebook ------------------------------------------------------------------

def _gid(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _norm(source) -> str:
    text = "".join(source) if isinstance(source, list) else str(source or "")
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


class DamagedNotebook(ValueError):
    """The notebook cannot be graded at all."""


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """Read a submitted notebook; raise DamagedNotebook with a plain reason."""
    size = path.stat().st_size
    if size > MAX_NOTEBOOK_BYTES:
        raise DamagedNotebook(f"notebook is too large to grade ({size / 1e6:.0f} MB)")
    try:
        nb = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
    except UnicodeDecodeError:
        raise DamagedNotebook("notebook is damaged: it is not text") from None
    except Exception as exc:  # noqa: BLE001 - nbformat raises many kinds for bad JSON
        raise DamagedNotebook(f"notebook is damaged and cannot be read ({exc.__class__.__name__})") from None
    if not isinstance(nb.get("cells"), list):
        raise DamagedNotebook("notebook is damaged: it has no cells")
    return nb


def prepare(nb: nbformat.NotebookNode, release: nbformat.NotebookNode,
            run_learner_code: bool) -> tuple[nbformat.NotebookNode, list[str]]:
    """The notebook to grade, and the flags the instructor must see.

    Compares the submission with the released notebook: deleted graded or locked cells are put
    back, edited locked cells noted (nbgrader restores them), and learner code is removed unless
    run_learner_code is set.
    """
    flags = []
    rel_by_id = {_gid(c): c for c in release.cells if _gid(c)}
    rel_free_code = {_norm(c.source) for c in release.cells if c.cell_type == "code" and not _gid(c)}
    sub_by_id = {}
    for cell in nb.cells:
        gid = _gid(cell)
        if gid and gid not in sub_by_id:
            sub_by_id[gid] = cell

    missing = [gid for gid in rel_by_id if gid not in sub_by_id]
    if missing:
        flags.append(f"{len(missing)} cell(s) of the lesson deleted ({', '.join(missing[:4])}): restored and graded")
    edited = [gid for gid, cell in sub_by_id.items()
              if gid in rel_by_id and rel_by_id[gid].metadata.nbgrader.get("locked")
              and _norm(cell.source) != _norm(rel_by_id[gid].source)]
    if edited:
        flags.append(f"{len(edited)} locked cell(s) edited ({', '.join(edited[:4])}): the lesson's version was graded")
    learner_code = [c for c in nb.cells if c.get("cell_type") == "code" and (
        (not _gid(c) and _norm(c.source) not in rel_free_code)
        or (_gid(c) in rel_by_id and not rel_by_id[_gid(c)].metadata.nbgrader.get("locked")
            and _norm(c.source) != _norm(rel_by_id[_gid(c)].source)))]
    unknown_ids = [gid for gid in sub_by_id if gid not in rel_by_id]
    if unknown_ids:
        flags.append(f"cells with ids the lesson does not have ({', '.join(unknown_ids[:3])})")

    if not run_learner_code:
        if learner_code:
            flags.append(f"{len(learner_code)} code cell(s) the lesson does not contain: not run")
        graded = copy.deepcopy(release)
        for cell in graded.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
            mine = sub_by_id.get(_gid(cell)) if _gid(cell) else None
            written = cell.cell_type == "markdown" and cell.metadata.get("nbgrader", {}).get("solution")
            if written and mine is not None and mine.get("cell_type") == "markdown":
                cell.source = mine.source  # a written answer is text, never run: the grader must see it
        return graded, flags

    if learner_code:
        flags.append(f"{len(learner_code)} code cell(s) written by the learner were run (in the sandbox)")
    graded = copy.deepcopy(nb)
    order = [_gid(c) for c in release.cells if _gid(c)]
    for gid in missing:
        i = order.index(gid)
        previous = [order[j] for j in range(i - 1, -1, -1) if any(_gid(c) == order[j] for c in graded.cells)]
        pos = 0
        if previous:
            pos = next(k for k, c in enumerate(graded.cells) if _gid(c) == previous[0]) + 1
        graded.cells.insert(pos, copy.deepcopy(rel_by_id[gid]))
    return graded, flags


def response_flags(folder: Path) -> list[str]:
    """Problems with the response file of a submission (missing, too large, damaged, forged)."""
    from pathways.responses import ResponseFileError, read_file

    path = folder / RESPONSE_FILE
    if path.is_symlink():
        return ["response file is a link, not a file: not read"]
    if not path.exists():
        return ["no response file: nothing the learner did in the activities was recorded"]
    try:
        read_file(path)
    except ResponseFileError as exc:
        return [f"response file rejected: {exc}"]
    return []


def output_flags(notebook: Path, timeout: int) -> list[str]:
    """Problems visible in an autograded notebook's outputs (a cell stopped, a forged transcript)."""
    flags = []
    try:
        nb = nbformat.read(notebook, as_version=4)
    except Exception:  # noqa: BLE001
        return ["the autograded notebook could not be read back"]
    stopped = sum(1 for c in nb.cells if c.cell_type == "code"
                  for o in c.get("outputs", []) if o.get("output_type") == "error" and o.get("ename") in TIMEOUT_ERRORS)
    if stopped:
        flags.append(f"{stopped} cell(s) ran longer than {timeout} s and were stopped")
    text = "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" and _gid(c)
                     for o in c.get("outputs", []) if o.get("output_type") == "stream")
    for hint, flag in REJECTION_HINTS.items():
        if hint in text and flag not in flags:
            flags.append(flag)
    broken = environment_failure(nb)
    if broken:
        flags.append(f"every graded cell failed with an error ({broken}), so its score says nothing about the "
                     "learner: check the grading environment and grade again")
    return flags


#: Errors a wrong or missing answer raises in an autograder cell; anything else means the cell itself could not run.
ANSWER_ERRORS = {"AssertionError"} | TIMEOUT_ERRORS


def environment_failure(nb: nbformat.NotebookNode) -> str | None:
    """'Name: message' when every graded code cell stopped on an error that no answer causes (a missing module,
    no usable temporary folder...): the kernel could not grade, and zeros must not pass as the learner's."""
    graded = [c for c in nb.cells if c.cell_type == "code" and c.get("metadata", {}).get("nbgrader", {}).get("grade")]
    errors = []
    for cell in graded:
        found = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if not found or found[0].get("ename") in ANSWER_ERRORS:
            return None
        errors.append(found[0])
    if not errors:
        return None
    return f"{errors[0].get('ename')}: {str(errors[0].get('evalue', ''))[:120]}"


# --- running one job ---------------------------------------------------------------------------------

_BASE_CONFIG = None
_SLOT: dict = {"uid": None, "jail": Jail(), "kernels": None}


def _base_config():
    global _BASE_CONFIG
    if _BASE_CONFIG is None:
        from traitlets.config.loader import PyFileConfigLoader

        _BASE_CONFIG = PyFileConfigLoader("nbgrader_config.py", path=str(course.NBGRADER_CONFIG_DIR)).load_config()
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
    if uid is None:
        return
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    os.kill(int(entry), signal.SIGKILL)
            except (OSError, ProcessLookupError):
                continue


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

    # The release notebooks name what is graded; anything else the learner handed in is ignored.
    release_nbs = sorted(job.release.glob("*.ipynb"))
    prepared = {}
    for rel_path in release_nbs:
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
    if not prepared:
        return  # nothing could be run: the caller records zeros with these flags
    result.flags.extend(response_flags(job.submitted))

    job.workroot.mkdir(parents=True, exist_ok=True)
    jobdir = Path(_mkdtemp(job.workroot, f"{job.lesson}-"))
    result.jobdir = jobdir
    root = jobdir / "course"
    sub = root / "submitted" / job.student / job.lesson
    src = root / "source" / job.lesson
    home = jobdir / "home"
    for folder in (sub, src, home):
        folder.mkdir(parents=True)
    for name, nb in prepared.items():
        nbformat.write(nb, sub / name)
    for name in (RESPONSE_FILE, "timestamp.txt"):
        path = job.submitted / name
        if path.is_file() and not path.is_symlink():
            shutil.copyfile(path, sub / name)
    for path in job.release.iterdir():  # the lesson's data files, as released (no solutions)
        if path.is_file() and path.suffix != ".ipynb" and not path.is_symlink():
            shutil.copyfile(path, src / path.name)
    db = root / "gradebook.db"
    shutil.copyfile(job.template, db)
    # Only root (the grader) may read the sandbox's gradebook, submission and sources.
    for path, mode in ((jobdir, 0o711), (root, 0o711), (db, 0o600), (root / "submitted", 0o700), (src.parent, 0o700)):
        os.chmod(path, mode)

    cfg = _base_config()
    cfg.CourseDirectory.root = str(root)
    cfg.CourseDirectory.source_directory = str(root / "source")
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
        os.environ["JUPYTER_PATH"] = str(_SLOT["kernels"].parent.parent)
    os.environ["JUPYTER_RUNTIME_DIR"] = str(home)

    n_cells = sum(len(nb.cells) for nb in prepared.values())
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(int(job.timeout) * (n_cells + 2) + 120)  # the whole job, even if the kernel ignores interrupts
    api = NbGraderAPI(config=cfg)
    answer = api.autograde(job.lesson, job.student, force=True, create=True)
    signal.alarm(0)
    result.log += answer.get("log", "") + answer.get("error", "")
    autograded = root / "autograded" / job.student / job.lesson
    if not answer.get("success"):
        last = (answer.get("error") or "").strip().splitlines()
        result.flags.append(f"nbgrader could not grade it: {last[-1] if last else 'unknown error'}")
        return
    for name in prepared:
        result.flags.extend(f for f in output_flags(autograded / name, job.timeout) if f not in result.flags)
    result.outcome = read_outcome(db, job.lesson, job.student)
    result.autograded = autograded
    result.graded = True


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
