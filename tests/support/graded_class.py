"""One simulated class of Lesson 1, graded once per worker by the instructor's whole pipeline.

Three test modules share it (tests/grading/conftest.py, fixture `graded_class`): test_class_workflow.py (hostile
hand-ins), test_identity.py (names in many scripts) and test_excusal_totals.py (items skipped for wellbeing). Their
learners are one class on one class list, collected, graded, given feedback, exported and reported once: a
grading run costs seconds of nbgrader start-up, gradebook backups and report figures whatever the class size.
The tests of the three modules share one `xdist_group` (GROUP), so pytest-xdist grades the class on one worker.
"""

from __future__ import annotations

import copy
import csv
import json
import os
import socket
import sys
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from nbformat.v4 import new_code_cell
from pathways import engine
from pathways.activities.responses import ExcusalsRecord
from pathways.grading import cli
from pathways.grading.instructor import gradebook, workflow
from pathways.scenario import load

from . import learner, testcells
from .course import copy_lesson, released_lesson

#: The xdist group of every test that uses the class.
GROUP = "grading-class"
LESSON = "01-why-dont-they-leave"
FULL = 13.0  # role-play 4 + six checks + sorting 3 (the reflection is graded by hand)

#: test_class_workflow.py: a hand-in each (Chloé Dupont's is an identity learner's), some hostile; zed hands in
#: without being on the class list.
HOSTILE = ["ana", "ben", "李雷", "dan", "eve", "fay", "gus", "hal", "ivy", "kim", "lea", "max", "ned"]
#: test_identity.py: names in many scripts, each with the score its hand-in earns. Two learners share TWINS's
#: name (no id column), and the one hand-in named so is theirs or hers: nobody can tell.
TWINS = "فاطمة الزهراء"
SCRIPTS = {"José Ñ 李": FULL, "José Ñ 王": FULL - 2, "Chloé Dupont": FULL, "Chloe Dupont": FULL - 2,
           "Анна Петрова": FULL - 2, "अनन्या शर्मा": FULL}
PEOPLE = [*SCRIPTS, TWINS, TWINS]
#: test_excusal_totals.py: learners who skip items for wellbeing (or not, or with a damaged record).
EXCUSAL = ["ria", "sol", "tom", "uma", "vic"]
#: test_instructor_path.py: a learner who e-mailed a zip of a notebook saved as `lesson (1).ipynb`, truncated on the
#: way (no lesson folder names it, and no grade id in it is legible).
DAMAGED = "ola"
QUESTIONS = [f"q{i}" for i in range(1, 7)]

SNOOP = """
import os, socket
found = {}
def attempt(name, action):
    try:
        found[name] = repr(action())
    except Exception as exc:
        found[name] = 'denied:' + type(exc).__name__
attempt('list-real', lambda: os.listdir(COURSE + '/submitted'))
attempt('read-other', lambda: open(COURSE + '/submitted/ana/LESSON/responses.json').read()[:20])
attempt('write-real', lambda: open(COURSE + '/gradebook.db', 'ab').write(b'x'))
attempt('write-scratch', lambda: open('../../../gradebook.db', 'ab').write(b'x'))
attempt('read-lessons', lambda: open(LESSONS + '/LESSON/lesson.ipynb').read()[:20])
attempt('network', lambda: socket.create_connection(('127.0.0.1', PORT), timeout=2).close())
print('PROBE', found)
"""

CHEAT = """import pathways.autograde as a
a.check_points = lambda *args, **kw: 1.0
a.roleplay_points = lambda *args, **kw: 4.0
a.sorting_points = lambda *args, **kw: 3.0
"""


def nfd(text: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFD", text)


def _with_cell(nb, source, after="model-answers"):
    nb = copy.deepcopy(nb)
    nb.cells.insert(testcells.cell_index(nb, after) + 1, new_code_cell(source))
    return nb


def grade_class(base: Path, released_course: Path) -> SimpleNamespace:
    """Build the class in `base`, then run the instructor's whole workflow once (see test_class_workflow.py for
    the order: the second grading of ivy and max runs their own code)."""
    lessons = base / "lessons"
    copy_lesson(LESSON, lessons)
    root = base / "course"
    listener = socket.socket()  # what the snoop tries to reach
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    with pytest.MonkeyPatch.context() as mp:  # the environment `_isolate` gives a test (not yet set up here)
        for var in ("PATHWAYS_RESOURCES", "PATHWAYS_STORAGE", "PATHWAYS_LANG", "PATHWAYS_DB_URL", "VOILA_PREHEAT"):
            mp.delenv(var, raising=False)
        mp.setenv("PATHWAYS_LESSONS", str(lessons))
        mp.setenv("PATHWAYS_COURSE", str(root))
        mp.setenv("JUPYTER_CONFIG_DIR", str(base / "jupyter-config"))
        mp.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
        roster = base / "class.csv"
        names = list(dict.fromkeys([*HOSTILE, *PEOPLE[:-1], *EXCUSAL, DAMAGED])) + [TWINS]  # the twins twice
        roster.write_text("\ufeffName\n" + "\n".join(names) + "\n", encoding="utf-8")
        released_lesson(released_course, root, LESSON)  # as `pathways release` leaves it, without running it again
        init = workflow.init_course(root, roster, release=False)
        up = base / "upload" / "submissions"
        ctx = SimpleNamespace(root=root, lessons=lessons, up=up, rel=root / "release" / LESSON / "lesson.ipynb",
                              model=learner.model_activities(lessons / LESSON), port=listener.getsockname()[1])
        lost = _hostile_hand_ins(ctx)
        _identity_hand_ins(ctx)
        _excusal_hand_ins(ctx)
        _damaged_zip(ctx)
        run = _pipeline(base, root)
    listener.close()
    return SimpleNamespace(**vars(run), base=base, lessons=lessons, init=init, roster=names, lost=lost)


def _pipeline(base: Path, root: Path) -> SimpleNamespace:
    """collect -> grade -> grade ivy and max again, running their code -> feedback -> export -> report (without,
    then with names) -> grade again (nothing new)."""
    collected = workflow.collect(base / "upload", root)
    first = workflow.grade(root, jobs=2, timeout=20, progress=False)
    scores_first = gradebook.scores(workflow.db_url(root))
    second = workflow.grade(root, students=["ivy", "max"], force=True, run_learner_code=True, timeout=3,
                            progress=False)
    fb = workflow.feedback(root)
    csv_path = base / "grades.csv"
    assert cli.main(["export", "--course", str(root), "--out", str(csv_path)]) == 0
    assert cli.main(["report", "--course", str(root), "--out", str(base / "report.html")]) == 0
    named = workflow.report(root, base / "named.html", names=True)
    again = workflow.grade(root, progress=False)  # nothing new: nothing graded again
    rows = {r["student_id"]: r for r in csv.DictReader(csv_path.open(encoding="utf-8"))}
    return SimpleNamespace(root=root, collected=collected, first=first, second=second, feedback=fb, rows=rows,
                           csv=csv_path.read_text(encoding="utf-8"), report=base / "report.html", named=named,
                           page=(base / "report.html").read_text(encoding="utf-8"),
                           named_page=named.read_text(encoding="utf-8"), again=again, url=workflow.db_url(root),
                           scores_first=scores_first, table=gradebook.scores(workflow.db_url(root)))


def _hostile_hand_ins(ctx: SimpleNamespace) -> float:
    """test_class_workflow.py's learners; returns the score of 李雷's legal but poor role-play."""
    release = nbformat.read(ctx.rel, as_version=4)
    model = ctx.model
    scenario = load(ctx.lessons / LESSON / "er_visit.yaml")
    worst = min(engine.all_walks(scenario), key=lambda w: w.score)

    def hand_in(name, acts=model, **kw):
        return learner.write_submission(ctx.up / name / LESSON, ctx.rel, acts, **kw)

    wrong = learner.with_wrong_checks(model, ["q1", "q2"])
    lost = copy.deepcopy(model)
    lost["roleplay"] = learner.walk_record(scenario, worst)
    forged = copy.deepcopy(model)
    forged["roleplay"]["attempts"][0]["steps"][1]["node"] = "card"  # jumps ahead: not a possible path
    tampered = copy.deepcopy(release)
    tampered.cells[testcells.cell_index(tampered, "test-q2")].source = "print('full marks please')"
    for gid in ("test-q1", "test-roleplay", "model-answers"):
        del tampered.cells[testcells.cell_index(tampered, gid)]
    huge = copy.deepcopy(release)
    huge.cells[0].source += "\n" + ("x" * 99 + "\n") * 210_000  # about 21 MB
    cheat = copy.deepcopy(release)
    cheat.cells[testcells.cell_index(cheat, "model-answers")].source = CHEAT
    snoop = SNOOP.replace("COURSE", repr(str(ctx.root))).replace("LESSONS", repr(str(ctx.lessons))) \
        .replace("LESSON", LESSON).replace("PORT", str(ctx.port))

    hand_in("ana")
    hand_in("ben", wrong)
    hand_in("李雷", lost)
    hand_in("dan", None)
    hand_in("eve", forged)
    hand_in("fay", notebook=b'{"cells": [{"cell_type": "code", "sou')
    hand_in("gus", notebook=tampered)
    hand_in("hal", responses='{"format": "pathways-responses/1", "activities": "all correct"}')
    hand_in("ivy", notebook=_with_cell(release, "while True:\n    pass"))
    hand_in("kim", notebook=huge)
    learner.write_submission(ctx.up / f"lea+{LESSON}+2025-03-01 09:00:00.000000 UTC+a1", ctx.rel, wrong)
    learner.write_submission(ctx.up / f"lea+{LESSON}+2025-03-01 11:00:00.000000 UTC+b2", ctx.rel, model)
    hand_in("max", notebook=_with_cell(release, snoop))
    hand_in("ned", None, notebook=cheat)
    hand_in("zed")  # not on the class list
    (ctx.up / "notes.txt").write_text("a stray file from the e-mail export")
    return round(FULL - 4 + 4 * worst.score / engine.best_score(scenario), 2)


def _identity_hand_ins(ctx: SimpleNamespace) -> None:
    """test_identity.py's learners: one in NFD (as macOS writes names), one in nbgrader's exchange layout."""
    wrong = learner.with_wrong_checks(ctx.model, ["q1", "q2"])
    folders = {"José Ñ 李": nfd("José Ñ 李"),
               "Анна Петрова": f"Анна Петрова+{LESSON}+2025-03-01 09:00:00.000000 UTC+a1"}
    for name, score in SCRIPTS.items():
        dest = ctx.up / folders.get(name, name)
        learner.write_submission(dest / LESSON if "+" not in dest.name else dest, ctx.rel,
                                 ctx.model if score == FULL else wrong)
    learner.write_submission(ctx.up / TWINS / LESSON, ctx.rel, ctx.model)  # which Fatima? nobody can tell


def _damaged_zip(ctx: SimpleNamespace) -> None:
    """DAMAGED's hand-in: `ola.zip` holding `lesson (1).ipynb`, cut short in the middle of its first cell."""
    import zipfile

    text = ctx.rel.read_text(encoding="utf-8")
    with zipfile.ZipFile(ctx.up / f"{DAMAGED}.zip", "w") as zf:
        zf.writestr("lesson (1).ipynb", text[:text.index('"source"') + 12])
        zf.writestr("responses.json", learner.responses_text(ctx.model))


def _excusal_hand_ins(ctx: SimpleNamespace) -> None:
    """test_excusal_totals.py's learners: skips made by pressing the widgets' toggles in the hand-in folder."""
    from pathways.views.common import root as widget_root

    def hand_in(name: str) -> Path:
        return learner.write_submission(ctx.up / name / LESSON, ctx.rel, ctx.model)

    learner.press_skip(hand_in("ria"), ["roleplay:roleplay", "check:checks:q2"])  # a role-play and a check
    learner.press_skip_section(hand_in("sol"), "8. Knowledge checks", [f"check:checks:{q}" for q in QUESTIONS])
    hand_in("tom")  # skips nothing
    uma = hand_in("uma")  # a damaged wellbeing record: no skips, flagged, never a crash
    data = json.loads((uma / "responses.json").read_text(encoding="utf-8"))
    skipped = ExcusalsRecord(items={"roleplay:roleplay": learner.AT})
    data["activities"]["wellbeing"] = learner.broken(skipped, items=["roleplay:roleplay"])  # a list, not {item: when}
    (uma / "responses.json").write_text(json.dumps(data), encoding="utf-8")
    vic = hand_in("vic")
    learner.press_skip(vic, ["reflection:reflection-why-stay", "sorting:sort-palermo"])
    with learner.in_folder(vic):  # skipped, then came back to the sorting: it counts again
        widget_root([], "sorting", item="sorting:sort-palermo").skip_toggle.undo()
