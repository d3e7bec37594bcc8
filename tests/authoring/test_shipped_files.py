"""Does `pathways check` accept every YAML file the lessons ship (scenarios, checks, sorting, translations)?"""

import io

from pathways.grading.authoring import check
from support import LESSONS


def test_every_shipped_yaml_file_checks_clean():
    """Is every scenario, knowledge-check, sorting and translation file free of errors?"""
    files = sorted(LESSONS.glob("*/*.yaml"))
    kinds = {p.name for p in files}
    assert {"checks.yaml", "sorting.yaml"} <= kinds and len(files) >= 22
    out = io.StringIO()
    assert check(files, out=out) == 0, out.getvalue()
    assert " 0 errors" in out.getvalue()
