"""Does the curriculum teach every checklist item, in its own words, with exactly the right numbers?"""

from __future__ import annotations

import json
import re

import pytest
import yaml
from pathways.resources import load_resources
from support.course import LESSONS, REPO, lesson_ids

SHARED = REPO.parent / "shared"
CHECKLIST = SHARED / "CHECKLIST.md"
ID = re.compile(r"^([A-Z]{2}-\d{2})\b")
TAG = re.compile(r"^[A-Z]{2}-\d{2}$")


def checklist_ids() -> set[str]:
    """IDs in the shared checklist (CI clones the repo with shared/ beside it)."""
    if not CHECKLIST.exists():
        pytest.fail(f"{CHECKLIST} is missing: the checklist must sit beside the repository")
    return {m.group(1) for line in CHECKLIST.read_text().splitlines() if (m := ID.match(line))}


def notebook_tags() -> dict[str, set[str]]:
    """Checklist tags of every lesson's cells, by lesson."""
    out = {}
    for lesson in lesson_ids():
        nb = json.loads((LESSONS / lesson / "lesson.ipynb").read_text(encoding="utf-8"))
        out[lesson] = {t for c in nb["cells"] for t in c.get("metadata", {}).get("tags", []) if TAG.match(t)}
    return out


def learner_text() -> dict[str, str]:
    """Everything a learner reads: notebook markdown and the YAML files' strings, by file."""
    texts = {}
    for path in sorted(LESSONS.rglob("*")):
        if path.suffix == ".ipynb":
            nb = json.loads(path.read_text(encoding="utf-8"))
            texts[str(path)] = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
        elif path.suffix in {".yaml", ".md"}:
            texts[str(path)] = path.read_text(encoding="utf-8")
    return texts


def test_every_checklist_item_is_tagged_in_a_lesson():
    """Is every item of CHECKLIST.md taught (tagged) in at least one lesson?"""
    tagged = set().union(*notebook_tags().values())
    missing = sorted(checklist_ids() - tagged)
    assert not missing, f"checklist items taught nowhere: {missing}"


def test_every_tag_names_a_real_item():
    """Does every checklist-style tag (in notebooks and scenario files) name a real item?"""
    known = checklist_ids()
    bad = {lesson: sorted(tags - known) for lesson, tags in notebook_tags().items() if tags - known}
    for path in LESSONS.glob("*/*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        found = set(re.findall(r"\b[A-Z]{2}-\d{2}\b", json.dumps(data.get("checklist", [])) if isinstance(data, dict)
                               else ""))
        if found - known:
            bad[str(path)] = sorted(found - known)
    assert not bad, bad


SEEDS = SHARED / "seeds"
#: The longest run of words a lesson may share with a source document: a run one word longer is copying.
SHARED_RUN = 7
#: Names of works the course cites by title and author, which may match a seed's own reference to them word
#: for word (a citation, not copied prose). Anything else shared for SHARED_RUN words is copying.
CITED = (
    "Noble, A., Coplan, I., Neal, J., Suleiman, A., & McIntyre, S. (2019)",
    "Noble, A., Coplan, I., Neal, J., Suleiman, A. y McIntyre, S. (2019)",
    "Getting Out: A National Framework for Escaping Human Trafficking for Sexual Exploitation in Canada",
    "Getting Out: A National Framework for Exiting Human Trafficking for Sexual Exploitation in Canada",
)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower().replace("\u2019", "'"))


def course_texts() -> dict[str, str]:
    """Every notebook (all cells), YAML file and guide of the course, and the shipped data files, by path."""
    paths = sorted([*LESSONS.rglob("*.ipynb"), *LESSONS.rglob("*.yaml"), *LESSONS.rglob("*.md"),
                    *(REPO / "widgets" / "data").glob("*.yaml")])
    texts = {}
    for path in paths:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".ipynb":
            text = "\n".join("".join(c["source"]) for c in json.loads(text)["cells"])
        texts[str(path.relative_to(REPO))] = text
    return texts


def seed_runs(n: int = SHARED_RUN) -> set[tuple[str, ...]]:
    """Every run of `n` consecutive words in the source documents (skips when they are not beside the repo)."""
    if not SEEDS.is_dir():
        pytest.skip(f"{SEEDS} is absent: the source documents sit in shared/seeds/ beside the repository, "
                    "so the own-words check has nothing to compare with")
    runs = set()
    for seed in sorted(SEEDS.glob("*.txt")):
        words = _words(seed.read_text(encoding="utf-8"))
        runs |= {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}
    assert runs, f"{SEEDS} holds no .txt source documents"
    return runs


def shared_runs(text: str, runs: set[tuple[str, ...]], n: int = SHARED_RUN) -> list[str]:
    """The runs of `n` words `text` shares with `runs`, longest stretch once each, citations of CITED excepted."""
    words = _words(text)
    cited = [False] * len(words)
    for title in map(_words, CITED):
        for i in range(len(words) - len(title) + 1):
            if words[i:i + len(title)] == title:
                cited[i:i + len(title)] = [True] * len(title)
    found, i = [], 0
    while i <= len(words) - n:
        if tuple(words[i:i + n]) in runs and not all(cited[i:i + n]):
            j = i
            while j + 1 <= len(words) - n and tuple(words[j + 1:j + 1 + n]) in runs:
                j += 1
            found.append(" ".join(words[i:j + n]))
            i = j + n
        else:
            i += 1
    return found


def test_no_run_of_seven_words_is_shared_with_the_sources():
    """Does no notebook, YAML file or guide share a run of 7 or more words with a source document?"""
    runs = seed_runs()
    copied = [f"{name}: ...{run}..." for name, text in course_texts().items() for run in shared_runs(text, runs)]
    assert not copied, (f"{len(copied)} run(s) of {SHARED_RUN}+ words shared with ../shared/seeds/ (say it in "
                        "the course's own words):\n" + "\n".join(copied))


def test_shared_run_check_would_catch_copying():
    """Would the own-words check catch a copied sentence, and let a cited title through?"""
    runs = seed_runs()
    assert shared_runs("As Guardian Group puts it, the more you hear something, even if it is a lie, you believe.",
                       runs) == ["the more you hear something even if it is a lie"]
    assert shared_runs("Noble, A., Coplan, I., Neal, J., Suleiman, A., & McIntyre, S. (2019). Getting Out: A "
                       "National Framework for Exiting Human Trafficking for Sexual Exploitation in Canada.",
                       runs) == []


PHONE = re.compile(r"(?<![\w-])(?:1-)?(?:\d{3}-)?\d{3}-\d{4}(?![\w-])|(?<![\w-])1-\d{3}-\d{3}-[A-Z]{4}\b")


def test_every_phone_number_shown_matches_the_resources_file():
    """Is every phone number in a lesson, scenario or guide one of the verified ones in resources.yaml?"""
    known = load_resources().phone_numbers()
    wrong = []
    texts = learner_text()
    texts["README.md"] = (REPO / "README.md").read_text(encoding="utf-8")
    for name, text in texts.items():
        wrong += [f"{name}: {n}" for n in PHONE.findall(text) if n not in known]
    assert not wrong, wrong


def test_phone_pattern_would_catch_a_wrong_number():
    """Would the phone check notice a mistyped hotline (the check can fail)?"""
    assert PHONE.findall("call 1-888-373-7889 or 1-800-799-SAFE") == ["1-888-373-7889", "1-800-799-SAFE"]
    assert "1-888-373-7889" not in load_resources().phone_numbers()


def test_resources_file_holds_the_verified_numbers():
    """Are the shipped hotline numbers exactly the verified ones?"""
    res = load_resources()
    lines = {ln.name: ln for ln in res.lines}
    us = lines["National Human Trafficking Hotline (US)"]
    assert (us.phone, us.text, us.tty, us.hours) == ("1-888-373-7888", "233733", "711", "24/7")
    dv = lines["National Domestic Violence Hotline (US)"]
    assert (dv.phone, dv.phone_words, dv.text) == ("1-800-799-7233", "1-800-799-SAFE", "START to 88788")
    assert lines["Canadian Human Trafficking Hotline"].phone == "1-833-900-1010"
    assert res.emergency.phone == "911"
    btsadv = lines["BTSADV support line"]
    assert btsadv.phone == "1-855-287-1777" and not btsadv.panel and "not a national hotline" in btsadv.note
    # The quick exit of the US/Canada file goes to an everyday North American page (each file sets its own).
    assert res.quick_exit.url == "https://www.weather.gov/"


@pytest.mark.parametrize("lesson", lesson_ids())
def test_lesson_has_the_safety_sections(lesson):
    """Does every lesson open with a content note and the safety panel, and keep the standard sections?"""
    nb = json.loads((LESSONS / lesson / "lesson.ipynb").read_text(encoding="utf-8"))
    cells = nb["cells"]
    assert "content-note" in cells[0]["metadata"].get("tags", []) and "Content note" in "".join(cells[0]["source"])
    assert "safety_panel()" in "".join(cells[1]["source"])
    text = "\n".join("".join(c["source"]) for c in cells)
    for needed in ("roleplay(", "knowledge_check(", "reflection(", "Key points", "Further reading"):
        assert needed in text, f"{lesson} lacks {needed}"
    assert sum(1 for c in cells if "knowledge_check(" in "".join(c["source"])) >= 5


STIGMA = re.compile(r"\b(child prostitutes?|rescued girls?|prostitutes?)\b", re.I)


def test_no_stigmatising_labels_outside_quotation():
    """Are stigmatising labels used only inside quotation marks (as words learners will hear)?"""
    bad = []
    for name, text in learner_text().items():
        for m in STIGMA.finditer(text):
            before = text[max(0, m.start() - 2):m.start()]
            if not any(q in before for q in "\"“'‘"):
                bad.append(f"{name}: {text[max(0, m.start() - 40):m.end() + 20]!r}")
    assert not bad, bad
