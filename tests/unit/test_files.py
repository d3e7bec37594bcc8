"""Is there one way to write a file atomically (pathways.files), and does it leave the old file whole on a failure?"""

from __future__ import annotations

import os
import re

import pytest
from pathways.files import atomic_file, copy_atomically, write_atomically
from support.course import REPO


def test_a_write_is_whole_or_not_at_all(tmp_path):
    """Does a write replace the file whole (with the mode asked for), and does a write that fails half-way leave the
    old file as it was and no scrap beside it?"""
    target = tmp_path / "ledger.json"
    write_atomically(target, "old")
    with pytest.raises(RuntimeError), atomic_file(target) as fh:
        fh.write("half of the new")
        raise RuntimeError("the disk is full")
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["ledger.json"]
    write_atomically(target, b"new", mode=0o640)
    assert target.read_bytes() == b"new" and oct(target.stat().st_mode & 0o777) == "0o640"
    copy = copy_atomically(target, tmp_path / "copy.json")
    assert copy.read_bytes() == b"new" and oct(copy.stat().st_mode & 0o777) == "0o640"


def test_no_other_module_renames_a_file_into_place():
    """Does no module of widgets/ or grading/ but pathways.files write a file and rename it into place itself
    (os.replace, os.rename, tempfile.mkstemp)?"""
    own = re.compile(r"os\.replace\(|os\.rename\(|mkstemp\(|\.rename\(")
    found = [str(p.relative_to(REPO)) for folder in ("widgets", "grading") for p in (REPO / folder).rglob("*.py")
             if p != REPO / "widgets" / "files.py" and "node_modules" not in p.parts and own.search(p.read_text())]
    assert found == []


def test_each_shared_file_name_is_spelled_once():
    """Is each file name several parts share (responses.json, timestamp.txt, lesson.ipynb) a string in
    pathways.files only (others import its constant), and nbgrader's course id never written out (a gradebook
    opened or a course_id set with "pathways" by hand) but grading/course.py's COURSE_ID used?"""
    import ast

    from pathways import files

    names = {files.RESPONSES_FILE, files.TIMESTAMP_FILE, files.LESSON_NOTEBOOK}
    owners = {"widgets/files.py": names, "grading/course.py": {"pathways"}}
    found = []
    for folder in ("widgets", "grading"):
        for path in (REPO / folder).rglob("*.py"):
            rel = path.relative_to(REPO).as_posix()
            if "node_modules" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                        "Gradebook",) and any(isinstance(a, ast.Constant) and a.value == "pathways" for a in node.args):
                    found.append(f"{rel}:{node.lineno} Gradebook(..., 'pathways')")
                if isinstance(node, ast.Constant) and node.value in names and node.value not in owners.get(rel, ()):
                    found.append(f"{rel}:{node.lineno} {node.value!r}")
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and any(
                        getattr(t, "attr", "") == "course_id" for t in node.targets):
                    found.append(f"{rel}:{node.lineno} course_id = {node.value.value!r}")
    assert found == []
