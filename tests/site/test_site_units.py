"""The static site's build, piece by piece (fast): a hidden-key activity is shown without its key, a cell the
site cannot show stops the build with its cell number, an instructor's cell never reaches a page, a folder the
site did not make is never replaced, and the quick exit is the lessons' own module made a classic script."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from pathways.grading.delivery.site import build, kinds, lesson

ROOT = Path(__file__).resolve().parents[2]
HIDDEN = ROOT / "tests" / "authoring" / "assessment" / "checks"


def test_a_hidden_key_check_is_shown_without_its_key():
    page = kinds.Page(HIDDEN, None)
    block = kinds.knowledge_check(page, "checks.yaml", "q1")
    assert block.data["formative"] is False and "key" not in block.data
    assert all(set(o) == {"id", "text"} for o in block.data["options"])
    assert page.scored == []  # nothing without a public key is scored


def _notebook(tmp_path: Path, cells: list) -> Path:
    nb = nbformat.v4.new_notebook(cells=cells)
    path = tmp_path / "lesson.ipynb"
    nbformat.write(nb, path)
    return path


def test_an_unknown_call_stops_the_build_with_its_cell(tmp_path):
    path = _notebook(tmp_path, [nbformat.v4.new_markdown_cell("# Lesson"),
                                nbformat.v4.new_code_cell("import os\nos.system('true')")])
    with pytest.raises(lesson.LessonError, match=r"cell 2 calls system\(\)"):
        lesson.read(path, None)


def test_an_instructors_cell_never_reaches_the_page(tmp_path):
    secret = nbformat.v4.new_code_cell("model_reflection('A model answer nobody may read.', 'r')")
    secret.metadata["nbgrader"] = {"solution": True, "grade": False}
    tagged = nbformat.v4.new_markdown_cell("## For your instructor: the rubric")
    tagged.metadata["tags"] = ["grading"]
    path = _notebook(tmp_path, [nbformat.v4.new_markdown_cell("# Lesson\n\n<script>alert(1)</script>"), secret,
                                tagged])
    read = lesson.read(path, None)
    html = "".join(b.html for b in read.blocks)
    assert "model answer" not in html and "rubric" not in html
    assert "<script>" not in html and "&lt;script&gt;" in html  # raw HTML is off in readings


def test_a_folder_the_site_did_not_make_is_never_replaced(tmp_path):
    (tmp_path / "mine.txt").write_text("keep me")
    with pytest.raises(build.SiteError, match="was not made by `pathways site`"):
        build.build(tmp_path, ["01-why-dont-they-leave"])
    assert (tmp_path / "mine.txt").read_text() == "keep me"


def test_the_quick_exit_is_the_lessons_module_as_a_classic_script():
    script = build.quick_exit_script()
    assert "export " not in script and "import(" not in script
    assert "function shiftCounter" in script and "window.top.location.replace(url)" in script


def test_page_data_cannot_close_its_script_element():
    assert "</" not in build._json({"text": "</script><script>alert(1)</script>"})
    assert json.loads(build._json({"a": "</b>"})) == {"a": "</b>"}


def test_the_spanish_page_has_its_support_lines_and_exit_in_spanish():
    html, _scored = build.render_lesson(ROOT / "lessons" / "01-why-dont-they-leave", "es")
    assert 'lang="es"' in html and "Salir de esta página" in html
    assert "If you need support" not in html and "Estados Unidos y Canadá" in html


def test_every_registered_activity_kind_has_a_static_renderer():
    """Does the static site render every kind the registry holds (pathways.activities.registry), found from the
    call a lesson cell makes to the kind's view, so a new kind without one is caught here, not on a learner's page?"""
    from pathways.activities import registry
    from pathways.grading.delivery.site import kinds

    missing = [k.name for k in registry.kinds() if k.view and kinds.renderer(k.view.name) is None]
    assert missing == []
    assert kinds.renderer("knowledge_check") is kinds.knowledge_check and kinds.renderer("no_such_call") is None


def test_pathways_site_and_scorm_commands(tmp_path, capsys):
    """Do `pathways site --scorm` and `pathways scorm` build what they say, and does a lesson that does not exist
    stop the build with a message naming it (status 1), writing nothing?"""
    from pathways.grading import cli

    assert cli.main(["site", "--out", str(tmp_path / "site"), "--lesson", "01-why-dont-they-leave", "--scorm"]) == 0
    out = capsys.readouterr().out
    assert (tmp_path / "site" / "index.html").is_file() and "Static site built in" in out
    assert "SCORM 1.2 package:" in out and list((tmp_path / "scorm").glob("*.zip"))
    assert cli.main(["scorm", "--out", str(tmp_path / "again"), "--lesson", "01-why-dont-they-leave"]) == 0
    assert len(list((tmp_path / "again").glob("*.zip"))) == 1
    assert cli.main(["site", "--out", str(tmp_path / "none"), "--lesson", "99-no-such-lesson"]) == 1
    assert "99-no-such-lesson" in capsys.readouterr().err and not (tmp_path / "none" / "index.html").exists()
