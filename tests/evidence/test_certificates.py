"""Certificates of completion, their verification, the completion record and the course sheet
(`pathways certificate make | verify`), and `course purge` removing them."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import shutil
import socket

import pytest
from pathways.grading import cli
from pathways.grading.evidence import certificates, completion, pdf
from pathways.grading.instructor import purge
from support.evidence import LESSONS, pdf_text

#: Their course and PDFs are made once per worker (tests/evidence/conftest.py): one worker runs them all.
pytestmark = pytest.mark.xdist_group("evidence")


@pytest.fixture(scope="module")
def made_once(evidence_course_template, tmp_path_factory):
    """`pathways certificate make` run once per module on a copy of the course, the network unreachable: the
    course folder and what the command printed. Read only: a test that changes it works on `made`'s copy."""
    root = tmp_path_factory.mktemp("made") / "course"
    shutil.copytree(evidence_course_template, root)

    def refuse(*args, **kwargs):
        raise AssertionError(f"a network connection was attempted: {args}")

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PATHWAYS_COURSE", str(root))
        for owner, name in ((socket.socket, "connect"), (socket, "create_connection"), (socket, "getaddrinfo")):
            mp.setattr(owner, name, refuse)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert cli.main(["certificate", "make"]) == 0
    return root, out.getvalue()


@pytest.fixture
def made(made_once, tmp_path, monkeypatch):
    """A copy of the course after `certificate make`, in force as PATHWAYS_COURSE; what the command printed."""
    root = tmp_path / "course"
    shutil.copytree(made_once[0], root)
    monkeypatch.setenv("PATHWAYS_COURSE", str(root))
    return root, made_once[1]


def test_certificates_for_those_who_completed(made_once):
    evidence_course, made = made_once
    """Does every learner who handed in every released lesson get a certificate naming them, the course, the lessons
    and the hours from the facilitator guide, with a verification code, and the others a reason?"""
    folder = evidence_course / "certificates"
    assert sorted(p.name for p in folder.iterdir()) == (["ana", "chloe"] if pdf.uncovered("李雷") else
                                                        ["ana", "chloe", "lei"])
    text, pages = pdf_text(folder / "chloe" / "certificate.pdf")
    assert pages == 1
    flat = " ".join(text.split())
    assert "Chloé Dupont" in flat and "Why don't they leave?" in flat and "Coercion and control" in flat
    assert "2 h" in flat  # 55 + 65 minutes: the guide's times for a learner alone
    code = json.loads((folder / "chloe" / "certificate.json").read_text(encoding="utf-8"))["issued"][0]["code"]
    assert code in flat and "accredited provider" in flat
    assert "No certificate for S0042: 1 of 2 lessons done" in made
    if pdf.uncovered("李雷"):
        assert "No certificate for lei: their name has characters no font on this machine has (李雷)" in made


def test_verify_valid_unknown_and_tampered(made, capsys):
    evidence_course = made[0]
    """Does `certificate verify` answer valid (with the facts), unknown and tampered, with exit status 0, 1, 2?"""
    register = evidence_course / "certificates" / "ana" / "certificate.json"
    code = json.loads(register.read_text(encoding="utf-8"))["issued"][0]["code"]
    assert cli.main(["certificate", "verify", code.lower().replace("-", " ")]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"VALID: certificate {code}") and "Ana Okafor" in out and "2 lesson(s)" in out
    assert cli.main(["certificate", "verify", "AAAA-BBBB-CCCC-DDDD"]) == 1
    assert capsys.readouterr().out.startswith("UNKNOWN")
    data = json.loads(register.read_text(encoding="utf-8"))
    data["issued"][0]["record"]["minutes"] += 600  # someone adds ten hours to the record
    register.write_text(json.dumps(data), encoding="utf-8")
    assert cli.main(["certificate", "verify", code]) == 2
    assert capsys.readouterr().out.startswith(f"TAMPERED: the course's record of certificate {code}")


def test_making_again_keeps_the_code(made):
    evidence_course = made[0]
    """Does making the certificates again keep a learner's code while their record is unchanged (so a certificate
    already handed out still verifies)?"""
    register = evidence_course / "certificates" / "ana" / "certificate.json"
    before = json.loads(register.read_text(encoding="utf-8"))
    certificates.make(evidence_course)
    assert json.loads(register.read_text(encoding="utf-8")) == before


def test_record_and_course_sheet(made_once):
    evidence_course = made_once[0]
    """Is there an attendance and completion record (CSV and PDF) with every learner's lessons, and a one-page course
    sheet with objectives, the agenda's contact hours, assessment and evaluation, both saying that credit is awarded
    only by an accredited provider?"""
    with open(evidence_course / "completion-record.csv", newline="", encoding="utf-8") as fh:
        rows = {row["learner id"]: row for row in csv.DictReader(fh)}
    assert rows["ana"]["completed"] == "yes" and rows["ana"]["learning time (minutes)"] == "120"
    assert rows["S0042"]["completed"] == "no" and rows["S0042"]["lesson 2"] == "missing"
    assert rows["ana"]["certificate code"]
    text, _ = pdf_text(evidence_course / "completion-record.pdf")
    assert "accredited provider" in " ".join(text.split())
    sheet, pages = pdf_text(evidence_course / "course-sheet.pdf")
    flat = " ".join(sheet.split())
    assert pages == 1
    for words in ("Objectives", "Agenda", "6 h 20 min", "6.3 contact hours", "Assessment", "Evaluation",
                  "accredited provider"):
        assert words in flat, words


def test_completion_rule_options(evidence_course, monkeypatch):
    """Does the rule follow PATHWAYS_COMPLETION_LESSONS (a number of lessons), and does a post-test mark the course
    cannot read stop with a message instead of certificates nobody checked?"""
    table = completion.class_table(evidence_course)
    monkeypatch.setenv("PATHWAYS_COMPLETION_LESSONS", "1")
    done = {c.learner.id for c in completion.completions(table, completion.Rule.configured()) if c.complete}
    assert done == {"ana", "S0042", "chloe", "lei"}
    monkeypatch.setenv("PATHWAYS_COMPLETION_POST_TEST", "70")
    rule = completion.Rule.configured()
    assert "post-test mark of at least 70%" in rule.text(len(LESSONS))
    results = completion.completions(table, rule, {"ana": 85.0, "chloe": 60.0})
    assert {c.learner.id: c.complete for c in results} == {"S0042": False, "ana": True, "chloe": False,
                                                             "lei": False}
    try:
        import pathways.grading.evidence.evaluation  # noqa: F401
    except ImportError:
        with pytest.raises(RuntimeError, match="no evaluation to read it from"):
            completion.post_test_marks(evidence_course)


def test_purge_removes_certificates_and_records(made):
    evidence_course = made[0]
    """Does `course purge` remove a learner's certificates (their code then verifies as unknown) and the records made
    from everyone's data?"""
    code = json.loads((evidence_course / "certificates" / "ana" / "certificate.json").read_text(
        encoding="utf-8"))["issued"][0]["code"]
    rep = purge.purge(evidence_course, ["ana"])
    assert not (evidence_course / "certificates" / "ana").exists()
    assert (evidence_course / "certificates" / "chloe").exists()
    assert not (evidence_course / "completion-record.csv").exists()
    assert any("certificates/ana" in line for line in rep.lines())
    assert certificates.verify(code, evidence_course).verdict == certificates.UNKNOWN
    purge.purge(evidence_course, everyone=True)
    assert not any((evidence_course / "certificates").iterdir())
