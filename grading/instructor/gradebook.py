"""Everything Pathways does to nbgrader's gradebook: backup, integrity check, scratch copies, merging.

Student code never sees the real gradebook. Each submission is autograded against a *scratch*
gradebook that holds only its lesson's cells (model answers removed) and that one student; the
instructor's process then copies the scores it produced into the real gradebook through
nbgrader's own Gradebook API, one writer at a time. Totals that leave out what a learner skipped for
wellbeing are worked out beside these, in excusal_totals.py.
"""

from __future__ import annotations

import shutil
import sqlite3
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from sqlalchemy.exc import SAWarning

from ..nbgrader_run import fast_gradebook_creation

fast_gradebook_creation()  # every gradebook this process creates, without an `alembic` process each

#: How many backups of the gradebook to keep.
KEEP_BACKUPS = 20


def sqlite_path(db_url: str) -> Path | None:
    """The file of a sqlite:/// URL, or None for another database."""
    return Path(db_url[len("sqlite:///"):]) if db_url.startswith("sqlite:///") else None


def backup(db_url: str, folder: Path) -> Path | None:
    """Copy a SQLite gradebook (consistently, with SQLite's backup API) into folder; return the copy.

    Returns None when there is nothing to back up yet, or for a server database (PostgreSQL is
    backed up with the server's own tools, e.g. pg_dump; the caller says so).
    """
    path = sqlite_path(db_url)
    if path is None or not path.exists():
        return None
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
    dest = folder / f"gradebook-{stamp}.db"
    src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    dst = sqlite3.connect(dest)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    for old in sorted(folder.glob("gradebook-*.db"))[:-KEEP_BACKUPS]:
        old.unlink()
    return dest


def integrity_problems(db_url: str) -> list[str]:
    """What is wrong with a gradebook ([] when sound): SQLite's own checks, then nbgrader reading every score."""
    problems = []
    path = sqlite_path(db_url)
    if path is not None:
        if not path.exists():
            return [f"the gradebook {path} does not exist"]
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = [r[0] for r in con.execute("PRAGMA integrity_check")]
            if result != ["ok"]:
                problems.append("SQLite integrity check failed: " + "; ".join(result[:5]))
            bad_keys = con.execute("PRAGMA foreign_key_check").fetchall()
            if bad_keys:
                problems.append(f"{len(bad_keys)} rows point at missing rows (foreign key check)")
        except sqlite3.DatabaseError as exc:
            problems.append(f"SQLite cannot read the gradebook: {exc}")
        finally:
            con.close()
        if problems:
            return problems
    try:
        with Gradebook(db_url) as gb:
            for assignment in gb.assignments:
                for sub in gb.assignment_submissions(assignment.name):
                    _ = sub.score, sub.max_score  # computed from every grade: fails on a broken row
    except Exception as exc:  # noqa: BLE001 - any failure here is the answer we report
        problems.append(f"nbgrader cannot read the gradebook: {exc.__class__.__name__}: {exc}")
    return problems


def make_template(db_url: str, lesson: str, dest: Path, release_sources: dict[str, str]) -> Path:
    """A fresh SQLite gradebook with only one lesson's structure, for autograding in a sandbox.

    Source cells of editable solution cells get their released text instead of the instructor's
    model answer, so no answer key is ever stored where student code runs. Locked cells (which
    include the hidden tests nbgrader must restore) keep their source.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.exists():
        dest.unlink()
    if sqlite_path(db_url) is not None:
        return _template_sqlite(sqlite_path(db_url), lesson, dest, release_sources)
    with Gradebook(db_url) as real:
        _empty_like(real, dest)
    with Gradebook(db_url) as real, Gradebook(f"sqlite:///{dest}") as gb:
        assignment = real.find_assignment(lesson)
        gb.update_or_create_assignment(lesson, duedate=assignment.duedate)
        for nb in assignment.notebooks:
            gb.update_or_create_notebook(nb.name, lesson, kernelspec=nb.kernelspec)
            for cell in nb.grade_cells:
                gb.update_or_create_grade_cell(cell.name, nb.name, lesson, max_score=cell.max_score,
                                               cell_type=cell.cell_type)
            for cell in nb.solution_cells:
                gb.update_or_create_solution_cell(cell.name, nb.name, lesson)
            for cell in nb.task_cells:
                gb.update_or_create_task_cell(cell.name, nb.name, lesson, max_score=cell.max_score,
                                              cell_type=cell.cell_type)
            for cell in nb.source_cells:
                source = cell.source
                if not cell.locked:
                    source = release_sources.get(cell.name, "")
                gb.update_or_create_source_cell(cell.name, nb.name, lesson, cell_type=cell.cell_type,
                                                locked=cell.locked, source=source, checksum=cell.checksum)
    return dest


def _template_sqlite(path: Path, lesson: str, dest: Path, release_sources: dict[str, str]) -> Path:
    """make_template for a SQLite gradebook: a consistent copy, then everything else deleted (milliseconds)."""
    src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    con = sqlite3.connect(dest)
    try:
        src.backup(con)
        with con:
            row = con.execute("SELECT id FROM assignment WHERE name = ?", (lesson,)).fetchone()
            if row is None:
                raise RuntimeError(f"lesson {lesson} is not in the gradebook: release it first")
            for table in ("comment", "grade", "submitted_notebook", "submitted_assignment", "student"):
                con.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
            keep = "SELECT id FROM notebook WHERE assignment_id = ?"
            cells = f"SELECT id FROM base_cell WHERE notebook_id NOT IN ({keep})"
            for table in ("grade_cells", "solution_cells", "task_cells"):
                con.execute(f"DELETE FROM {table} WHERE id IN ({cells})", (row[0],))  # noqa: S608
            con.execute(f"DELETE FROM base_cell WHERE notebook_id NOT IN ({keep})", (row[0],))  # noqa: S608
            con.execute(f"DELETE FROM source_cell WHERE notebook_id NOT IN ({keep})", (row[0],))  # noqa: S608
            con.execute("DELETE FROM notebook WHERE assignment_id != ?", (row[0],))
            con.execute("DELETE FROM assignment WHERE id != ?", (row[0],))
            # No model answer where student code runs: editable cells keep only their released text.
            for sid, name in con.execute(f"SELECT id, name FROM source_cell WHERE locked = 0 AND notebook_id IN "
                                         f"({keep})", (row[0],)).fetchall():  # noqa: S608
                con.execute("UPDATE source_cell SET source = ? WHERE id = ?", (release_sources.get(name, ""), sid))
        con.execute("VACUUM")
    finally:
        con.close()
        src.close()
    return dest


def _empty_like(real: Gradebook, dest: Path) -> None:
    """An empty SQLite gradebook with the real one's schema version.

    Creating a gradebook the ordinary way asks the `alembic` command for the schema version, a
    child process that costs seconds; the real gradebook already knows the answer.
    """
    from nbgrader.api import Base
    from sqlalchemy import create_engine, text

    version = real.db.execute(text("SELECT version_num FROM alembic_version")).scalar()
    engine = create_engine(f"sqlite:///{dest}", future=True)
    try:
        Base.metadata.create_all(bind=engine)
        with engine.begin() as con:
            con.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
            con.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": version})
    finally:
        engine.dispose()


@dataclass
class CellResult:
    """One cell's outcome in a scratch gradebook."""

    auto_score: float | None = None
    auto_comment: str | None = None


@dataclass
class Outcome:
    """Every score one autograde produced, read out of its scratch gradebook."""

    timestamp: datetime | None = None
    notebooks: dict[str, dict] = field(default_factory=dict)  # nb -> {"grades": {cell: score}, "comments": ..., ...}


def read_outcome(scratch: Path, lesson: str, student: str) -> Outcome:
    """Read the scores of one student's lesson from a scratch gradebook."""
    out = Outcome()
    with Gradebook(f"sqlite:///{scratch}") as gb:
        sub = gb.find_submission(lesson, student)
        out.timestamp = sub.timestamp
        for nb in sub.notebooks:
            out.notebooks[nb.name] = {
                "grades": {g.name: g.auto_score for g in nb.grades},
                "comments": {c.name: c.auto_comment for c in nb.comments},
                "late_penalty": nb.late_submission_penalty,
            }
    return out


def zero_outcome(db_url: str, lesson: str) -> Outcome:
    """The outcome of a submission that could not be run: every autograded cell scores 0."""
    out = Outcome()
    with Gradebook(db_url) as gb:
        for nb in gb.find_assignment(lesson).notebooks:
            out.notebooks[nb.name] = {"grades": {c.name: 0.0 for c in nb.grade_cells},
                                      "comments": {}, "late_penalty": None}
    return out


def merge(db_url: str, lesson: str, student: str, outcome: Outcome, names: dict | None = None) -> None:
    """Write an outcome into the real gradebook the way nbgrader's SaveAutoGrades would.

    A manual score a grader already gave is never touched; as in nbgrader, a cell with a manual
    score (or no automatic one) is marked as needing a grader's look.
    """
    with warnings.catch_warnings(), Gradebook(db_url) as gb:
        # nbgrader's own submission code trips SQLAlchemy's autoflush warning; it is harmless.
        warnings.simplefilter("ignore", SAWarning)
        try:
            gb.find_student(student)
        except MissingEntry:
            gb.add_student(student, **(names or {}))
        kwargs = {"timestamp": outcome.timestamp} if outcome.timestamp else {}
        gb.update_or_create_submission(lesson, student, **kwargs)
        for nb_name, data in outcome.notebooks.items():
            for cell, score in data["grades"].items():
                try:
                    grade = gb.find_grade(cell, nb_name, lesson, student)
                except MissingEntry:
                    continue  # a task cell has no autograder score
                if grade.cell.type == "TaskCell":
                    continue
                grade.auto_score = score
                grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None
            for cell, text in data["comments"].items():
                try:
                    gb.find_comment(cell, nb_name, lesson, student).auto_comment = text
                except MissingEntry:
                    continue
            if data.get("late_penalty") is not None:
                gb.find_submission_notebook(nb_name, lesson, student).late_submission_penalty = data["late_penalty"]
        gb.db.commit()


def scores(db_url: str) -> dict[tuple[str, str], dict]:
    """Every submission's score: {(student, lesson): {"score", "max", "cells": {cell: score}, "cell_max",
    "pending": [cells graded by hand and not graded yet], "comments": {cell: the grader's comment}, ...}}."""
    table = {}
    with Gradebook(db_url) as gb:
        for assignment in gb.assignments:
            for sub in gb.assignment_submissions(assignment.name):
                cells, maxima, pending, comments = {}, {}, [], {}
                for nb in sub.notebooks:
                    for g in nb.grades:
                        cells[g.name] = g.score
                        maxima[g.name] = g.max_score
                        if g.manual_score is None and g.auto_score is None:
                            pending.append(g.name)  # graded by hand (a reflection), not yet: not a 0
                    for c in nb.comments:
                        if c.manual_comment:
                            comments[c.name] = c.manual_comment
                table[(sub.student.id, assignment.name)] = {
                    "score": sub.score, "max": sub.max_score, "cells": cells, "cell_max": maxima,
                    "needs_manual_grade": sub.needs_manual_grade, "pending": pending, "comments": comments}
    return table


def restore(backup_file: Path, db_url: str) -> None:
    """Put a SQLite backup back in place of the gradebook."""
    path = sqlite_path(db_url)
    if path is None:
        raise RuntimeError("restore works for a SQLite gradebook only; restore PostgreSQL with its own tools")
    shutil.copy2(backup_file, path)
