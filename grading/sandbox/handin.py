"""A hand-in, checked before and after it is graded: what is run, and what the instructor must be told.

Learners in Pathways answer with widgets, so their notebook carries no answers of its own: by default a code cell
the lesson does not contain (added, or a locked cell edited) is not run, and the learner is flagged
(`prepare`). `run_learner_code=True` runs the learner's cells as plain nbgrader would, still inside the sandbox.
Before grading, a damaged or oversized notebook is refused with a plain reason (`read_notebook`) and the response
file is checked (`response_flags`); after it, the autograded notebook's outputs say whether a cell was stopped, a
transcript was forged or the kernel itself could not grade (`output_flags`). Everything here is plain data in,
plain data out: `pathways.grading.sandbox.job` does the running.
"""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat
from pathways.files import RESPONSES_FILE

#: A lesson notebook larger than this is refused (a real one is well under 1 MB).
MAX_NOTEBOOK_BYTES = 20_000_000
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
    from pathways.activities.responses import ResponseFileError, read_file

    path = folder / RESPONSES_FILE
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
