"""Fast tests of the grading workflow's pieces that need no kernel: ids, collect layouts, notebook checks."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from pathways.grading.instructor import collect as collect_mod
from pathways.grading.instructor import handins
from pathways.grading.instructor.ledger import Learner, Ledger, label_id, name_id
from pathways.grading.instructor.workflow import _cell, leaks, read_roster
from pathways.grading.sandbox.handin import DamagedNotebook, output_flags, prepare, read_notebook

LESSON = "01-demo"


def _meta(gid, **kw):
    return {"nbgrader": {"grade_id": gid, "schema_version": 3, "grade": False, "solution": False, "locked": False,
                         "task": False, **kw}}


def release_nb():
    return new_notebook(cells=[
        new_markdown_cell("# Demo"),
        new_markdown_cell("YOUR ANSWER HERE", metadata=_meta("essay", solution=True, grade=True, points=2)),
        new_code_cell("show()", metadata=_meta("setup", locked=True)),
        new_code_cell("pass  # nothing to write here", metadata=_meta("answer", solution=True)),
        new_code_cell("from pathways.autograde import check_points", metadata=_meta("test-q1", grade=True,
                                                                                     locked=True, points=1)),
        new_code_cell("check_points('q2', 'a')", metadata=_meta("test-q2", grade=True, locked=True, points=1)),
    ])


def test_names_become_safe_stable_ids():
    """Do names with spaces, accents or another script become safe, stable ids that keep them apart?"""
    assert label_id("ana") == "ana"
    assert label_id("José Núñez") == name_id("José Núñez") and name_id("José Núñez").startswith("jose-nunez-")
    assert label_id("李雷") == label_id("李雷") and label_id("李雷").startswith("learner-")
    assert label_id("../../etc") not in {"..", "."} and "/" not in label_id("../../etc")
    ledger = Ledger(Path("/nonexistent/ledger.json"))
    a = ledger.add_student("Chloé Dupont")
    b = ledger.add_student("Chloe Dupont")  # a different person whose name slugs the same
    assert a.startswith("chloe-dupont-") and b != a and ledger.add_student("Chloé Dupont") == a


def test_prepare_restores_deleted_cells_and_drops_learner_code():
    """Are deleted test cells restored, edits and learner code flagged, and learner code not run by default?"""
    rel = release_nb()
    sub = release_nb()
    del sub.cells[4]  # the first test cell
    sub.cells[4].source = "print('free points')"  # edit the second (locked) test cell
    sub.cells[3].source = "import os; os.system('rm -rf /')"  # code in the solution cell
    sub.cells[1].source = "My written answer."
    sub.cells.append(new_code_cell("while True: pass"))
    graded, flags = prepare(sub, rel, run_learner_code=False)
    text = " | ".join(flags)
    assert "1 cell(s) of the lesson deleted (test-q1)" in text
    assert "locked cell(s) edited (test-q2)" in text
    assert "2 code cell(s) the lesson does not contain: not run" in text
    assert [c.source for c in graded.cells][2:] == [c.source for c in rel.cells][2:]
    assert graded.cells[1].source == "My written answer."  # written answers are kept, never run

    graded, flags = prepare(sub, rel, run_learner_code=True)
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in graded.cells]
    assert ids.index("test-q1") == ids.index("answer") + 1  # put back where it was
    assert "while True: pass" in [c.source for c in graded.cells]
    assert any("were run" in f for f in flags)


def test_damaged_notebooks_are_refused_with_a_reason(tmp_path):
    """Does a damaged notebook give a plain reason rather than a crash?"""
    bad = tmp_path / "lesson.ipynb"
    bad.write_text('{"cells": [', encoding="utf-8")
    with pytest.raises(DamagedNotebook, match="damaged"):
        read_notebook(bad)
    bad.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(DamagedNotebook):
        read_notebook(bad)


def test_output_flags_find_timeouts_and_forged_transcripts(tmp_path):
    """Are a stopped cell and a rejected transcript noticed in a graded notebook?"""
    nb = release_nb()
    nb.cells[2].outputs = [nbformat.v4.new_output("error", ename="CellTimeoutError", evalue="", traceback=[])]
    nb.cells[4].outputs = [nbformat.v4.new_output(
        "stream", name="stdout", text="Role-play: step 2: x: this path is not possible in the scenario.")]
    path = tmp_path / "lesson.ipynb"
    nbformat.write(nb, path)
    flags = output_flags(path, 5)
    assert "1 cell(s) ran longer than 5 s and were stopped" in flags
    assert any("forged" in f for f in flags)


def test_output_flags_name_a_grading_environment_that_failed(tmp_path):
    """When every graded cell stopped on an error no answer causes (the kernel could not even grade), is the
    hand-in flagged instead of passing its zeros off as the learner's; and is a plain wrong answer not?"""
    nb = release_nb()
    graded = [c for c in nb.cells if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")]
    assert graded
    for cell in graded:
        cell.outputs = [nbformat.v4.new_output("error", ename="FileNotFoundError",
                                               evalue="No usable temporary directory found", traceback=[])]
    path = tmp_path / "lesson.ipynb"
    nbformat.write(nb, path)
    assert any("every graded cell failed" in f and "FileNotFoundError" in f for f in output_flags(path, 5))
    graded[0].outputs = [nbformat.v4.new_output("error", ename="AssertionError", evalue="", traceback=[])]
    nbformat.write(nb, path)
    assert not any("every graded cell failed" in f for f in output_flags(path, 5))


def test_feedback_leak_check_catches_escaped_lines():
    """Does the feedback check find a hidden test line even when HTML-escaped?"""
    snippets = ['check_points("q1", "b")']
    assert leaks("<pre>check_points(&quot;q1&quot;, &quot;b&quot;)</pre>", snippets)
    assert leaks("<pre>check_points(\"q1\", \"b\")</pre>", snippets)
    assert not leaks("<pre>(hidden test: its output is not shown in feedback)</pre>", snippets)


def test_csv_cells_cannot_become_formulas():
    """Is a name such as '=HYPERLINK(...)' written as text, not a spreadsheet formula?"""
    assert _cell("=HYPERLINK(\"x\")").startswith("'")
    assert _cell("+1") == "'+1" and _cell("ana") == "ana" and _cell(None) == ""


def test_roster_formats(tmp_path):
    """Are class lists read from a CSV with a header or from plain lines?"""
    a = tmp_path / "a.csv"
    a.write_text("name,email\nAna Lima,a@x\nLi Lei,l@x\n", encoding="utf-8")
    b = tmp_path / "b.txt"
    b.write_text("ana\n\nben\n", encoding="utf-8")
    assert read_roster(a) == [Learner(email="a@x", name="Ana Lima"), Learner(email="l@x", name="Li Lei")]
    assert read_roster(b) == [Learner(name="ana"), Learner(name="ben")]


def test_a_class_list_with_markup_in_a_name_is_refused(tmp_path):
    """Is a class list whose name would be markup in nbgrader's pages refused, saying which, while an apostrophe
    (O'Brien) is fine?"""
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name\nana,<script>alert(1)</script>\nben,Ben O'Brien\n", encoding="utf-8")
    with pytest.raises(ValueError, match="script"):
        read_roster(bad)
    bad.write_text("id,name\nben,Ben O'Brien\n", encoding="utf-8")
    assert read_roster(bad) == [Learner(id="ben", name="Ben O'Brien")]


def _course(tmp_path):
    root = tmp_path / "course"
    rel = root / "release" / LESSON
    rel.mkdir(parents=True)
    nbformat.write(release_nb(), rel / "lesson.ipynb")
    return root


def _hand_in(folder: Path, nb=None, responses=True):
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb or release_nb(), folder / "lesson.ipynb")
    if responses:
        (folder / "responses.json").write_text(json.dumps({"format": "pathways-responses/1", "activities": {}}))


def test_collect_understands_every_layout_and_reports_problems(tmp_path):
    """Are nbgrader, exchange, by-lesson and e-mail layouts imported, and duplicates, junk and bad zips reported?"""
    root = _course(tmp_path)
    up = tmp_path / "upload" / "submissions"  # wrapped in one outer folder, as a zip download is
    _hand_in(up / "ana" / LESSON)                                               # nbgrader submitted/
    _hand_in(up / f"ben+{LESSON}+2025-01-02 10:00:00.000000 UTC+abc")             # exchange inbox
    _hand_in(up / f"ben+{LESSON}+2025-01-01 10:00:00.000000 UTC+def")             # ... handed in twice
    _hand_in(up / "Chloé Dupont")                                               # e-mail: lesson from its cells
    (up / "Chloé Dupont" / "lesson.ipynb").rename(up / "Chloé Dupont" / "lesson (1).ipynb")
    staging = tmp_path / "dan-zip"
    _hand_in(staging / LESSON)
    with zipfile.ZipFile(up / "Dan Öz.zip", "w") as zf:                         # e-mail: a zip per student
        for p in (staging / LESSON).iterdir():
            zf.write(p, f"{LESSON}/{p.name}")
        zf.writestr("../../escape.txt", "no")
    (up / "eve.zip").write_bytes(b"not a zip")
    (up / "notes.txt").write_text("hello")
    (up / "fay").mkdir()
    (up / "fay" / "lesson.ipynb").write_text('{"cells": [')                     # damaged: the upload's lesson
    rep = collect_mod.collect(tmp_path / "upload", root, [LESSON])
    got = {(sid, lesson) for sid, lesson, _ in rep.imported}
    chloe, dan = name_id("Chloé Dupont"), name_id("Dan Öz")
    assert got == {("ana", LESSON), ("ben", LESSON), (chloe, LESSON), (dan, LESSON), ("fay", LESSON)}
    assert (root / "submitted" / chloe / LESSON / "lesson.ipynb").is_file()  # renamed to the lesson's name
    text = "\n".join(rep.lines())
    assert "ben" in text and "handed in twice" in text and "2025-01-02" in text.split("graded ")[1].split(",")[0]
    assert "eve.zip: not a readable zip file" in text and "notes.txt" in text
    assert "unsafe entry" in text and not (tmp_path / "escape.txt").exists()
    assert "DAMAGED: cannot be read as a notebook" in text and f"fay ({LESSON}): notebook is damaged" in text
    assert (root / "pathways" / "archive" / "ben" / LESSON).is_dir()  # the set-aside copy is kept
    ledger = Ledger.load(root)
    assert ledger.name(chloe) == "Chloé Dupont"
    assert any("handed in twice" in f for f in ledger.get("ben", LESSON).collect_flags)

    again = collect_mod.collect(tmp_path / "upload", root, [LESSON])  # the same upload again: nothing new
    assert not again.imported and len(again.unchanged) == 5
    changed = tmp_path / "later"
    _hand_in(changed / "ana" / LESSON, responses=False)
    later = collect_mod.collect(changed, root, [LESSON])
    assert later.imported and later.replaced and Ledger.load(root).get("ana", LESSON).needs_grading


def test_a_damaged_notebook_is_recognised_as_damaged(tmp_path):
    """Is a notebook cut short recognised by the grade ids still legible in it (or else said to be damaged, with
    the way to import it), never 'which lesson?'?"""
    root = _course(tmp_path)
    other = root / "release" / "02-other" / "lesson.ipynb"
    other.parent.mkdir(parents=True)
    nbformat.write(new_notebook(cells=[new_code_cell("x", metadata=_meta("test-z", grade=True, points=1))]), other)
    text = nbformat.writes(release_nb())
    up = tmp_path / "up"
    (up / "ana").mkdir(parents=True)
    (up / "ana" / "lesson (1).ipynb").write_text(text[:text.index('"test-q1"') + 12])  # grade ids still legible
    rep = collect_mod.collect(up, root, [LESSON, "02-other"])
    assert [(sid, lesson) for sid, lesson, _ in rep.imported] == [("ana", LESSON)]
    assert rep.damaged == [f"ana ({LESSON}): {collect_mod.DAMAGED}"]
    alone = tmp_path / "alone"
    (alone / "ben").mkdir(parents=True)
    (alone / "ben" / "lesson.ipynb").write_text(text[:40])  # nothing legible, and two lessons in the course
    [ben] = collect_mod.collect(alone, root, [LESSON, "02-other"]).unreadable
    assert ben.startswith("ben: the notebook is damaged") and "--lesson LESSON" in ben
    assert "cannot tell which lesson" not in ben
    forced = collect_mod.collect(alone, root, [LESSON, "02-other"], forced_lesson="02-other")
    assert forced.damaged and (root / "submitted" / "ben" / "02-other" / "lesson.ipynb").is_file()


def test_a_purged_learner_is_remembered_by_hashes_and_refused(tmp_path):
    """Once purged, is a learner refused by collect and the class list (by id, e-mail or name), remembered by no
    readable text, and taken back by a re-enrolment on purpose?"""
    root = _course(tmp_path)
    ledger = Ledger.load(root)
    ledger.add_roster([Learner(id="s01", email="ana@uni.example", name="Ana Lima"), Learner(id="s02")])
    ledger.forget("s01")
    del ledger.students["s01"]
    ledger.save()
    saved = (root / "pathways" / "ledger.json").read_text(encoding="utf-8")
    assert "Ana" not in saved and "ana@" not in saved and '"s01"' not in saved
    ledger = Ledger.load(root)
    assert all(ledger.is_purged(x) for x in ("s01", "S01", "ana@uni.example", "ana lima")) and not \
        ledger.is_purged("s02")
    ids, warnings = ledger.add_roster([Learner(id="s01", name="Ana Lima"), Learner(id="s02")])
    assert ids == ["s02"] and "deleted on request" in warnings[0]
    up = tmp_path / "up"
    _hand_in(up / "Ana Lima" / LESSON)
    rep = collect_mod.collect(up, root, [LESSON])
    assert not rep.imported and rep.refused and "--re-enrol 'Ana Lima'" in rep.refused[0]
    ledger = Ledger.load(root)
    assert ledger.re_enrol("Ana Lima") and not ledger.re_enrol("nobody")
    ledger.save()
    assert collect_mod.collect(up, root, [LESSON]).imported


def test_collect_flags_unknown_students_and_oversized_notebooks(tmp_path, monkeypatch):
    """Is a student missing from the class list imported but flagged, and a huge notebook refused?"""
    root = _course(tmp_path)
    ledger = Ledger.load(root)
    ledger.add_student("ana", roster=True)
    ledger.save()
    monkeypatch.setattr(handins, "MAX_NOTEBOOK_BYTES", 50_000)  # the limit the scan of a folder applies
    up = tmp_path / "up"
    _hand_in(up / "ana" / LESSON)
    _hand_in(up / "zed" / LESSON)
    big = release_nb()
    big.cells[0].source = "x" * 60_000
    _hand_in(up / "ana" / "x", nb=big)
    rep = collect_mod.collect(up, root, [LESSON], forced_lesson=None)
    assert rep.unknown_students == [f"zed (zed/{LESSON})"]
    assert "not on the class list" in Ledger.load(root).get("zed", LESSON).collect_flags
    assert any("too large" in p for p in rep.unreadable)


def _fake_run(job):
    import os

    from pathways.grading.sandbox.job import Result

    if job.student == "boom":
        os._exit(3)  # the worker process dies, as if killed
    return Result(job.student, job.lesson, graded=True)


def test_a_dying_worker_costs_only_its_own_job(tmp_path, monkeypatch):
    """When a grading process dies, are the other notebooks still graded and only the culprit given up?"""
    from pathways.grading.sandbox import parallel
    from pathways.grading.sandbox.job import Jail, Job

    monkeypatch.setattr(parallel, "run", _fake_run)
    jobs = [Job(s, LESSON, tmp_path, tmp_path, tmp_path, tmp_path) for s in ("ana", "boom", "ben", "cy")]
    results = []
    parallel.run_jobs(jobs, 2, Jail(), tmp_path, results.append, progress=False)
    by = {r.student: r for r in results}
    assert sorted(by) == ["ana", "ben", "boom", "cy"]
    assert not by["boom"].graded and "died on it (twice)" in by["boom"].flags[0]
    assert all(by[s].graded for s in ("ana", "ben", "cy"))


def test_gradebooks_are_created_with_the_schema_head_alembic_names(tmp_path):
    """Does the schema revision Pathways reads from nbgrader's migration scripts (so a new gradebook needs no
    `alembic` process) equal the head alembic itself finds, and is it what a new gradebook records?"""
    import sqlite3

    from alembic.script import ScriptDirectory
    from nbgrader import dbutil
    from nbgrader.api import Gradebook
    from pathways.grading import nbgrader_run as course
    from pathways.grading.instructor import gradebook  # noqa: F401  (installs the faster creation)

    head = ScriptDirectory(dbutil.ALEMBIC_DIR).get_current_head()
    assert course.nbgrader_schema_head() == head
    with Gradebook(f"sqlite:///{tmp_path / 'g.db'}"):
        pass
    with sqlite3.connect(tmp_path / "g.db") as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [(head,)]
