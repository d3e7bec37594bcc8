"""Grades for the learning management system: the gradebook import files of Canvas and Moodle, written by
`pathways export` beside grades.csv (UTF-8, one column per lesson the class handed in for, the lesson's percentage
of the points that count: items skipped for wellbeing left out, as in grades.csv).

* **Canvas** (`canvas-import.csv`) is made from the course's own gradebook export (Grades › Export), so its
  learners are matched on the identifiers Canvas itself wrote: a row is a Pathways learner when its SIS User ID,
  SIS Login ID or ID is that learner's id or e-mail (never the name). The file keeps Canvas's identifying columns
  (Student, ID, SIS User ID, SIS Login ID, Section), its "Points Possible" row (100 for every lesson) and, when the
  export already has a column for a lesson, that column's exact header (with Canvas's assignment id), so an import
  updates it instead of making a new assignment. A lesson whose every graded item was skipped for wellbeing is `EX`
  (excused); a lesson not handed in, not graded or awaiting its reflection's marks is left blank (no grade).
* **Moodle** (`moodle-import.csv`) has the class list's identifiers: an "ID number" column (a class-list id) and an
  "Email address" column, to map to Moodle's `useridnumber` or `useremail` when importing. Excused and ungraded
  lessons are blank.

Learners who could not be matched are listed, never guessed.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from .. import course as course_mod
from . import completion, course_facts

#: Canvas's identifying columns, in the order its export writes them.
CANVAS_IDS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
POINTS_POSSIBLE = "Points Possible"
EXCUSED = "EX"
MOODLE_IDS = ("ID number", "Email address")
_CANVAS_ASSIGNMENT_ID = re.compile(r"\s*\(\d+\)\s*$")


def column_name(lesson: course_facts.Lesson) -> str:
    """A lesson's column (and assignment) name in the LMS."""
    return f"Pathways {lesson.number}: {lesson.title}"


def grade(result: completion.LessonResult | None, excused: str) -> str:
    """A lesson's cell: the percentage when graded, `excused` when every graded item was skipped, else blank."""
    if result is None or result.status != "graded":
        return ""
    if result.all_excused:
        return excused
    return "" if result.percent is None else f"{round(result.percent, 2):g}"


@dataclass
class LmsReport:
    """What was written, and who could not be matched."""

    written: list[Path] = field(default_factory=list)
    unmatched: dict[str, list[str]] = field(default_factory=dict)  # file name -> learners (id and name)
    lms_only: int = 0  # Canvas students with no Pathways learner (left blank)

    def lines(self) -> list[str]:
        """The report, one line each."""
        out = [f"LMS grades written to {path}" for path in self.written]
        for name, who in self.unmatched.items():
            if who:
                out.append(f"{name}: {len(who)} learner(s) could not be matched, so their grades are not in it: "
                           + "; ".join(who))
        if self.lms_only:
            out.append(f"canvas-import.csv: {self.lms_only} Canvas student(s) have no Pathways record (left blank)")
        return out


def _learner_label(learner: completion.Learner) -> str:
    return f"{learner.id} ({learner.name})" if learner.name and learner.name != learner.id else learner.id


def read_canvas_export(path: Path) -> tuple[list[str], list[list[str]], list[str] | None]:
    """Canvas's gradebook export: (header, student rows, its Points Possible row or None). ValueError naming what
    is missing when the file is not a Canvas export."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        table = [row for row in csv.reader(fh) if any(cell.strip() for cell in row)]
    if not table or not {"Student", "ID"} <= {h.strip() for h in table[0]}:
        raise ValueError(f"{path} is not a Canvas gradebook export: its first row must name the columns Student and "
                         "ID (Grades › Export in Canvas writes them)")
    header = [h.strip() for h in table[0]]
    points = next((row for row in table[1:] if row and row[0].strip() == POINTS_POSSIBLE), None)
    students = [row for row in table[1:] if row is not points and row and row[0].strip() != POINTS_POSSIBLE]
    return header, students, points


def _canvas_match(row: dict[str, str], keys: dict[str, list[completion.Learner]]) -> completion.Learner | None:
    found = {id(lr): lr for col in ("SIS User ID", "SIS Login ID", "ID")
             for lr in keys.get(row.get(col, "").strip().casefold(), [])}
    return next(iter(found.values())) if len(found) == 1 else None


def write_canvas(table: completion.ClassTable, lessons: list[course_facts.Lesson], export: Path,
                 out: Path, rep: LmsReport) -> Path:
    """Write Canvas's import file from its own export (see the module docstring)."""
    header, students, _points = read_canvas_export(export)
    keys: dict[str, list[completion.Learner]] = {}
    for learner in table.learners:
        for key in {learner.id.casefold(), learner.email.casefold()} - {""}:
            keys.setdefault(key, []).append(learner)
    existing = {_CANVAS_ASSIGNMENT_ID.sub("", h): h for h in header}
    columns = [existing.get(column_name(les), column_name(les)) for les in lessons]
    ids = [c for c in CANVAS_IDS if c in header]
    matched: set[str] = set()
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow([*ids, *columns])
        writer.writerow(["    " + POINTS_POSSIBLE, *[""] * (len(ids) - 1), *["100"] * len(columns)])
        for raw in students:
            row = dict(zip(header, raw, strict=False))
            learner = _canvas_match(row, keys)
            if learner is None:
                rep.lms_only += 1
            else:
                matched.add(learner.id)
            cells = [grade(learner.results.get(les.id) if learner else None, EXCUSED) for les in lessons]
            writer.writerow([row.get(c, "") for c in ids] + cells)
    rep.unmatched[out.name] = [_learner_label(lr) for lr in table.learners if lr.id not in matched]
    rep.written.append(out)
    return out


def write_moodle(table: completion.ClassTable, lessons: list[course_facts.Lesson], out: Path,
                 rep: LmsReport) -> Path:
    """Write Moodle's import file: ID number and e-mail, then one column per lesson (see the module docstring)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    unmatched = []
    with open(out, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow([*MOODLE_IDS, *[column_name(les) for les in lessons]])
        for learner in table.learners:
            idnumber = learner.id if learner.listed_id and "@" not in learner.id else ""
            if not (idnumber or learner.email):
                unmatched.append(_learner_label(learner) + ": no class-list id or e-mail")
                continue
            writer.writerow([idnumber, learner.email,
                             *[grade(learner.results.get(les.id), "") for les in lessons]])
    rep.unmatched[out.name] = unmatched
    rep.written.append(out)
    return out


def export_lms(course: str | Path | None = None, canvas_export: str | Path | None = None) -> LmsReport:
    """Write moodle-import.csv, and canvas-import.csv when Canvas's gradebook export is given, into the course."""
    folder = course_mod.folder(course)
    table = completion.class_table(folder.root)
    lessons = course_facts.course_lessons(only=table.taught, timed=False)  # no facilitator guide needed
    rep = LmsReport()
    write_moodle(table, lessons, folder.moodle_csv, rep)
    if canvas_export:
        write_canvas(table, lessons, Path(canvas_export), folder.canvas_csv, rep)
    return rep
