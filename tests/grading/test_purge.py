"""`pathways course purge`: a learner's data deleted on request, or every learner's at the end of a course.

Fast tests on a small hand-made course holding a learner in every place a course keeps them (collected hand-ins,
replaced and set-aside ones, autograded copies, feedback, gradebook rows and a backup, a workshop's exchange
archive, grades.csv, the last grading run's record); one slow test on a copy of the class the grading tests share
(support.graded_class), collected and graded for real.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import tarfile
import warnings
from pathlib import Path

import pytest
from pathways.activities.checks import ChecksRecord
from pathways.grading import cli
from pathways.grading import course as courselib
from pathways.grading.delivery.workshop import exchange
from pathways.grading.delivery.workshop.common import Layout
from pathways.grading.delivery.workshop.record import LearnerAccount, WorkshopRecord, save_record
from pathways.grading.instructor import gradebook, purge, purge_archives, workflow
from pathways.grading.instructor.ledger import Learner, Ledger
from sqlalchemy.exc import SAWarning
from support import learner
from support.course import DEMO, demo_course
from support.graded_class import GROUP

GONE = "s-zoe-01"  # the learner who asks to be deleted
OTHERS = ("s-zoe-04", "s-ben-02", "s-cai-03")
CLASS = [Learner(GONE, "zoe.quill@x.org", "Zoë Quill"), Learner("s-zoe-04", "zoe4@x.org", "Zoë Quill"),
         Learner("s-ben-02", "", "Ben Ode"), Learner("s-cai-03", "", "Cai Ode")]


def _hand_in(folder: Path, rel: Path, answer: str) -> Path:
    return learner.write_submission(folder, rel, {"checks": ChecksRecord(answers={"q1": answer})})


def _gradebook(url: str) -> None:
    """The demo lesson in nbgrader's gradebook, and a submission (with a grade) of every learner."""
    from nbgrader.api import Gradebook

    with Gradebook(url, courselib.COURSE_ID) as gb, warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)  # nbgrader's add_submission, as in instructor/gradebook.py
        gb.add_assignment(DEMO)
        gb.add_notebook("lesson", DEMO)
        gb.add_grade_cell("test-q1", "lesson", DEMO, max_score=1, cell_type="code")
        for entry in CLASS:
            gb.update_or_create_student(entry.id, last_name=entry.name, email=entry.email or None)
            gb.add_submission(DEMO, entry.id)


def _archive(tmp_path: Path, root: Path, monkeypatch) -> Path:
    """A workshop's raw exchange archive, made by the workshop's own code, with every learner's hand-in."""
    monkeypatch.setattr(exchange, "mkdir", lambda path, mode, *ids: path.mkdir(parents=True, exist_ok=True) or path)
    layout = Layout(tmp_path / "workshop")
    layout.state.mkdir(parents=True)
    users = {f"pw-{e.id}": LearnerAccount(uid=47001 + n, gid=47001 + n, home=f"/h/{n}", sid=e.id, name=e.name)
             for n, e in enumerate(CLASS)}
    save_record(layout, WorkshopRecord(course=str(root), lessons=[DEMO], prefix="pw-", group="pw-learners",
                                       uids=(47000, 47999), address="127.0.0.1", port=8000, started="", learners=users))
    for user in users:
        _hand_in(layout.course_exchange / "inbound" / user / f"{user}+{DEMO}+2026-03-01 09:00:00.000000 UTC+ab",
                 root / "release" / DEMO / "lesson.ipynb", f"{user} in the room")
    return exchange.archive_exchange(layout, root)


def _class_course(tmp_path: Path, monkeypatch) -> Path:
    """A course in which every learner is in every place a course keeps learners (see the module docstring)."""
    root, rel = demo_course(tmp_path, CLASS)
    up, again = tmp_path / "up", tmp_path / "again"
    for entry in CLASS:
        _hand_in(up / entry.id / DEMO, rel, f"first of {entry.id}")
        _hand_in(again / entry.id / DEMO, rel, f"second of {entry.id}")  # replaces the first: archived
    _hand_in(again / "Zoë Quill" / DEMO, rel, "whose?")  # the name of two learners: set aside
    workflow.collect(up, root)
    assert len(workflow.collect(again, root).replaced) == 4
    for entry in CLASS:  # what grade and feedback leave
        for stage in ("autograded", "feedback"):
            (root / stage / entry.id / DEMO).mkdir(parents=True)
        (root / "autograded" / entry.id / DEMO / "lesson.ipynb").write_bytes(rel.read_bytes())
        (root / "feedback" / entry.id / DEMO / "lesson.html").write_text(f"<p>{entry.id}</p>", encoding="utf-8")
    url = courselib.db_url(root)
    _gradebook(url)
    gradebook.backup(url, courselib.CourseFolder(root).backups)
    _archive(tmp_path, root, monkeypatch)
    workflow.export(root)
    courselib.CourseFolder(root).last_grade.write_text(json.dumps(
        {"warnings": [f"1 hand-in(s) in submitted/ were never collected ({GONE}/{DEMO})", "all fine"]}))
    return root


def _files(root: Path) -> dict[str, str]:
    """Every file under the course folder and its digest (every member of an archive as a file of its own)."""
    out = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.name != "lock"):
        rel = str(path.relative_to(root))
        out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
        if path.name.endswith(".tar.gz"):
            with tarfile.open(path) as tar:
                for m in tar.getmembers():
                    data = tar.extractfile(m).read() if m.isfile() else b""
                    out[f"{rel}!{m.name}"] = hashlib.sha256(data).hexdigest()
    return out


def _traces(root: Path, text: str) -> list[str]:
    """Every file (or archive member, by name or content) under the course folder that holds `text`."""
    needle, found = text.encode("utf-8"), []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if needle in str(path.relative_to(root)).encode("utf-8") or needle in path.read_bytes():
            found.append(str(path.relative_to(root)))
        if path.name.endswith(".tar.gz"):
            with tarfile.open(path) as tar:
                for m in tar.getmembers():
                    if needle in m.name.encode("utf-8") or (m.isfile() and needle in tar.extractfile(m).read()):
                        found.append(f"{path.relative_to(root)}!{m.name}")
    return found


def _students(url: str) -> dict[str, int]:
    return purge.gradebook_rows(url)


def test_a_purged_learner_leaves_no_trace_and_the_others_keep_everything(tmp_path, monkeypatch, capsys):
    """After `course purge --learner ID --yes`, is the learner's id found nowhere under the course folder (files,
    archive members, gradebook and its backup), while every other learner's files, rows and archive members are
    exactly as they were?"""
    root = _class_course(tmp_path, monkeypatch)
    assert len(_traces(root, GONE)) > 10  # every place holds them before
    before = _files(root)
    folder = courselib.CourseFolder(root)
    backup = next(folder.backups.glob("gradebook-*.db"))
    [archive] = folder.exchange_archives()

    assert cli.main(["course", "purge", "--course", str(root), "--learner", GONE.upper(), "--yes"]) == 0
    out = capsys.readouterr().out
    assert f"Removed the data of {GONE} from {root}" in out and "class list entry" in out
    assert f"submitted/{GONE}/" in out and "4 member(s) of the exchange archive" in out
    assert "set-aside" in out and "if one was the work of s-zoe-04, they hand it in again" in out
    assert "pathways export" in out

    assert _traces(root, GONE) == [] and _traces(root, "zoe.quill@x.org") == []
    assert GONE not in _students(courselib.db_url(root)) and GONE not in _students(f"sqlite:///{backup}")
    assert _students(courselib.db_url(root)) == dict.fromkeys(OTHERS, 1)
    assert _students(f"sqlite:///{backup}") == dict.fromkeys(OTHERS, 1)
    ledger = Ledger.load(root)
    assert set(ledger.students) == set(OTHERS) and set(ledger.submissions) == set(OTHERS) and not ledger.unassigned
    assert oct(archive.stat().st_mode & 0o777) == "0o600"
    after = _files(root)
    for rel, digest in before.items():
        if any(f"{other}" in rel for other in OTHERS) and "_unassigned" not in rel:
            assert after.get(rel) == digest, rel  # their folders, archived hand-ins and archive members
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile(courselib.ARCHIVE_LEARNERS).read())
    assert manifest == {f"pw-{other}": other for other in OTHERS}
    assert not folder.grades_csv.exists()
    assert json.loads(folder.last_grade.read_text())["warnings"] == ["all fine"]


def test_an_unknown_id_or_a_name_is_refused_and_changes_nothing(tmp_path, monkeypatch, capsys):
    """Does an id that names no learner (or a name, even one learner's) stop the purge with an error naming it,
    before anything is removed, even when other ids given are right?"""
    root = _class_course(tmp_path, monkeypatch)
    before = _files(root)
    assert cli.main(["course", "purge", "--course", str(root), "--learner", GONE, "--learner", "nobody",
                     "--yes"]) == 1
    assert "no learner with the id 'nobody'" in capsys.readouterr().err
    assert cli.main(["course", "purge", "--course", str(root), "--learner", "Ben Ode", "--yes"]) == 1
    assert "(the name or e-mail of s-ben-02: give the id)" in capsys.readouterr().err
    assert _files(root) == before


def test_without_yes_and_no_terminal_it_lists_and_deletes_nothing(tmp_path, monkeypatch, capsys):
    """Without --yes and with no terminal to ask on, does purge list what it would remove (paths, counts,
    gradebook rows), say to add --yes, exit non-zero and leave every file as it was?"""
    root = _class_course(tmp_path, monkeypatch)
    before = _files(root)
    monkeypatch.setattr("sys.stdin", io.StringIO("yes\n"))  # not a terminal: never read
    assert cli.main(["course", "purge", "--course", str(root), "--learner", GONE]) == 1
    captured = capsys.readouterr()
    assert f"Would remove the data of {GONE}" in captured.out and f"submitted/{GONE}/ (2 file(s))" in captured.out
    assert f"gradebook: {GONE} and their 1 submission(s)" in captured.out and "--yes" in captured.err
    assert _files(root) == before


def test_on_a_terminal_it_asks_and_deletes_only_after_yes(tmp_path, monkeypatch, capsys):
    """On a terminal without --yes, does purge ask, delete nothing on any answer but 'yes', and delete on 'yes'?"""
    root = _class_course(tmp_path, monkeypatch)
    before = _files(root)
    terminal = io.StringIO()
    terminal.isatty = lambda: True
    monkeypatch.setattr("sys.stdin", terminal)
    answers = iter(["y", "yes"])
    monkeypatch.setattr("builtins.input", lambda prompt: next(answers))
    assert cli.main(["course", "purge", "--course", str(root), "--learner", GONE]) == 1
    assert "Nothing was removed." in capsys.readouterr().out and _files(root) == before
    assert cli.main(["course", "purge", "--course", str(root), "--learner", GONE]) == 0
    assert f"Removed the data of {GONE}" in capsys.readouterr().out and _traces(root, GONE) == []


def test_purge_all_empties_the_course_of_learners_and_keeps_the_lessons(tmp_path, monkeypatch, capsys):
    """Does `course purge --all --yes` remove every learner's folders, rows, archives and backups, and keep the
    released lessons and the gradebook's lessons, so the course can be taught again?"""
    root = _class_course(tmp_path, monkeypatch)
    assert cli.main(["course", "purge", "--course", str(root), "--all", "--yes"]) == 0
    assert "Removed the data of every learner" in capsys.readouterr().out
    for entry in CLASS:
        assert _traces(root, entry.id) == [], entry.id
    folder = courselib.CourseFolder(root)
    assert (folder.release / DEMO / "lesson.ipynb").is_file() and not folder.exchange_archives()
    assert all(not any(folder.stage(s).iterdir()) for s in courselib.LEARNER_STAGES)
    assert _students(courselib.db_url(root)) == {} and Ledger.load(root).students == {}
    con = sqlite3.connect(folder.sqlite_gradebook)
    assert con.execute("select name from assignment").fetchall() == [(DEMO,)]
    con.close()


def test_a_place_added_only_to_course_folder_is_purged(tmp_path, monkeypatch, capsys):
    """When a new place for a learner's data is added to CourseFolder.LEARNER_PLACES and nowhere else (a file and a
    folder per learner), does purge find it, list it and remove it for one learner (the others' kept) and then for
    everyone, and does it make an id found only there a known learner?"""
    places = (*courselib.CourseFolder.LEARNER_PLACES, "pathways/surveys/{learner}.json", "pathways/notes/{learner}")
    monkeypatch.setattr(courselib.CourseFolder, "LEARNER_PLACES", places)
    root, _ = demo_course(tmp_path, CLASS)
    for lid in (GONE, *OTHERS, "s-only-here"):
        (root / "pathways" / "surveys").mkdir(parents=True, exist_ok=True)
        (root / "pathways" / "surveys" / f"{lid}.json").write_text(f'{{"who": "{lid}"}}', encoding="utf-8")
        (root / "pathways" / "notes" / lid).mkdir(parents=True)
        (root / "pathways" / "notes" / lid / "note.txt").write_text(lid, encoding="utf-8")
    assert cli.main(["course", "purge", "--course", str(root), "--learner", GONE, "--learner", "s-only-here",
                     "--yes"]) == 0
    out = capsys.readouterr().out
    assert f"  - pathways/surveys/{GONE}.json\n" in out and f"  - pathways/notes/{GONE}/ (1 file(s))\n" in out
    assert _traces(root, GONE) == [] and _traces(root, "s-only-here") == []
    assert all(_traces(root, lid) for lid in OTHERS)
    assert cli.main(["course", "purge", "--course", str(root), "--all", "--yes"]) == 0
    assert not any((root / "pathways" / "surveys").iterdir()) and not any((root / "pathways" / "notes").iterdir())


def test_an_archive_without_its_list_of_learners_is_read_by_account_names(tmp_path):
    """In an exchange archive that does not say whose each account is, is a learner's account found by the
    workshop's own naming (any prefix), and is an account that could be two learners' never guessed at?"""
    archive = tmp_path / "exchange-old.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for name in ("inbound/pw-ana/pw-ana+l+t+r/lesson.ipynb", "inbound/pw-x-ben/pw-x-ben+l+t+r/lesson.ipynb"):
            info = tarfile.TarInfo(name)
            info.size = len(name)
            tar.addfile(info, io.BytesIO(name.encode()))
    os.chmod(archive, 0o600)
    known = {"ana", "ben", "x-ben"}
    assert purge_archives.rewrite_without(archive, {"ana"}, known) == 1
    with tarfile.open(archive) as tar:
        assert tar.getnames() == ["inbound/pw-x-ben/pw-x-ben+l+t+r/lesson.ipynb"]
    with pytest.raises(ValueError, match="pw-x-ben could be any of ben, x-ben"):
        purge_archives.rewrite_without(archive, {"ben"}, known)  # 'pw-' + 'x-ben', or 'pw-x-' + 'ben'?
    with tarfile.open(archive) as tar:
        assert len(tar.getnames()) == 1
    assert oct(archive.stat().st_mode & 0o777) == "0o600"


@pytest.mark.slow
@pytest.mark.xdist_group(GROUP)
def test_a_graded_learner_is_purged_and_the_class_keeps_its_grades(tmp_path, monkeypatch, graded_class):
    """In a copy of the class collected, graded, given feedback and reported for real (support.graded_class), does
    purging one learner leave no trace of them (autograded notebooks, feedback, gradebook and its backups
    included) while every other learner keeps their grades, and do export and the report still work?"""
    root = tmp_path / "course"
    shutil.copytree(graded_class.root, root, symlinks=True)
    monkeypatch.setenv("PATHWAYS_LESSONS", str(graded_class.lessons))
    monkeypatch.setenv("PATHWAYS_COURSE", str(root))
    name = "Анна Петрова"
    sid = next(row["student_id"] for row in graded_class.rows.values() if row["name"] == name)
    url = courselib.db_url(root)
    assert url != graded_class.url
    scores = {key: s for key, s in gradebook.scores(url).items() if key[0] != sid}
    assert len(scores) > 20 and len(_traces(root, sid)) > 5

    report = purge.purge(root, [sid])
    assert report.done and report.gradebook == {sid: 1}
    assert _traces(root, sid) == [] and _traces(root, name) == []
    assert gradebook.scores(url) == scores
    assert workflow.export(root).is_file() and workflow.report(root).is_file()
