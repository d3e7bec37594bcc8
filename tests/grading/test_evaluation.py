"""The course evaluation (issue 27): the item bank, synthetic cohorts and the figures the report prints, the
pseudonymous CSV, collect from take-home hand-ins, `scores`, explanation pages and `course purge`.

Pure analysis tests need no nbgrader and no kernel; the course-folder test (slow: the class report and purge
open nbgrader's gradebook) uses the demo course of support.course (one released demo lesson, a class list) and
drives the learner's form headless.
"""

from __future__ import annotations

import csv
import io
import math
import re
import shutil
import statistics
import zipfile
from html import unescape
from pathlib import Path

import pytest
import yaml
from pathways.evaluation import Answers, load_items
from pathways.evaluation.view import EvaluationForm
from pathways.grading import cli
from pathways.grading import course as courselib
from pathways.grading.evidence.evaluation import analysis, delivery, scores, section, store
from pathways.grading.evidence.evaluation.bank import bank_path, load_bank, problems, secrets
from pathways.grading.instructor.ledger import Learner
from support.course import LESSONS, demo_course
from support.evaluation import cohort_of_30, declined, sitting

BANK = load_bank(bank_path(LESSONS))
N = len(BANK.items)


def _page(cohort) -> str:
    """The section's text as the report prints it (tags removed, spaces collapsed)."""
    html = section.render(analysis.analyse(BANK, cohort), BANK, [], LESSONS)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", str(html))).split())


def test_the_shipped_bank_passes_the_rules_the_lesson_checks_pass():
    """Two items or more per lesson, each naming an objective its lesson states, and no key by shape (first, or
    strictly longest, in more than 40% of the items), as `pathways evaluation check` says?"""
    assert problems(bank_path(LESSONS), LESSONS) == []
    assert N >= 14 and len({i.lesson for i in BANK.items}) == 7
    assert cli.main(["evaluation", "check", "--bank", str(bank_path(LESSONS))]) == 0


def test_fewer_than_10_pairs_are_shown_and_nothing_is_concluded():
    """Six pairs (pre 4..9 right, post 10..14 of 14): does the page give n and the mean gain (33 items of 84 =
    39.3 points), say plainly that nothing is concluded, and print no interval and no test?"""
    pre, post = [4, 5, 6, 7, 8, 9], [10, 11, 12, 12, 13, 14]
    cohort = {f"c{k}": {"pre": sitting(BANK, "pre", a, 3), "post": sitting(BANK, "post", b, 4)}
              for k, (a, b) in enumerate(zip(pre, post, strict=True))}
    text = _page(cohort)
    assert "Pre-test and post-test pairs: 6 (6 of 6 pre-test takers took the post-test)." in text
    assert "Mean paired gain: 39.3 percentage points. 100% of the pairs improved." in text
    assert "(n = 6): nothing is concluded from these figures." in text
    assert "95% interval" not in text and "Wilcoxon" not in text


def test_a_skipped_pre_test_a_declined_one_and_missing_follow_ups():
    """Eleven pairs, a twelfth learner with no pre-test, one who declined it, follow-ups from 4 of 13: are n, the
    declines and attrition right, the 11 pairs' interval a bootstrap, and the follow-up's change not concluded?"""
    cohort = {f"c{k}": {"pre": sitting(BANK, "pre", 6), "post": sitting(BANK, "post", 6 + k % 5)} for k in range(11)}
    cohort["skipped-pre"] = {"post": sitting(BANK, "post", 12)}
    cohort["declined-pre"] = {"pre": declined("pre"), "post": sitting(BANK, "post", 11)}
    for k in range(4):
        cohort[f"c{k}"]["followup"] = sitting(BANK, "followup", 5 + k % 5)
    ev = analysis.analyse(BANK, cohort)
    assert (ev.taken, ev.declined) == ({"pre": 11, "post": 13, "followup": 4}, {"pre": 1, "post": 0, "followup": 0})
    text = _page(cohort)
    assert ("Pre-test and post-test pairs: 11 (11 of 11 pre-test takers took the post-test). Follow-up: 4 of 13 "
            "post-test takers (31%; attrition 69%).") in text
    gains = [100 * (k % 5) / N for k in range(11)]
    assert ev.gain.interval.method == "bootstrap" and ev.gain.mean == pytest.approx(statistics.mean(gains))
    assert "percentile bootstrap, 10,000 resamples, seeded" in text
    decay = statistics.mean(100 * ((5 + k % 5) - (6 + k % 5)) / N for k in range(4))
    assert f"a change of {decay:.1f} points (fewer than 10: nothing concluded)" in text


def test_a_cohort_of_30_prints_the_figures_computed_here_by_hand():
    """The synthetic cohort of 30 (one declined and one skipped pre-test, 18 follow-ups): do the printed n, mean
    gain and t interval (t(27) = 2.051831), share improved, decay, uninformative items, attitude medians and
    Wilcoxon line, alpha and reaction counts match figures computed here independently?"""
    cohort = cohort_of_30(BANK)
    right = {c: {tp: sum(a.answers.get(i.id) == i.answer for i in BANK.items) for tp, a in s.items()
                 if not a.declined} for c, s in cohort.items()}
    pairs = [c for c in right if "pre" in right[c] and "post" in right[c]]
    gains = [100 * (right[c]["post"] - right[c]["pre"]) / N for c in pairs]
    half = 2.051831 * statistics.stdev(gains) / math.sqrt(len(gains))
    mean = statistics.mean(gains)
    text = _page(cohort)
    assert len(pairs) == 28
    assert (f"Mean paired gain: {mean:.1f} percentage points (95% interval {mean - half:.1f} to "
            f"{mean + half:.1f}, Student's t). {100 * sum(g > 0 for g in gains) / 28:.0f}% of the pairs improved."
            ) in text
    assert "Follow-up: 18 of 30 post-test takers (60%; attrition 40%)." in text
    assert "uninformative: 100% right before the course" in text and "e11, e13" in text
    ev = analysis.analyse(BANK, cohort)
    assert ev.attitudes.pairs == 28 and ev.attitudes.test is not None
    assert f"W = {ev.attitudes.test.statistic:g}, p = {ev.attitudes.test.p:.3g}" in text
    assert "not externally validated" in text and "Cronbach's alpha" in text
    assert "30 learner(s) wrote what they would change" in text and "more time for role-plays" not in text


def test_the_paired_csv_is_pseudonymous_without_free_text_and_small_groups_left_empty():
    """30 learners: one row per code, follow-up filled for 18; 6 learners of whom 3 took the follow-up: that
    column left empty; 4 learners: no row at all."""
    rows = section.paired_rows(BANK, cohort_of_30(BANK))
    assert len(rows) == 30 and sum(1 for r in rows if r["knowledge_followup"]) == 18
    assert all("role-plays" not in v for r in rows for v in r.values())
    six = {f"c{k}": {"pre": sitting(BANK, "pre", 5, 3), "post": sitting(BANK, "post", 9, 4)} for k in range(6)}
    for k in range(3):
        six[f"c{k}"]["followup"] = sitting(BANK, "followup", 8)
    rows = section.paired_rows(BANK, six)
    assert len(rows) == 6 and not any(r["knowledge_followup"] for r in rows) and all(r["knowledge_pre"] for r in rows)
    assert section.paired_rows(BANK, dict(list(six.items())[:4])) == []


CLASS = [Learner("s-ana-01", "ana@x.org", "Ana Lima"), Learner("s-ben-02", "", "Ben Ode"),
         Learner("s-cai-03", "", "Cai Ode"), Learner("s-dee-04", "", "Dee Ka"), Learner("s-eli-05", "", "Eli Mo")]


def _hand_ins(root: Path, up: Path, timepoint: str, right: dict[str, int], decline: str | None = None) -> Path:
    """Each learner opens the take-home folder, answers `right[id]` items right in the form, saves (or declines)
    and hands the folder back zipped, named by id (Ana by e-mail); all the zips in one zip."""
    take_home = courselib.folder(root).evaluation_release / delivery.folder_name(timepoint)
    up.mkdir(parents=True)
    for learner_id, n in right.items():
        mine = up / learner_id
        shutil.copytree(take_home, mine)
        form = EvaluationForm(load_items(mine / "items.yaml"), mine, learner=learner_id)
        if learner_id == decline:
            form.decline()
        else:
            for k, item in enumerate(BANK.items):
                wrong = next(o.id for o in item.options if o.id != item.answer)
                form.choose(item.id, item.answer if k < n else wrong)
            for a in BANK.attitudes:
                form.choose(a.id, "4")
            if form.change is not None:
                form.change.value = f"comment of {learner_id}"
            form.save()
    batch = up.with_suffix(".zip")
    with zipfile.ZipFile(batch, "w") as zf:
        for learner_id in right:
            inner = io.BytesIO()
            with zipfile.ZipFile(inner, "w") as one:
                for f in (up / learner_id).iterdir():
                    one.write(f, f.name)
            label = "ana@x.org" if learner_id == "s-ana-01" else learner_id
            zf.writestr(f"{label}.zip", inner.getvalue())
        zf.writestr("nobody-known.zip", inner.getvalue())
    return batch


@pytest.mark.slow  # the class report and two purges open nbgrader's gradebook; six figures drawn: ~8 s
def test_take_home_hand_ins_are_collected_scored_explained_and_purged(tmp_path, monkeypatch, capsys):
    """Pre-test, post-test and follow-up handed back as zips (the take-home channel): are answers kept per
    learner (a decline kept as such, an unknown name refused), `scores` right, the secret 0600, no id or name in
    the analysis files, explanation pages only for the post-test, and does `course purge` remove a learner's
    answers and pages (and `--all` the secret)?"""
    root, _ = demo_course(tmp_path, CLASS)
    monkeypatch.setenv("PATHWAYS_COURSE", str(root))
    assert cli.main(["evaluation", "release"]) == 0
    items = (courselib.folder(root).evaluation_release / "pre-test" / "items.yaml").read_text(encoding="utf-8")
    shown = yaml.safe_load(items)["items"]
    assert {k for i in shown for k in i} == {"id", "lesson", "objective", "prompt", "options"}
    assert {k for i in shown for o in i["options"] for k in o} == {"id", "text"}
    assert not any(s in items for s in secrets(BANK))
    ids = [e.id for e in CLASS]
    pre = _hand_ins(root, tmp_path / "pre", "pre", dict(zip(ids, [7, 7, 5, 6, 0], strict=True)), decline="s-eli-05")
    report = store.collect(pre, "pre", root)
    assert sorted(report.kept) == ids and report.declined == ["s-eli-05"] and report.unmatched == ["nobody-known"]
    post = _hand_ins(root, tmp_path / "post", "post", dict(zip(ids, [14, 12, 7, 13, 10], strict=True)))
    assert cli.main(["evaluation", "collect", str(post), "--timepoint", "post"]) == 0
    follow = _hand_ins(root, tmp_path / "follow", "followup", {"s-ben-02": 9, "s-cai-03": 7})  # weeks later
    assert store.collect(follow, "followup", root).kept == ["s-ben-02", "s-cai-03"]
    got = scores(root)
    assert got["s-ana-01"] == {"pre": 50.0, "post": 100.0} and got["s-eli-05"] == {"post": pytest.approx(100 * 10 / N)}
    assert got["s-cai-03"] == {"pre": pytest.approx(100 * 5 / N), "post": 50.0, "followup": 50.0}
    folder = courselib.folder(root)
    assert folder.evaluation_secret.stat().st_mode & 0o777 == 0o600
    assert cli.main(["evaluation", "report"]) == 0 and cli.main(["report"]) == 0
    for made in (folder.evaluation_csv, folder.evaluation_page, folder.report):
        text = made.read_text(encoding="utf-8")
        assert not [w for e in CLASS for w in (e.id, e.name) if w in text], made
        assert "comment of" not in text
    with open(folder.evaluation_csv, encoding="utf-8") as f:
        assert len(list(csv.DictReader(f))) == 5
    assert "<h2>Learning: pre-test, post-test and follow-up</h2>" in folder.report.read_text(encoding="utf-8")
    page = folder.evaluation_page.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and "<h2>Learning" in page and "&lt;" not in page
    pages = delivery.feedback(root)
    assert len(pages) == 5 and all(secrets(BANK)[0] in p.read_text(encoding="utf-8") for p in pages)
    with pytest.raises(ValueError, match="never the pre-test"):
        delivery.feedback(root, "pre")
    capsys.readouterr()
    assert cli.main(["evaluation", "comments"]) == 0
    assert "comment of s-ben-02" in capsys.readouterr().out
    assert cli.main(["course", "purge", "--learner", "s-ana-01", "--yes"]) == 0
    assert not folder.evaluation_answers("s-ana-01").exists() and not folder.evaluation_feedback("s-ana-01").exists()
    assert folder.evaluation_answers("s-ben-02").is_dir() and not folder.evaluation_csv.exists()
    assert "s-ana-01" not in scores(root)
    again = store.collect(pre, "pre", root)  # her old hand-in, sent again: refused, and the report says why
    assert "ana@x.org" in again.unmatched and "deleted on request" in again.why["ana@x.org"]
    assert "s-ana-01" not in scores(root)
    assert cli.main(["course", "purge", "--all", "--yes"]) == 0
    assert scores(root) == {} and not folder.evaluation_secret.exists()


def test_a_form_that_was_declined_keeps_nothing_and_a_learner_can_change_their_mind(tmp_path):
    """Declining drops every answer given; answering again afterwards is a sitting like any other."""
    folder = tmp_path / "take-home"
    folder.mkdir()
    from pathways.grading.evidence.evaluation.bank import dump, learner_copy

    (folder / "items.yaml").write_text(dump(learner_copy(BANK, "post")), encoding="utf-8")
    form = EvaluationForm(load_items(folder / "items.yaml"), folder, learner="x")
    form.choose("e01", "c")
    form.decline()
    saved = Answers.model_validate_json((folder / "evaluation.json").read_text(encoding="utf-8"))
    assert saved.declined and saved.answers == {}
    form.choose("e01", "c")
    form.save()
    saved = Answers.model_validate_json((folder / "evaluation.json").read_text(encoding="utf-8"))
    assert not saved.declined and saved.answers == {"e01": "c"}


def test_pathways_check_warns_of_a_bank_whose_key_is_always_first(tmp_path):
    """A copy of the bank whose every key is moved to the first option, with one lesson given a single item: does
    `pathways check` give the check-key warning and name the lesson short of items?"""
    from pathways.grading.authoring.commands import check_one

    data = yaml.safe_load(bank_path(LESSONS).read_text(encoding="utf-8"))
    for item in data["items"]:
        item["options"].sort(key=lambda o: o["id"] != item["answer"])
    data["items"] = [i for i in data["items"] if i["id"] != "e14"]
    lessons = tmp_path / "lessons"
    shutil.copytree(LESSONS, lessons, ignore=shutil.ignore_patterns("*.yaml", "*.md"))
    (lessons / "evaluation").mkdir(exist_ok=True)
    (lessons / "evaluation" / "bank.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    found = check_one(lessons / "evaluation" / "bank.yaml")
    assert [(p.rule, p.severity) for p in found] == [("check-key", "warning"), ("objectives", "warning")]
    assert "listed first in 13 of 13 items" in found[0].message and "07-trauma-informed-response" in found[1].message


def test_each_learner_sees_an_order_of_their_own_stable_across_reloads(tmp_path):
    """Are the items and each item's options in the same order for a learner who opens the form again, in
    another order for another learner, and is the key not at one fixed place?"""
    from pathways.grading.evidence.evaluation.bank import dump, learner_copy

    (tmp_path / "items.yaml").write_text(dump(learner_copy(BANK, "pre")), encoding="utf-8")
    items = load_items(tmp_path / "items.yaml")

    def shown(who: str) -> list[tuple[str, list[str]]]:
        form = EvaluationForm(items, tmp_path, learner=who)
        return [(iid, [v for _label, v in form.groups[iid].options]) for iid in form.groups if iid in ids]

    ids = {i.id for i in BANK.items}
    ana = shown("ana")
    assert ana == shown("ana") and ana != shown("ben") and [i for i, _ in ana] != sorted(ids)
    assert len({opts.index(BANK.item(iid).answer) for iid, opts in ana}) > 1
