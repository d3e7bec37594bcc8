"""One activity kind is one unit, in one registry (`pathways.activities.registry`), issue 26.

The four kinds are registered with every part declared; a skeleton kind, "matching" (tests/support/matching.py,
its own module and its registration, nothing else), is found by the test-cell reader, the autograder's front,
excusal, the response store, `pathways check` (files and lesson notebooks) and the report's labels.
"""

from __future__ import annotations

import json

import pytest
from pathways import authoring, autograde
from pathways.activities import excusal, registry, responses, testcells
from pathways.grading.authoring import commands, lesson
from pathways.grading.instructor import excusal_totals
from support import matching as matching_kind

MATCHING_FILE = "activity: pairs-1\npairs:\n  coercion: threats\n  debt: control\n"


@pytest.fixture
def matching():
    """The skeleton kind, registered for one test and removed after it."""
    kind = matching_kind.register()
    yield kind
    registry.unregister(kind.name)


def test_the_four_kinds_are_registered_with_their_parts():
    """Are role-play, knowledge check, sorting and reflection registered, each with its record, excusal item,
    graders or hand grading, model answers, view and report label (the registry's entries)?"""
    kinds = {k.name: k for k in registry.kinds()}
    assert set(kinds) == {"roleplay", "checks", "sorting", "reflection"}
    assert {n: k.item for n, k in kinds.items()} == {"roleplay": "roleplay", "checks": "check", "sorting": "sorting",
                                                      "reflection": "reflection"}
    assert {n: [g.name for g in k.graders] for n, k in kinds.items()} == {
        "roleplay": ["roleplay_points"], "checks": ["check_points"], "sorting": ["sorting_points"], "reflection": []}
    assert kinds["reflection"].manual and kinds["checks"].per_question and kinds["checks"].hidden_key
    assert {n: k.view.name for n, k in kinds.items()} == {"roleplay": "roleplay", "checks": "knowledge_check",
                                                           "sorting": "sorting", "reflection": "reflection"}
    assert all(k.report is not None and k.record.model_fields["kind"].default for k in kinds.values())
    assert set(responses.models()) == {"roleplay", "checks", "sorting", "reflection", "excusals"}
    assert {f.name for k in kinds.values() for f in k.files} == {"scenario", "translation", "checks", "sorting"}


def test_every_view_factory_is_the_one_lessons_import():
    """Does each kind's view name the factory `pathways.views` offers the lessons (imported on first use only)?"""
    import pathways.views as views

    for kind in registry.kinds():
        assert kind.view.load() is getattr(views, kind.view.name)


def test_a_clashing_kind_is_refused(matching):
    """Is a second kind with an item, record kind or function another kind has refused, naming the clash?"""
    with pytest.raises(ValueError, match="already has the item 'check'"):
        registry.register(registry.Kind(name="quiz", title="Quiz", record=matching.record, item="check"))


def test_a_new_kind_is_found_by_the_test_cell_reader_and_excusal(matching):
    """Does the one reader of test cells learn the new grader from the registry, with the item it grades, and do
    excusal and the instructor's totals know that item?"""
    source = "from pathways.autograde import matching_points\nmatching_points('pairs-1', points=2)"
    (call,) = testcells.graded_calls(source)
    assert (call.kind.name, call.activity, call.item) == ("matching", "pairs-1", "matching:pairs-1")
    assert excusal_totals.graded_items(source) == ["matching:pairs-1"]
    assert excusal.valid_item("matching:pairs-1") and excusal.item_name("matching", "pairs-1") == "matching:pairs-1"
    assert "matching" in excusal.item_kinds() and not excusal.valid_item("matching:pairs-1:q1")
    registry.unregister("matching")
    assert testcells.graded_calls(source) == [] and not excusal.valid_item("matching:pairs-1")


def test_a_new_kind_is_graded_through_the_autograders_front(matching, in_tmp, capsys):
    """Does `from pathways.autograde import matching_points` grade the new kind's typed record, and leave out an
    item the learner skipped for wellbeing?"""
    (in_tmp / "matching.yaml").write_text(MATCHING_FILE, encoding="utf-8")
    from pathways.autograde import matching_points, model_matching

    assert "matching_points" in dir(autograde)
    responses.store().put("pairs-1", matching_kind.MatchingRecord(pairs={"coercion": "threats", "debt": "x"}))
    assert matching_points("pairs-1", points=2) == 1.0
    records, problems = responses.store().records()
    assert isinstance(records["pairs-1"], matching_kind.MatchingRecord) and problems == {}
    model_matching({"coercion": "threats", "debt": "control"}, "pairs-1")
    assert matching_points("pairs-1", points=2) == 2.0
    excusal.excuse("matching:pairs-1")
    assert matching_points("pairs-1", points=2) == 0.0
    assert "skipped" in capsys.readouterr().out.lower()


def test_a_new_kind_is_checked_by_pathways_check(matching, tmp_path):
    """Does `pathways check` recognise the new kind's file, run its rule, and check a lesson notebook's calls of it
    (the file its view names, the activity its grader grades)?"""
    good, shared = tmp_path / "matching.yaml", tmp_path / "shared.yaml"
    good.write_text(MATCHING_FILE, encoding="utf-8")
    shared.write_text("activity: pairs-2\npairs:\n  a: same\n  b: same\n", encoding="utf-8")
    assert authoring.file_kind(good) == "matching" and commands.check_one(good) == []
    (problem,) = commands.check_one(shared)
    assert problem.rule == "matching-shared" and problem.severity == "warning"
    assert registry.rules()["matching-shared"]
    cells = ['from pathways.views import matching\nmatching("missing.yaml")', 'matching_points("pairs-9")']
    nb = {"cells": [{"cell_type": "code", "source": c, "metadata": {}} for c in cells]}
    (tmp_path / "lesson.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    messages = [p.message for p in lesson.notebook_problems(tmp_path / "lesson.ipynb")]
    assert any(m.startswith('matching("missing.yaml") names missing.yaml, which is not in the lesson folder')
               for m in messages), messages
    assert any(m.startswith("matching_points(\"pairs-9\") grades the matching 'pairs-9'") for m in messages), messages


def test_a_new_kind_names_its_report_rows(matching, tmp_path):
    """Does the class report name a grade cell of the new kind in its kind's words?"""
    from pathways.grading.instructor.report_names import activity_names

    (call,) = testcells.graded_calls("matching_points('pairs-1')")
    names = activity_names(tmp_path, "01-x", {"test-matching": frozenset({call.item})},
                           {"graded": {"test-matching": call}})
    assert names == {"test-matching": "Matching: pairs-1"}


def test_a_new_kind_has_its_part_on_the_feedback_page(matching, tmp_path):
    """Does a learner's feedback page show a new kind with no section of its own by its title and points, found by
    its view's call in the released notebook?"""
    import nbformat
    from pathways.grading.instructor import feedback_page

    (tmp_path / "matching.yaml").write_text(MATCHING_FILE, encoding="utf-8")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Lesson 9 · Pairs"),
                                         nbformat.v4.new_markdown_cell("## Match them"),
                                         nbformat.v4.new_code_cell('matching("matching.yaml")')])
    nbformat.write(nb, tmp_path / "lesson.ipynb")
    entry = {"cells": {"test-matching": 1.0}, "cell_max": {"test-matching": 2.0}}
    page = feedback_page.build(tmp_path, tmp_path / "responses.json", None, entry,
                               {"test-matching": frozenset({"matching:pairs-1"})}, set(), None, "09-pairs")
    (part,) = page.parts
    assert (part.kind, part.heading, part.title, part.points, part.max) == ("", "Match them", "Matching", 1.0, 2.0)
    assert "<h3>Matching</h3>" in feedback_page.render(page)


def test_a_new_kinds_view_is_imported_from_pathways_views(matching):
    """Does `from pathways.views import <view>` find a registered kind's view without a line in views/__init__.py?"""
    from pathways import views
    from support.matching import matching as factory

    assert views.matching is factory
    with pytest.raises(AttributeError):
        views.no_such_view  # noqa: B018
