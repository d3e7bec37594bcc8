"""Can an author make a lesson of their own with `pathways new-lesson`, and does `pathways check` on a lesson folder
catch what its notebook names but the folder lacks (the slips that used to pass until a learner met them)?"""

from __future__ import annotations

import json

import pytest
from pathways.grading.authoring import commands, lesson


@pytest.fixture
def lessons(tmp_path, monkeypatch):
    """An empty lessons folder in force, with two numbered lessons already (01 and 03)."""
    folder = tmp_path / "lessons"
    for name in ("01-first", "03-third"):
        (folder / name).mkdir(parents=True)
    monkeypatch.setenv("PATHWAYS_LESSONS", str(folder))
    return folder


def test_new_lesson_is_numbered_next_and_passes_the_check(lessons):
    """Does `new-lesson pharmacy` make 04-pharmacy with four files, naming its role-play, with no error?"""
    folder = lesson.new_lesson("pharmacy", "A quiet word at the pharmacy")
    assert folder == lessons / "04-pharmacy"
    assert sorted(p.name for p in folder.iterdir()) == ["checks.yaml", "lesson.ipynb", "pharmacy.yaml", "sorting.yaml"]
    assert "# Lesson 4 · A quiet word at the pharmacy" in (folder / "lesson.ipynb").read_text()
    problems = commands.check_one(folder)
    assert [p.severity for p in problems] == ["warning"] * 3  # text still [TO WRITE: ...] in three files
    with pytest.raises(FileExistsError, match="already a lesson"):
        lesson.new_lesson("04-pharmacy")


def edit_notebook(folder, old: str, new: str) -> None:
    path = folder / "lesson.ipynb"
    path.write_text(path.read_text().replace(old, new))


@pytest.mark.parametrize(("slip", "old", "new", "message"), [
    ("a deleted role-play file", None, None,
     'roleplay("pharmacy.yaml") names pharmacy.yaml, which is not in the lesson folder'),
    ("a question the file lacks", 'knowledge_check(\\"checks.yaml\\", \\"q1\\")',
     'knowledge_check(\\"checks.yaml\\", \\"q9\\")',
     'knowledge_check("checks.yaml") asks for question \'q9\', which checks.yaml does not have (it has q1)'),
    ("a sorting file named as a role-play", 'roleplay(\\"pharmacy.yaml\\")', 'roleplay(\\"sorting.yaml\\")',
     'roleplay("sorting.yaml") expects a scenario or a translation file, but sorting.yaml is a sorting file'),
])
def test_lesson_folder_check_catches_the_notebook_naming_what_is_not_there(lessons, slip, old, new, message):
    """Is each slip an error naming the notebook's cell and what to do?"""
    folder = lesson.new_lesson("pharmacy")
    if old is None:
        (folder / "pharmacy.yaml").unlink()
    else:
        edit_notebook(folder, old, new)
    errors = [p for p in commands.check_one(folder) if p.severity == "error"]
    assert errors and all(p.file.endswith("lesson.ipynb") and p.path.startswith("cell ") for p in errors)
    assert any(message in p.message for p in errors), [p.message for p in errors]


def test_saved_answers_left_in_a_lesson_are_an_error(lessons):
    """Is a responses.json in the lesson folder (it would reach every learner) an error?"""
    folder = lesson.new_lesson("pharmacy")
    (folder / "responses.json").write_text(json.dumps({"format": 1, "activities": {}}))
    errors = [p for p in commands.check_one(folder) if p.severity == "error"]
    assert len(errors) == 1 and "would be handed out to every learner; delete it" in errors[0].message


def test_new_lesson_completes_a_folder_new_scenario_made(lessons):
    """Does `new-lesson` on a folder holding only a role-play complete it around that file (no nested copy)?"""
    from pathways.authoring import write_new_scenario

    write_new_scenario("bus-stop", lessons / "09-bus-stop")
    folder = lesson.new_lesson("09-bus-stop")
    assert folder == lessons / "09-bus-stop" and not any(p.is_dir() for p in folder.iterdir())
    assert 'roleplay(\\"bus-stop.yaml\\")' in (folder / "lesson.ipynb").read_text()


def test_grading_cells_must_grade_what_the_lesson_asks(lessons):
    """Is a grading cell for a question or sorting the lesson's files do not have (renamed on one side) an error?"""
    folder = lesson.new_lesson("pharmacy")
    (folder / "checks.yaml").write_text((folder / "checks.yaml").read_text().replace("- id: q1", "- id: first"))
    edit_notebook(folder, 'knowledge_check(\\"checks.yaml\\", \\"q1\\")',
                  'knowledge_check(\\"checks.yaml\\", \\"first\\")')
    (folder / "sorting.yaml").write_text((folder / "sorting.yaml").read_text().replace("activity: sorting",
                                                                                      "activity: sort-privacy"))
    messages = [p.message for p in commands.check_one(folder) if p.severity == "error"]
    assert any(m.startswith("check_points(\"q1\") grades question 'q1', which the lesson's questions (first)")
               for m in messages), messages
    assert any("sorting_points(\"sorting\") grades the sorting 'sorting', but the lesson's sorting file says "
               "activity: sort-privacy" in m for m in messages), messages
