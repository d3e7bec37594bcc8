"""No key or explanation of the evaluation's item bank reaches anything built for learners or visitors: the
learners' release of every lesson, the dashboards built from it, the evaluation's take-home folders, the
learner-side package (widgets/) and anything under the checkout's build/ folder."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pathways.grading.delivery.dashboards import build as dashboards
from pathways.grading.evidence.evaluation import delivery
from pathways.grading.evidence.evaluation.bank import bank_path, load_bank, secrets
from support.course import LESSONS, REPO

#: The bank file's own first line: a copy of the instructor's file anywhere would carry it.
BANK_MARK = "The course evaluation's item bank"


def _leaks(folder: Path, needles: list[str]) -> list[str]:
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()):
        text = path.read_bytes().decode("utf-8", errors="replace").replace("\\n", " ").replace("\\\"", "\"")
        text = " ".join(text.split())
        found += [f"{path}: {n[:50]}" for n in needles if " ".join(n.split()) in text]
    return found


@pytest.mark.slow
def test_no_key_or_explanation_in_any_built_artefact(released_course, tmp_path):
    """Is every explanation (and the bank file's header) absent from the release, the dashboards, the take-home
    folders (whose items files carry no `answer`), widgets/ and build/, and every item's situation absent from
    the lessons' release and dashboards?"""
    bank = load_bank(bank_path(LESSONS))
    needles = [*secrets(bank), BANK_MARK]
    site = dashboards.build(tmp_path / "site", released=released_course / "release")
    take_home = delivery.release(tmp_path / "course")
    places = [released_course / "release", site, tmp_path / "course" / "evaluation-release", REPO / "widgets"]
    places += [REPO / "build"] if (REPO / "build").is_dir() else []
    assert len(take_home) == 3
    for place in places:
        assert _leaks(place, needles) == [], place
    prompts = [i.prompt.strip() for i in bank.items]  # the items themselves never appear in a lesson either
    for place in (released_course / "release", site):
        assert _leaks(place, prompts) == [], place
    for folder in take_home:
        shown = yaml.safe_load((folder / "items.yaml").read_text(encoding="utf-8"))["items"]
        assert not {"answer", "explanation"} & {k for i in shown for k in [*i, *(k for o in i["options"] for k in o)]}
