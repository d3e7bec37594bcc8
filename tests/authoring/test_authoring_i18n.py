"""Can every learner-facing string be given in another language, and does a translation cover its scenario?"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from pathways import engine, i18n
from pathways.authoring import translation_files
from pathways.grading import cli, course
from pathways.grading.authoring import commands
from pathways.scenario import ScenarioError, load
from pathways.scenario.translation import flatten

LESSON1 = course.LESSONS / "01-why-dont-they-leave"
TRANSLATIONS = translation_files(course.LESSONS)
DATA = Path(i18n.__file__).parent / "data"


def test_spanish_translation_of_lesson_1_is_shipped():
    """Is there a Spanish translation of the Lesson 1 role-play?"""
    assert LESSON1 / "er_visit.es.yaml" in TRANSLATIONS


@pytest.mark.parametrize("path", TRANSLATIONS, ids=lambda p: p.name)
def test_translation_covers_every_string_and_only_those(path):
    """Does the translation give every learner-facing string of its scenario, and nothing the scenario lacks?"""
    scenario = load(i18n.base_file(path))
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    given = flatten({k: v for k, v in data.items() if k not in i18n.HEADER})
    wanted = i18n.learner_strings(scenario)
    assert set(wanted) - set(given) == set(), "strings not translated"
    assert set(given) - set(wanted) == set(), "keys that are not in the scenario"
    assert all(isinstance(v, str) and v.strip() for v in given.values())
    assert data["translates"] == scenario.id and data["version"] == scenario.version
    assert [p for p in i18n.translation_problems(scenario, path) if p.severity == "error"] == []


@pytest.mark.parametrize("path", TRANSLATIONS, ids=lambda p: p.name)
def test_translated_scenario_keeps_the_graph(path):
    """Is a translated scenario the same story (ids, scores, conditions), so grading is the same in any language?"""
    original, translated = load(i18n.base_file(path)), load(path)
    assert translated.language == yaml.safe_load(path.read_text())["language"] != original.language
    strip = i18n.learner_strings(original).keys()
    assert set(i18n.learner_strings(translated)) == set(strip)
    assert translated.title != original.title
    assert [(w.score, w.node, [s.choice for s in w.steps]) for w in engine.all_walks(translated)] == \
        [(w.score, w.node, [s.choice for s in w.steps]) for w in engine.all_walks(original)]


def test_translate_is_pure_and_falls_back_to_original():
    """Does translate() leave its input untouched and keep the original text where a string is missing?"""
    scenario = load(LESSON1 / "er_visit.yaml")
    before = scenario.model_dump()
    partial = {"translates": "er-visit", "version": scenario.version, "language": "es", "title": "Título",
               "nodes": {"arrival": {"choices": {"routine-privacy": {"text": "Privacidad"}}}}}
    out = i18n.translate(scenario, partial)
    assert scenario.model_dump() == before
    privacy = next(c for c in out.nodes["arrival"].choices if c.id == "routine-privacy")
    assert out.title == "Título" and privacy.text == "Privacidad"
    assert out.nodes["arrival"].text == scenario.nodes["arrival"].text and out.language == "es"


def test_translation_faults_are_located(tmp_path):
    """Are a renamed choice, an empty string and a wrong scenario id reported with their lines, once each?"""
    folder = tmp_path / "lesson"
    folder.mkdir()
    (folder / "er_visit.yaml").write_text((LESSON1 / "er_visit.yaml").read_text())
    text = (LESSON1 / "er_visit.es.yaml").read_text()
    text = text.replace("translates: er-visit", "translates: er-vist")
    text = text.replace("      routine-privacy:\n", "      routine-privacidad:\n")
    text = re.sub(r'title: "Una puerta que queda abierta"', 'title: ""', text)
    (folder / "er_visit.es.yaml").write_text(text)
    problems = [(p.line, p.message) for p in i18n.check_translation_file(folder / "er_visit.es.yaml")
                if p.severity == "error"]
    lines = text.splitlines()

    def line_of(start: str) -> int:
        return next(i for i, x in enumerate(lines, start=1) if x.strip().startswith(start))

    assert (line_of("translates:"), "'translates' must be the id of the scenario, 'er-visit' (found 'er-vist')") \
        in problems
    # A renamed choice is one error, not one per text on both sides.
    assert (line_of("routine-privacidad:"), "the choice 'routine-privacidad' is not in the scenario; the scenario "
            "has 'routine-privacy' instead, with no translation: if it was renamed, rename 'routine-privacidad' here "
            "too") in problems
    assert (line_of('title: ""'), "the translation of 'nodes.door-open.ending.title' must be text, and not empty") \
        in problems
    assert len(problems) == 3
    with pytest.raises(ScenarioError):
        load(folder / "er_visit.es.yaml")


def test_old_version_and_untranslated_text_are_warnings(tmp_path):
    """Is a translation made for an older version, or still in English, flagged as a warning?"""
    scenario = load(LESSON1 / "er_visit.yaml")
    path = tmp_path / "er_visit.fr.yaml"
    path.write_text(i18n.translation_template(scenario, "fr").replace(f"version: {scenario.version}", "version: 0"))
    problems = i18n.translation_problems(scenario, path)
    assert all(p.severity == "warning" for p in problems)
    assert any("made for version 0" in p.message for p in problems)
    assert any("not translated yet" in p.message for p in problems)


def test_new_translation_command_writes_a_complete_file(tmp_path, capsys):
    """Does `pathways new-translation` write a file with every string, which the check then accepts?"""
    scenario_file = tmp_path / "er_visit.yaml"
    scenario_file.write_text((LESSON1 / "er_visit.yaml").read_text())
    assert cli.main(["new-translation", str(scenario_file), "pt-BR"]) == 0
    written = tmp_path / "er_visit.pt-BR.yaml"
    assert [p for p in commands.check_one(written) if p.severity == "error"] == []
    assert cli.main(["new-translation", str(scenario_file), "pt-BR"]) == 1  # never overwrites
    assert "already exists" in capsys.readouterr().err


# --- the widgets' own strings -----------------------------------------------------------------------------


def ui_files() -> list[Path]:
    return sorted(p for p in DATA.glob("ui.*.yaml") if p.name != "ui.en.yaml")


def principle_files() -> list[Path]:
    return sorted(DATA.glob("principles.*.yaml"))


def test_spanish_widget_strings_and_principle_names_are_shipped():
    """Are there Spanish files of widget strings and of principle names?"""
    assert DATA / "ui.es.yaml" in ui_files() and DATA / "principles.es.yaml" in principle_files()


@pytest.mark.parametrize("path", ui_files(), ids=lambda p: p.name)
def test_widget_translation_covers_every_key_with_the_same_fields(path):
    """Does each ui.<lang>.yaml give every key of ui.en.yaml, no other key, and the same {fields}?"""
    english = yaml.safe_load((DATA / "ui.en.yaml").read_text(encoding="utf-8"))
    other = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert set(english) - set(other) == set(), f"{path.name} lacks keys"
    assert set(other) - set(english) == set(), f"{path.name} has keys English does not"
    for key, text in english.items():
        assert set(re.findall(r"{(\w+)}", text)) == set(re.findall(r"{(\w+)}", other[key])), key
        assert isinstance(other[key], str) and other[key].strip()


def test_ui_lookup_in_spanish():
    """Does ui(key, 'es') give the Spanish string, formatted?"""
    assert i18n.ui("you_earned", "es", score=3, best=4) == "Obtuviste 3 de 4 puntos."
    assert i18n.ui("what_do_you_do", "es") == "¿Qué haces?"


@pytest.mark.parametrize("path", principle_files(), ids=lambda p: p.name)
def test_principle_translation_names_and_sums_up_every_principle(path):
    """Does each principles.<lang>.yaml give a name and a summary, and nothing else, for every principle?"""
    from pathways.principles import TRANSLATED

    english = yaml.safe_load((DATA / "principles.yaml").read_text(encoding="utf-8"))
    other = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert set(other) == set(english), f"{path.name} must give exactly the principle ids of principles.yaml"
    for pid, fields in other.items():
        assert set(fields) == set(TRANSLATED), pid
        assert all(isinstance(fields[k], str) and fields[k].strip() and fields[k] != english[pid][k]
                   for k in TRANSLATED), pid


def test_spanish_role_play_names_its_principles_in_spanish(in_tmp):
    """Does the Spanish role-play's feedback and end summary name the principles in Spanish (their sources as
    published), while the English one keeps the English names?"""
    from pathways import views
    from pathways.principles import principles

    es, en = principles("es"), principles("en")
    rp = views.RolePlay(load(LESSON1 / "er_visit.es.yaml"))
    walk = engine.best_walk(rp.scenario)
    for step in walk.steps:
        rp.choose(step.choice)
        pid = engine.choice_at(rp.scenario, step.node, step.choice).feedback.principle
        assert es[pid].name in rp.feedback.value and en[pid].name not in rp.feedback.value
        assert es[pid].source == en[pid].source and es[pid].source in rp.feedback.value
    assert rp.summary.value and all(es[p].name in rp.summary.value
                                    for p in {engine.choice_at(rp.scenario, s.node, s.choice).feedback.principle
                                              for s in walk.steps})
    english = views.RolePlay(load(LESSON1 / "er_visit.yaml"), activity="roleplay-en")  # a record of its own
    first = english.options()[0]
    english.choose(first.id)
    assert en[first.feedback.principle].name in english.feedback.value


SLIPS = Path(__file__).parent / "translation_slips"
SLIP_MESSAGES = {
    "tab": [(12, "error", "the file is not valid YAML: there is a tab character here; indent with spaces only")],
    "stray_colon": [(8, "error", "the file is not valid YAML: a text containing ': ' must be put in double quotes")],
    "duplicate_title": [(8, "error", "the name 'title' appears twice at the top of the file; YAML keeps only the "
                                     "last one, so rename or remove one of them")],
    "renamed_moment": [(25, "error", "the moment 'talking' is not in the scenario; the scenario has 'talk' instead, "
                                     "with no translation: if it was renamed, rename 'talking' here too")],
}


@pytest.mark.parametrize("slip", sorted(SLIP_MESSAGES))
def test_translation_slip_gets_one_plain_message_at_its_line(slip, tmp_path):
    """Does a slip in a translation (a tab, a stray colon, a name written twice, a moment renamed in the scenario)
    get the friendly message a scenario would, at its line, and only that error?"""
    (tmp_path / "base.yaml").write_text((SLIPS.parent / "base.yaml").read_text())
    (tmp_path / "base.es.yaml").write_text((SLIPS / f"{slip}.es.yaml").read_text())
    problems = commands.check_one(tmp_path / "base.es.yaml")
    assert [(p.line, p.severity, p.message) for p in problems if p.severity == "error"] == SLIP_MESSAGES[slip]


def test_a_new_translation_gets_one_warning_not_one_per_text(tmp_path):
    """Does a translation still in English get one warning naming the lines, instead of one per text?"""
    for name in ("er_visit.yaml",):
        (tmp_path / name).write_text((LESSON1 / name).read_text())
    target = commands.new_translation(tmp_path / "er_visit.yaml", "fr")
    problems = commands.check_one(target)
    assert len(problems) == 1 and problems[0].severity == "warning"
    assert re.match(r"\d+ texts are still the same as in the scenario \(not translated yet\?\), on lines \d",
                    problems[0].message)
