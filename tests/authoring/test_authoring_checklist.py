"""Is widgets/data/checklist.yaml exactly the list of IDs in the shared coverage checklist?"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pathways.checklist import checklist

CHECKLIST_MD = Path("/work/shared/CHECKLIST.md")


@pytest.mark.skipif(not CHECKLIST_MD.exists(), reason="the shared checklist is not on this machine")
def test_checklist_ids_match_checklist_md():
    """Does checklist.yaml hold one entry per ID of CHECKLIST.md, in the same order?"""
    ids = re.findall(r"^([A-Z]{2}-\d{2}) ", CHECKLIST_MD.read_text(encoding="utf-8"), re.M)
    assert len(ids) == len(set(ids)) and ids
    assert list(checklist()) == ids


def test_every_entry_has_a_short_title_in_our_own_words():
    """Does every id carry a short title that copies no run of six words from CHECKLIST.md?"""
    md = CHECKLIST_MD.read_text(encoding="utf-8") if CHECKLIST_MD.exists() else ""
    for cid, title in checklist().items():
        assert 3 <= len(title) <= 80, cid
        line = next((x for x in md.splitlines() if x.startswith(cid + " ")), "").lower()
        words = re.findall(r"[a-z0-9']+", title.lower())
        runs = {" ".join(words[i:i + 6]) for i in range(len(words) - 5)}
        source = " ".join(re.findall(r"[a-z0-9']+", line))
        assert not any(run in source for run in runs), f"{cid}: the title copies CHECKLIST.md"
