"""Does only grading/course.py (`CourseFolder`) build the paths of a course folder?

The scan reads every module of widgets/ and grading/ (their syntax trees; docstrings aside) and reports a path
built by hand from one of a course folder's own names (FOLDER_NAMES and FILE_NAMES: nbgrader's release/, source/,
submitted/, autograded/, feedback/, Pathways' private pathways/ and what it holds, the gradebook, the outputs):

* `something / "submitted"` (either side of a `/`), `os.path.join(..., "submitted")`, `.joinpath("submitted")`;
* a string that starts with one of them as a folder (`"submitted/..."`, also in an f-string);
* a file name of the course folder anywhere (`"ledger.json"`, `"gradebook.db"`, ...).

It does not catch a name assembled from pieces (`"sub" + "mitted"`) or passed through a variable: it keeps honest
code honest. A use that is not a course folder's (nbgrader's exchange has a feedback/ folder too) is listed in
ALLOWED with its reason.
"""

from __future__ import annotations

import ast
import re

from support.course import REPO

FOLDER_NAMES = {"release", "source", "submitted", "autograded", "feedback", "pathways", "archive", "staging",
                "backups", "report-figures", "certificates", "evaluation-release", "evaluation-figures"}
FILE_NAMES = {"gradebook.db", "ledger.json", "last-grade.json", "grades.csv", "report.html", "completion-record.csv",
              "completion-record.pdf", "course-sheet.pdf", "canvas-import.csv", "moodle-import.csv",
              "evaluation-paired.csv", "evaluation.html", "certificate-key"}
OWNER = "grading/course.py"
#: Uses of those names that are not a course folder's, each with its reason.
ALLOWED: dict[str, set[str]] = {
    # nbgrader's exchange (the workshop's Layout) has per-account feedback/ folders of its own
    "grading/delivery/workshop/common.py": {"feedback"},
    # the installed package's folder, site-packages/pathways/lessons
    "grading/delivery/workshop/environment.py": {"pathways"},
    # Voila's template named pathways
    "grading/authoring/commands.py": {"pathways"},
}


def _docstrings(tree: ast.AST) -> set[int]:
    return {id(node.body[0].value) for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body
            and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}


def _const(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def hand_built(source: str) -> list[tuple[int, str]]:
    """Each (line, name) where `source` builds a path from a course folder's own names (see the module)."""
    tree = ast.parse(source)
    skip = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            found += [(node.lineno, v) for side in (node.left, node.right)
                      if (v := _const(side)) in FOLDER_NAMES | FILE_NAMES]
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") in ("join", "joinpath"):
            found += [(node.lineno, v) for arg in node.args if (v := _const(arg)) in FOLDER_NAMES | FILE_NAMES]
        elif (v := _const(node)) is not None and id(node) not in skip:
            if v in FILE_NAMES or re.match(rf"^({'|'.join(map(re.escape, FOLDER_NAMES))})/", v):
                found.append((node.lineno, v))
    return sorted(set(found))


def test_only_course_py_builds_course_folder_paths():
    """Does no module of widgets/ or grading/ but grading/course.py join a course folder's path by hand?"""
    found = []
    for path in sorted([*(REPO / "widgets").rglob("*.py"), *(REPO / "grading").rglob("*.py")]):
        rel = path.relative_to(REPO).as_posix()
        if rel == OWNER or "node_modules" in path.parts:
            continue
        found += [f"{rel}:{line} {name!r}" for line, name in hand_built(path.read_text(encoding="utf-8"))
                  if name not in ALLOWED.get(rel, set())]
    assert found == [], "course-folder paths built by hand (use CourseFolder):\n" + "\n".join(found)


def test_the_scan_catches_each_way_of_building_a_path():
    """Would the scan see each way a module could build a course path by hand (and leave prose alone)?"""
    caught = hand_built('''"""A docstring may say submitted/ and ledger.json."""
import os
a = root / "submitted" / sid
b = os.path.join(root, "autograded")
c = root.joinpath("release")
d = f"feedback/{sid}"
e = "ledger.json"
f = ["a list", "feedback"]
''')
    assert [name for _, name in caught] == ["submitted", "autograded", "release", "feedback/", "ledger.json"]
