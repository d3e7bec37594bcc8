"""A lesson of one's own: `pathways new-lesson` (a numbered lesson folder from a template that passes the check),
the check of a lesson folder (its notebook names files that are there, no learner's answers left in it, no
template text left), and `pathways try-lesson` (the learners' version of one lesson in JupyterLab, or its source
to edit, with answers kept in memory so nothing is written into the lesson).
"""

from __future__ import annotations

import json
import re
import shutil
from importlib import resources
from pathlib import Path

from pathways import authoring, config
from pathways.activities import testcells
from pathways.files import LESSON_NOTEBOOK, RESPONSES_FILE
from pathways.scenario import Problem, ScenarioError

from .. import course
from ..nbgrader_run import release

#: Marks text a template left for the author to write; the check warns until none is left.
TO_WRITE = "[TO WRITE"
#: A lesson folder's name: two digits, '-', then lowercase words ('08-pharmacy').
LESSON_NAME = re.compile(r"^\d\d-[a-z0-9][a-z0-9-]*$")


def _template(name: str) -> str:
    return resources.files("pathways").joinpath(f"data/{name}").read_text(encoding="utf-8")


def next_lesson_name(name: str, lessons: Path) -> str:
    """'pharmacy' -> '08-pharmacy' when the lessons folder holds 01 to 07; a numbered name stays as it is."""
    base = authoring.slug(Path(name).name)
    if LESSON_NAME.match(base):
        return base
    numbers = [int(p.name[:2]) for p in lessons.iterdir() if p.is_dir() and LESSON_NAME.match(p.name)] \
        if lessons.is_dir() else []
    return f"{max(numbers, default=0) + 1:02d}-{base}"


def new_lesson(name: str, title: str | None = None, lessons: str | Path | None = None) -> Path:
    """Make a lesson folder under the lessons folder: lesson.ipynb, a role-play, checks.yaml and sorting.yaml, all
    passing `pathways check` (with warnings for the text still to write). A folder that exists without a
    lesson.ipynb (made by `new-scenario --folder`) is completed, and its one role-play is the lesson's; a folder
    with a lesson.ipynb is refused. Returns the folder."""
    lessons = Path(lessons or course.lessons_dir())
    folder = _folder_for(name, lessons)
    if (folder / LESSON_NOTEBOOK).exists():
        raise FileExistsError(f"{folder} is already a lesson (it has a lesson.ipynb); choose another name")
    folder.mkdir(parents=True, exist_ok=True)
    plays = authoring.scenario_files(folder)
    if len(plays) > 1:
        raise FileExistsError(f"{folder} holds {len(plays)} role-plays ({', '.join(p.name for p in plays)}); a "
                              "lesson has one: move the others out, then run this again")
    topic = folder.name[3:] if LESSON_NAME.match(folder.name) else folder.name
    play = plays[0] if plays else authoring.write_new_scenario(topic, folder)
    number = folder.name[:2].lstrip("0") if LESSON_NAME.match(folder.name) else "N"
    text = (_template("new_lesson.ipynb").replace("__NUMBER__", number)
            .replace("__TITLE__", json.dumps(title or topic.replace("-", " ").capitalize())[1:-1])
            .replace("__SCENARIO__", play.name))
    (folder / LESSON_NOTEBOOK).write_text(text, encoding="utf-8")
    for kind in ("checks", "sorting"):
        if not (folder / f"{kind}.yaml").exists():
            (folder / f"{kind}.yaml").write_text(_template(f"new_lesson_{kind}.yaml"), encoding="utf-8")
    return folder


def _folder_for(name: str, lessons: Path) -> Path:
    """The folder `new-lesson NAME` fills: a path as given; else a folder of that name (numbered or not) under the
    lessons folder, if one exists; else a new numbered one."""
    given = Path(name)
    if len(given.parts) > 1:
        return given
    base = authoring.slug(name)
    for path in sorted(lessons.iterdir()) if lessons.is_dir() else []:
        if path.is_dir() and base in (path.name, path.name[3:] if LESSON_NAME.match(path.name) else None):
            return path
    return lessons / next_lesson_name(base, lessons)


# --- the check of a lesson folder ------------------------------------------------------------------------------


def notebook_problems(notebook: Path) -> list[Problem]:
    """What a lesson notebook names that is not there: a file a view, grader or model answer names missing beside
    it or not of its kind's format, a question its kind's file does not have, an activity the lesson's files do not
    have (every registered kind's calls, read by `pathways.activities.testcells`)."""
    try:
        nb = json.loads(notebook.read_text(encoding="utf-8"))
        cells = nb["cells"]
    except (OSError, ValueError, KeyError, TypeError):
        return [Problem(str(notebook), None, "", "this notebook cannot be read (it is not a saved Jupyter "
                        "notebook); open it in JupyterLab and save it again, or make the lesson anew")]
    problems: list[Problem] = []
    activities = _activities(notebook.parent)
    for number, cell in enumerate(cells, start=1):
        if cell.get("cell_type") != "code":
            continue
        source = "".join(cell.get("source") or [])
        for call in testcells.view_calls(source) + testcells.graded_calls(source) + testcells.model_calls(source):
            problems += _call_problems(notebook, number, call)
        for call in testcells.graded_calls(source):
            problems += _grading_problems(notebook, number, call, activities)
    return problems


def _call_problems(notebook: Path, number: int, call: testcells.Call) -> list[Problem]:
    """One call of a notebook's cell: the file it names exists and is of its kind's format, the question is there."""
    name = call.file
    if not isinstance(name, str):
        return []
    target = notebook.parent / name

    def problem(message: str) -> list[Problem]:
        return [Problem(str(notebook), None, f"cell {number}", f"{call.name}(\"{name}\") {message}")]

    if not target.is_file():
        others = sorted(p.name for p in notebook.parent.glob("*.yaml"))
        return problem(f"names {name}, which is not in the lesson folder ({', '.join(others) or 'no YAML file'} "
                       "there); fix the name in this cell (Edit > Find and Replace in JupyterLab) or put the file "
                       "back")
    kind = authoring.file_kind(target)
    wanted = [f.name for f in call.kind.files]
    if kind not in wanted:
        return problem(f"expects a {' or a '.join(wanted)} file, but {name} is a {kind} file")
    fmt = next(f for f in call.kind.files if f.name == kind)
    if isinstance(call.question, str) and fmt.activities is not None:
        try:
            ids = [q for found in fmt.activities(target).values() for q in found]
        except ScenarioError:
            return []  # the check of the YAML file says what is wrong with it
        if call.question not in ids:
            return problem(f"asks for question {call.question!r}, which {name} does not have (it has "
                           f"{', '.join(ids)})")
    return []


def _activities(folder: Path) -> dict[str, dict[str, list[str]]]:
    """Per kind, the activities of a lesson folder's files with their question ids (files that do not load are
    left to their own check)."""
    found: dict[str, dict[str, list[str]]] = {}
    for path in authoring.yaml_files(folder):
        located = authoring.file_format(authoring.file_kind(path))
        if located is None or located[1].activities is None:
            continue
        kind, fmt = located
        try:
            for activity, ids in fmt.activities(path).items():
                found.setdefault(kind.name, {}).setdefault(activity, []).extend(ids)
        except ScenarioError:
            continue
    return found


def _grading_problems(notebook: Path, number: int, call: testcells.Call,
                      activities: dict[str, dict[str, list[str]]]) -> list[Problem]:
    """A grading cell's call: the activity (and question) it grades is one the lesson's files have."""
    index, where = activities.get(call.kind.name, {}), f"cell {number}"
    if call.kind.per_question:
        qid, activity = call.question, call.activity
        if isinstance(qid, str) and activity in index and qid not in index[activity]:
            files = ", ".join(f.name for f in call.kind.files)
            return [Problem(str(notebook), None, where, f"{call.name}(\"{qid}\") grades question {qid!r}, which "
                            f"the lesson's questions ({', '.join(index[activity])}) do not include; fix the id here "
                            f"or in the {files} file")]
    elif isinstance(call.activity, str) and index and call.activity not in index:
        files = ", ".join(f.name for f in call.kind.files)
        return [Problem(str(notebook), None, where, f"{call.name}(\"{call.activity}\") grades the {call.kind.name} "
                        f"{call.activity!r}, but the lesson's {files} file says activity: "
                        f"{', '.join(sorted(index))}; make them the same")]
    return []


def folder_problems(folder: Path) -> list[Problem]:
    """A lesson folder's own problems: a learner's answers left in it, text still to write, notebook references."""
    problems: list[Problem] = []
    if (folder / RESPONSES_FILE).exists():
        problems.append(Problem(str(folder / RESPONSES_FILE), None, "", "a responses.json (someone's saved answers) is "
                                "in the lesson folder: it would be handed out to every learner; delete it"))
    notebooks = sorted(folder.glob("lesson*.ipynb"))
    if not notebooks:
        problems.append(Problem(str(folder), None, "", "this folder has no lesson.ipynb, so it is not a lesson; "
                                "make one with: pathways new-lesson " + str(folder)))
    for notebook in notebooks:
        problems += notebook_problems(notebook)
        if TO_WRITE in notebook.read_text(encoding="utf-8", errors="replace"):
            problems.append(Problem(str(notebook), None, "", f"some text still says {TO_WRITE}: ...]; write "
                                    "it before you release the lesson", "warning"))
    for path in authoring.yaml_files(folder):
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        # Comments may speak of the marker; only text a learner would read counts.
        line = next((i for i, ln in enumerate(lines, 1) if TO_WRITE in ln and not ln.lstrip().startswith("#")), 0)
        if line:
            problems.append(Problem(str(path), line, "", f"some text still says {TO_WRITE}: ...]; write it "
                                    "before you release the lesson", "warning"))
    return problems


def lesson_folders(lessons: Path) -> list[Path]:
    """Every lesson folder (one with a lesson.ipynb) under a lessons folder."""
    return [lessons / name for name in course.lesson_ids(lessons)]


# --- try-lesson ---------------------------------------------------------------------------------------------------


def try_folder(lesson: str, scratch: Path) -> Path:
    """Release one lesson into a course folder of its own inside `scratch` (never the instructor's course, whose
    gradebook would gain a draft) and copy the learners' version beside it; return the lesson's folder there."""
    released = release([lesson], course=scratch / "course")[0]
    shutil.copytree(released, scratch / "lessons" / lesson)
    return scratch / "lessons" / lesson


def lab_environment() -> dict[str, str]:
    """The environment of the author's JupyterLab: answers kept in memory, so nothing is written to a lesson."""
    return config.current().environment(storage="memory")
