"""Who is who: a learner is their class-list id, e-mail or hub username, never a name squeezed into ASCII.

Fast tests of ids, names, class lists and collect (no kernel), and one slow run of a small class whose
names are written in several scripts through collect -> grade -> export -> report.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
import zipfile
from pathlib import Path

import pytest
from pathways.activities.checks import ChecksRecord
from pathways.grading.instructor import collect as collect_mod
from pathways.grading.instructor.ledger import VERSION, Learner, Ledger, label_id, name_id, name_key
from pathways.grading.instructor.workflow import flags_text, read_roster
from support import learner
from support.course import DEMO, demo_course
from support.graded_class import FULL, GROUP, LESSON, PEOPLE, SCRIPTS, TWINS

REPO = Path(__file__).resolve().parents[2]


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


# --- names and ids --------------------------------------------------------------------------------------

def test_names_are_compared_after_normalisation_not_after_stripping():
    """Are NFC and NFD spellings, case and spacing one name, while an accent or a non-Latin letter makes another?"""
    assert nfd("José") != "José" and name_key(nfd("José")) == name_key("José")
    assert name_key("  JOSÉ   Núñez ") == name_key("josé núñez")
    assert name_key("José") != name_key("Jose")
    assert name_key("José Ñ 李") != name_key("José Ñ 王")
    assert name_key("Анна") != name_key("Анна".replace("А", "A"))  # Cyrillic A is not Latin A


def test_an_id_from_a_name_is_readable_distinct_and_stable():
    """Does a name alone give an ASCII slug plus a hash: distinct for names that differ, the same on every run?"""
    li, wang = name_id("José Ñ 李"), name_id("José Ñ 王")
    assert li == "jose-n-992afd37" and wang == "jose-n-32d32f0f"  # fixed values: stable across runs and machines
    assert name_id(nfd("José Ñ 李")) == li and name_id("JOSÉ  ñ 李") == li
    assert name_id("José") != name_id("Jose") and name_id("Chloé Dupont") != name_id("Chloe Dupont")
    for name in ("李雷", "Анна Петрова", "فاطمة الزهراء", "अनन्या शर्मा"):
        sid = name_id(name)
        assert sid.startswith("learner-") and sid.isascii() and len(sid) == len("learner-") + 8, sid
    assert len({name_id(n) for n in ("李雷", "李云", "Анна", "Анну", "فاطمة", "فاطمه")}) == 6


def test_safe_ids_stay_as_they_are():
    """Are hub usernames, roster ids and e-mails kept, and only unsafe labels made into name ids?"""
    for sid in ("ana", "student07", "s2023-001", "ana.lima@uni.example", "Jose"):
        assert label_id(sid) == sid
    assert label_id("Ana Lima") == name_id("Ana Lima")
    assert label_id("../../etc").startswith("etc-") and label_id(".hidden") != ".hidden"


# --- class lists ----------------------------------------------------------------------------------------

def test_roster_reads_any_subset_of_id_email_name(tmp_path):
    """Are id, email and name columns found in any case, in any order, with a BOM, and plain lists still read?"""
    cases = {
        "\ufeffID,E-Mail,Name\ns1,ana@x.org,Ana Lima\n": [Learner("s1", "ana@x.org", "Ana Lima")],
        "Name,x\nJosé Ñ 李,1\n": [Learner(name="José Ñ 李")],
        "Email\nBEN@X.ORG\n": [Learner(email="BEN@X.ORG")],
        "username,name\nana,\"Lima, Ana\"\n": [Learner(id="ana", name="Lima, Ana")],
        "First Name,Last Name,Student ID\nАнна,Петрова,42\n": [Learner(id="42", name="Анна Петрова")],
        "ana\n\n李雷\nChloé Dupont\n": [Learner(name="ana"), Learner(name="李雷"), Learner(name="Chloé Dupont")],
    }
    for i, (text, want) in enumerate(cases.items()):
        path = tmp_path / f"{i}.csv"
        path.write_text(text, encoding="utf-8")
        assert read_roster(path) == want, text
    bom = tmp_path / "bom.txt"
    bom.write_bytes("\ufeffana\nben\n".encode())
    assert read_roster(bom) == [Learner(name="ana"), Learner(name="ben")]


def test_roster_ids_come_from_id_then_email_then_name():
    """Does each entry get its id, else its e-mail, else an id from its name, with same names kept apart?"""
    ledger = Ledger(Path("/nonexistent/ledger.json"))
    ids, warnings = ledger.add_roster([
        Learner("s1", "ana@x.org", "Ana Lima"), Learner("", "Ana.Lima@Y.org", "Ana Lima"),
        Learner(name="José Ñ 李"), Learner(name="José Ñ 王"), Learner(name="José"), Learner(name="Jose"),
        Learner(name="Chloé"), Learner(name=nfd("Chloé")),  # the same name twice, no id: two ids and a warning
        Learner("s1", "", "Someone Else"),  # the same id twice: the first is kept
    ])
    chloe = name_id("Chloé")
    assert ids == ["s1", "ana.lima@y.org", name_id("José Ñ 李"), name_id("José Ñ 王"), name_id("José"), "Jose",
                   chloe, f"{chloe}-2"]
    assert ledger.students["ana.lima@y.org"]["email"] == "ana.lima@y.org" and ledger.name("s1") == "Ana Lima"
    text = "\n".join(warnings)
    assert "s1 is on the class list twice" in text
    assert "no id or e-mail to tell them apart" in text and f"{chloe}, {chloe}-2" in text
    assert "2 learners on the class list are named 'Ana Lima', with the ids s1, ana.lima@y.org" in text
    again, _ = ledger.add_roster([Learner(name="Chloé"), Learner(name="Chloé"), Learner(name="José Ñ 王")])
    assert again == [chloe, f"{chloe}-2", name_id("José Ñ 王")]  # the same ids on every run
    assert len(ledger.students) == 8


def test_a_plain_list_with_a_name_twice_gives_neither_the_bare_name():
    """When 'ana' is twice on a plain list, is neither given the id 'ana' (which would name both)?"""
    ledger = Ledger(Path("/nonexistent/ledger.json"))
    ids, warnings = ledger.add_roster([Learner(name="ana"), Learner(name="ana"), Learner(name="ben")])
    assert ids == [name_id("ana"), f"{name_id('ana')}-2", "ben"] and warnings
    assert ledger.match("ana").how == "ambiguous" and ledger.match("ben").sid == "ben"


@pytest.mark.slow  # nbgrader creates its gradebook (seconds)
def test_course_init_reads_the_class_list_and_warns_about_same_names(tmp_path, capsys):
    """Does `pathways course init --roster` enrol each entry under its id, tell nbgrader their names and
    e-mails, and warn about two entries with the same name and nothing else?"""
    from nbgrader.api import Gradebook
    from pathways.grading import cli

    roster = tmp_path / "class.csv"
    roster.write_text("\ufeffE-mail,NAME,Student ID\nana@x.org,Ana Lima,s1\n,José Ñ 李,\n,José Ñ 李,\n",
                      encoding="utf-8")
    root = tmp_path / "course"
    assert cli.main(["course", "init", "--course", str(root), "--roster", str(roster), "--no-release"]) == 0
    out = capsys.readouterr().out
    assert "3 learner(s) on the class list" in out and "Class list: 2 learners on the class list are named" in out
    li = name_id("José Ñ 李")
    assert set(Ledger.load(root).students) == {"s1", li, f"{li}-2"}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        ana = gb.find_student("s1")
        assert (ana.last_name, ana.email) == ("Ana Lima", "ana@x.org") and gb.find_student(li).last_name == "José Ñ 李"


def test_labels_match_id_email_then_name():
    """Is a folder name matched by id or e-mail in any case, else by a normalised name, and never guessed?"""
    ledger = Ledger(Path("/nonexistent/ledger.json"))
    ledger.add_roster([Learner("S1", "ana@x.org", "Ana Lima"), Learner("S2", "ana2@x.org", "Ana Lima"),
                       Learner("S3", "", "José Ñ 李")])
    assert (ledger.match("s1").sid, ledger.match("S2").sid, ledger.match("ANA2@x.org").sid) == ("S1", "S2", "S2")
    assert ledger.match(nfd(" josé  ñ 李 ")).sid == "S3" and ledger.match("José Ñ 王").how == "new"
    both = ledger.match("Ana Lima")
    assert both.how == "ambiguous" and both.sid is None and both.candidates == ["S1", "S2"]
    assert ledger.match("Jose N 李").how == "new"
    assert ledger.new_id("José Ñ 王") == name_id("José Ñ 王")


def test_an_old_ledger_keeps_its_ids(tmp_path):
    """Does a version 1 ledger keep its students' ids, match their names, and read again after saving?"""
    course = tmp_path / "course"
    (course / "pathways").mkdir(parents=True)
    old = {"version": 1, "aliases": {"Chloé Dupont": "Chloe_Dupont", "李雷": "s-0123456789"},
           "students": {"Chloe_Dupont": {"name": "Chloé Dupont", "roster": True},
                        "s-0123456789": {"name": "李雷", "roster": True}, "ana": {"name": "ana", "roster": True}},
           "submissions": {"ana": {DEMO: {"sha256": "x", "status": "graded", "graded_sha256": "x"}}}}
    (course / "pathways" / "ledger.json").write_text(json.dumps(old), encoding="utf-8")
    ledger = Ledger.load(course)
    assert ledger.match("Chloé Dupont").sid == "Chloe_Dupont" and ledger.match("李雷").sid == "s-0123456789"
    assert ledger.match("Chloe Dupont").how == "new"  # no accent: somebody else
    ids, _ = ledger.add_roster([Learner(name="ana"), Learner(name="Chloé Dupont"), Learner(name="李雷")])
    assert ids == ["ana", "Chloe_Dupont", "s-0123456789"]  # not re-keyed
    ledger.save()
    data = json.loads((course / "pathways" / "ledger.json").read_text(encoding="utf-8"))
    assert data["version"] == VERSION == 2 and data["unassigned"] == []
    again = Ledger.load(course)
    assert set(again.students) == {"ana", "Chloe_Dupont", "s-0123456789"} and again.get("ana", DEMO).status == "graded"
    data["version"] = VERSION + 1
    (course / "pathways" / "ledger.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(RuntimeError, match="newer Pathways"):
        Ledger.load(course)


# --- collect (no kernel) --------------------------------------------------------------------------------

def _hand_in(folder: Path, rel: Path, answer: str) -> Path:
    return learner.write_submission(folder, rel, {"checks": ChecksRecord(answers={"q1": answer})})


def test_collect_keeps_names_that_differ_only_in_accents_or_non_latin_letters_apart(tmp_path):
    """Do 'José Ñ 李' and 'José Ñ 王', 'Chloé' and 'Chloe' stay two learners, and NFC/NFD of one name one?"""
    root, rel = demo_course(tmp_path)
    up = tmp_path / "up"
    for i, name in enumerate(("José Ñ 李", "José Ñ 王", "Chloé Dupont", "Chloe Dupont", "李雷", "李云")):
        _hand_in(up / name / DEMO, rel, f"answer {i}")
    rep = collect_mod.collect(up, root, [DEMO])
    assert not rep.duplicates and not rep.unassigned
    ids = {sid for sid, _, _ in rep.imported}
    assert len(ids) == 6 and ids == {name_id(n) for n in ("José Ñ 李", "José Ñ 王", "Chloé Dupont", "Chloe Dupont",
                                                          "李雷", "李云")}
    ledger = Ledger.load(root)
    assert ledger.name(name_id("José Ñ 王")) == "José Ñ 王"
    answers = {json.loads((root / "submitted" / sid / DEMO / "responses.json").read_text(encoding="utf-8"))
               ["activities"]["checks"]["answers"]["q1"] for sid in ids}
    assert len(answers) == 6  # nobody's work landed in someone else's folder

    later = tmp_path / "later"  # the same learner again, the name spelled in NFD by another OS
    _hand_in(later / nfd("José Ñ 李") / DEMO, rel, "answer 0, again")
    _hand_in(later / nfd("Chloé Dupont") / DEMO, rel, "answer 2, again")
    again = collect_mod.collect(later, root, [DEMO])
    assert {sid for sid, _, _ in again.imported} == {name_id("José Ñ 李"), name_id("Chloé Dupont")}
    assert len(again.replaced) == 2 and len(Ledger.load(root).students) == 6


def test_a_hand_in_named_after_two_learners_is_set_aside_until_renamed(tmp_path):
    """Is 'Ana Lima' with two Ana Limas on the list given to neither, archived with instructions, then assignable?"""
    roster = [Learner("s1", "ana@x.org", "Ana Lima"), Learner("s2", "ana2@x.org", "Ana Lima"),
              Learner("s3", "", "Анна Петрова")]
    root, rel = demo_course(tmp_path, roster)
    up = tmp_path / "up"
    _hand_in(up / "Ana Lima", rel, "whose?")                      # e-mail: a folder named by name alone
    _hand_in(up / "ANA2@X.ORG" / DEMO, rel, "mine")               # named by an e-mail: exactly that learner
    _hand_in(up / nfd("анна петрова") / DEMO, rel, "Анна's")      # by name, other case and NFD: the one Анна
    rep = collect_mod.collect(up, root, [DEMO])
    assert {sid for sid, _, _ in rep.imported} == {"s2", "s3"}
    assert not (root / "submitted" / "s1").exists()
    text = "\n".join(rep.lines())
    assert "NOT ASSIGNED" in text and "'Ana Lima' is the name of 2 learners (s1 (ana@x.org), s2 (ana2@x.org))" in text
    assert "rename the folder or zip to the learner's id or e-mail" in text
    ledger = Ledger.load(root)
    [record] = ledger.unassigned
    kept = root / record["archive"]
    assert record["candidates"] == ["s1", "s2"] and kept.parent.parent.name == collect_mod.UNASSIGNED
    assert (kept / "lesson.ipynb").is_file() and "whose?" in (kept / "responses.json").read_text(encoding="utf-8")
    assert "Rename its folder or zip" in (kept / "HOW-TO-ASSIGN.txt").read_text(encoding="utf-8")
    for sid in ("s1", "s2"):
        assert "a hand-in named 'Ana Lima' may be theirs" in flags_text(ledger, sid)
    assert "may be theirs" not in flags_text(ledger, "s3")

    assert collect_mod.collect(up, root, [DEMO]).unassigned  # collected again: still set aside, recorded once
    assert len(Ledger.load(root).unassigned) == 1 and len(list(kept.parent.iterdir())) == 1

    (up / "Ana Lima").rename(up / "s1")  # what the instructor is told to do
    fixed = collect_mod.collect(up, root, [DEMO])
    assert ("s1", DEMO) in {(sid, lesson) for sid, lesson, _ in fixed.imported}
    assert fixed.settled == [f"Ana Lima ({DEMO}) -> s1"] and not fixed.unassigned
    ledger = Ledger.load(root)
    assert ledger.unassigned == [] and "may be theirs" not in flags_text(ledger, "s2")


def test_exchange_and_zip_hand_ins_use_the_same_identity(tmp_path):
    """Are an nbgrader exchange hand-in by username and an e-mailed zip by e-mail given to the right learner?"""
    root, rel = demo_course(tmp_path, [Learner("ana", "ana@x.org", "Ana Lima"), Learner("", "li@x.org", "李雷")])
    up = tmp_path / "up"
    _hand_in(up / f"ana+{DEMO}+2025-03-01 09:00:00.000000 UTC+a1", rel, "exchange")
    work = _hand_in(tmp_path / "zip" / DEMO, rel, "zipped")
    with zipfile.ZipFile(up / "Li@X.org.zip", "w") as zf:
        for p in work.iterdir():
            zf.write(p, f"{DEMO}/{p.name}")
    rep = collect_mod.collect(up, root, [DEMO])
    assert {sid for sid, _, _ in rep.imported} == {"ana", "li@x.org"} and not rep.unknown_students


# --- the whole workflow ---------------------------------------------------------------------------------

def _first_error(root: Path, sid: str) -> str:
    """The first error a graded notebook shows (to tell a wrong score from a grading sandbox that failed)."""
    for path in sorted((root / "autograded" / sid).glob("*/*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8")).get("cells", []):
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    return f"{out.get('ename')}: {out.get('evalue')}"
    return "no error in the graded notebook"


@pytest.mark.slow
@pytest.mark.xdist_group(GROUP)  # the class is shared with test_class_workflow.py and test_excusal_totals.py
def test_learners_in_many_scripts_keep_their_own_grades(graded_class):
    """Through collect, grade, export and report, does every learner (Latin with accents, Chinese, Cyrillic,
    Devanagari, Arabic; names differing only in accents or in non-Latin letters) keep their own row and grade,
    while a hand-in named after two learners is graded for neither?

    These learners (SCRIPTS, TWINS) are part of the class graded once for the grading tests
    (tests/support/graded_class.py): each hands in the folder its name (José Ñ 李 in NFD as macOS writes it,
    Анна Петрова in nbgrader's exchange layout). Chloé Dupont earns full marks and Chloe Dupont two fewer (the
    class's Chloé is test_class_workflow's full-marks learner): names differing only in an accent still differ
    in grade."""
    run = graded_class
    expected = {name: (name_id(name), score) for name, score in SCRIPTS.items()}
    ids = {sid for sid, _ in expected.values()}
    assert run.init.roster == len(run.roster)  # the twins are two entries
    assert any(TWINS in w and "no id or e-mail" in w for w in run.init.warnings)
    fatima, fatima2 = name_id(TWINS), f"{name_id(TWINS)}-2"

    collected = run.collected
    imported = {sid for sid, _, _ in collected.imported}
    assert ids <= imported and not {fatima, fatima2} & imported
    assert all(d.startswith("lea ") for d in collected.duplicates)  # lea's two hand-ins only
    assert all(u.startswith("zed") for u in collected.unknown_students), collected.unknown_students  # zed only
    assert len(collected.unassigned) == 1 and f"{fatima}, {fatima2}" in collected.unassigned[0]
    graded = run.first
    assert ids <= {sid for sid, _ in graded.graded} and not ids & {sid for sid, _, _ in graded.failed}
    assert graded.workers == 2 and graded.integrity == []

    rows = list(csv.DictReader(io.StringIO(run.csv)))
    assert len(rows) == len(run.roster) + 1 and len({r["student_id"] for r in rows}) == len(rows)  # + zed
    by_name: dict[str, list[dict]] = {}
    for row in rows:
        by_name.setdefault(row["name"], []).append(row)
    for name, (sid, score) in expected.items():
        [row] = by_name[name]
        assert row["student_id"] == sid, name
        assert float(row[f"{LESSON} points"]) == pytest.approx(score), (name, _first_error(run.root, sid))
    assert sorted(r["student_id"] for r in by_name[TWINS]) == [fatima, fatima2]
    for row in by_name[TWINS]:  # neither twin is graded for the unassigned hand-in, both are told about it
        assert row[f"{LESSON} points"] == "" and row[f"{LESSON} status"] == "missing"
        assert "set aside, not graded" in row["flags"]

    page = run.page
    assert "Hand-ins not assigned to anyone" in page and fatima2 in page
    assert not any(name in page for name in PEOPLE)  # the report without names shows none
    table = run.named_page.split("<h2>Students</h2>", 1)[1]
    for name, (sid, score) in expected.items():
        assert f"<td>{sid}</td><td>{name}</td><td>{score:g} of {FULL:g} (reflection awaiting grading)</td>" in table, \
            name
