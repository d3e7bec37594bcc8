"""Does `pathways check` find every fault of a scenario, with the exact file, line and message?

The corpus: tests/authoring/base.yaml is a small valid scenario; each file in broken/ is that file
with one fault (named in its first line), and each file in style/ has one wording or design slip
that is only a warning. The tables below are the exact problems expected, in file order.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import jsonschema
import pytest
from pathways.grading import cli
from pathways.grading.authoring import commands as authoring
from pathways.principles import principle_ids
from pathways.scenario import ScenarioError, check_file, load

HERE = Path(__file__).resolve().parent
BASE = HERE / "base.yaml"
UNKNOWN_PRINCIPLE = f"unknown principle 'kindness'; use one of: {', '.join(sorted(principle_ids()))}"

BROKEN = {
    "bad_condition": [
        (34, "error", "condition 'trust is high' is not of the form 'name >= number' (operators: >=, <=, ==, !=, "
                      '>, <)'),
    ],
    "bad_node_name": [
        (17, "error", "'Talk Room' is not a valid name: use only lowercase letters, digits, '-' and '_', starting "
                      "with a letter or digit (for example 'front-desk')"),
        (24, "error", "'Talk Room' is not a valid name: use only lowercase letters, digits, '-' and '_', starting "
                      "with a letter or digit (for example 'front-desk')"),
        (28, "error", "'Talk Room' is not a valid name: use only lowercase letters, digits, '-' and '_', starting "
                      "with a letter or digit (for example 'front-desk')"),
    ],
    "bad_outcome": [
        (44, "error", "this must be one of 'hopeful', 'open' or 'concerning'"),
    ],
    "choice_never_offered": [
        (40, "error", "choice 'secret' is never offered: its condition 'trust >= 5' never holds when the learner "
                      "is at 'talk'; change or remove the condition"),
    ],
    "dead_end": [
        (42, "error", "node 'open' has no choices and is not an ending: the story stops here; add choices or an "
                      "'ending:'"),
    ],
    "duplicate_choice_id": [
        (14, "error", "two choices at node 'intro' share the id 'kind'; give each its own id"),
    ],
    "duplicate_node": [
        (33, "error", "choice 'finish' leads to 'open', which is not a node; fix the name or add the node"),
        (41, "error", "the name 'good' appears twice under 'nodes'; YAML keeps only the last one, so rename or "
                      'remove one of them'),
    ],
    "ending_never_reached": [
        (34, "warning", "choice 'finish': the branch to 'good' is never taken (an earlier branch always applies, or "
                      'its condition never holds)'),
        (39, "error", "ending 'good' can never be reached: the conditions ('when') on the way to it never hold; "
                      "change a condition or the amounts that choices 'set'"),
    ],
    "ending_score_unreachable": [
        (41, "error", "ending 'good' declares score 9, but no path that ends here earns more than 4; change the "
                      'score to 4 or the scores of the choices on the way'),
    ],
    "ending_with_choices": [
        (42, "error", "node 'open' is an ending but also has choices; remove one of the two"),
        (45, "warning", "moment 'open' has only one choice, so the learner has nothing to "
                        "decide there; add another choice (two or three are best), or join its text to the next "
                        "moment"),
    ],
    "last_branch_condition": [
        (33, "error", "choice 'finish': the last branch of 'next' must have no 'when', so that some branch always "
                      'applies'),
    ],
    "loop_locked_exit": [
        (12, "error", "from node 'intro', when trust = 0, no ending can be reached: the learner would go round a "
                      'loop for ever; let a choice lead out without a condition that cannot hold'),
        (28, "error", "from node 'talk', when trust = 0, no ending can be reached: the learner would go round a "
                      'loop for ever; let a choice lead out without a condition that cannot hold'),
        (34, "warning", "choice 'finish': the branch to 'good' is never taken (an earlier branch always applies, or "
                      'its condition never holds)'),
        (38, "error", "ending 'good' can never be reached: the conditions ('when') on the way to it never hold; "
                      "change a condition or the amounts that choices 'set'"),
    ],
    "loop_no_exit": [
        (28, "error", "from node 'talk' no ending can be reached: the learner would be stuck in a loop; give one "
                      'of its choices a way out towards an ending'),
        (30, "warning", "moment 'talk' has only one choice, so the learner has nothing to "
                        "decide there; add another choice (two or three are best), or join its text to the next "
                        "moment"),
    ],
    "malformed_tag": [
        (20, "error", "tag 'ti-1' is not a checklist id like 'TI-01'"),
    ],
    "many_problems": [
        (18, "error", 'this must be at most 10'),
        (24, "error", "choice 'rush' leads to 'tlak', which is not a node; fix the name or add the node"),
        (27, "error", UNKNOWN_PRINCIPLE),
    ],
    "missing_start_node": [
        (10, "error", "the start node 'welcome' does not exist; add it under 'nodes' or fix the name"),
    ],
    "missing_title": [
        (2, "error", 'this field is required but missing'),
    ],
    "misspelt_field": [
        (28, "error", "node 'talk' has no choices and is not an ending: the story stops here; add choices or an "
                      "'ending:'"),
        (30, "error", 'this field is not part of the scenario format (check its spelling)'),
    ],
    "no_ending": [
        (11, "error", "the scenario has no ending; mark at least one node with 'ending:'"),
        (30, "warning", "moment 'talk' has only one choice, so the learner has nothing to "
                        "decide there; add another choice (two or three are best), or join its text to the next "
                        "moment"),
        (40, "warning", "moment 'good' has only one choice, so the learner has nothing to "
                        "decide there; add another choice (two or three are best), or join its text to the next "
                        "moment"),
        (44, "warning", "moment 'open' has only one choice, so the learner has nothing to "
                        "decide there; add another choice (two or three are best), or join its text to the next "
                        "moment"),
    ],
    "no_feedback": [
        (22, "error", "this choice has no feedback: add 'feedback:' with reaction, principle, honours and why "
                      '(every choice needs feedback)'),
    ],
    "no_points": [
        (11, "error", 'no path earns any points, so the role-play cannot be graded; give the good choices a score '
                      'above 0'),
    ],
    "not_a_mapping": [
        (1, "error", "a scenario file must be a block of 'name: value' lines (id, version, title, role, setting, "
                      'start, nodes), not a list or a single value'),
    ],
    "schema_error_with_advice": [  # the advice on words comes with the errors, not after them
        (6, "warning", "'handcuffed': avoid images of physical restraint; most control is psychological "
                       "(lessons/STYLE.md, section 2)"),
        (21, "error", "this must be true or false"),
    ],
    "score_not_number": [
        (18, "error", 'this must be a whole number, such as 2'),
    ],
    "score_too_high": [
        (18, "error", 'this must be at most 10'),
    ],
    "stuck_by_condition": [
        (28, "error", "at node 'talk', when trust = 0, no choice is offered (every choice has a 'when' that does "
                      "not hold): the learner is stuck; add a choice without 'when'"),
        (30, "warning", "moment 'talk' has only one choice, so the learner has nothing to "
                        "decide there; add another choice (two or three are best), or join its text to the next "
                        "moment"),
    ],
    "undeclared_variable": [
        (31, "error", "choice 'finish' uses variable 'safety', which is not declared under 'variables'"),
    ],
    "unknown_principle": [
        (27, "error", UNKNOWN_PRINCIPLE),
    ],
    "unknown_tag": [
        (20, "error", "unknown checklist id 'TI-99'; use an id of the coverage checklist (`pathways check --list` "
                      'shows them all)'),
    ],
    "unknown_target": [
        (24, "error", "choice 'rush' leads to 'tlak', which is not a node; fix the name or add the node"),
    ],
    "unreachable_node": [
        (45, "error", "node 'spare' can never be reached from the start; link a choice to it or remove it"),
    ],
    "missing_dash": [
        (22, "error", "'id', 'text', 'next', 'score', 'feedback' appear twice in one item of the list: a new item (a "
                      "choice) probably starts here without its '- '; put '- ' before 'id' on this line, lined up "
                      "with the '- ' of the item above"),
    ],
    "unindented_moment": [
        (28, "error", "the file is not valid YAML: this line is indented less than the lines it belongs with, so it "
                      "ends their block early (the check noticed it only at line 38); indent it like them, with "
                      "spaces"),
    ],
    "yaml_syntax": [
        (4, "error", 'the file is not valid YAML: the quote opened on this line is not closed: end the text with " '
                      'on this line (the check noticed it only at line 5)'),
    ],
}

STYLE = {
    "chain_pharmacy": [],  # a chain of shops is not restraint: no warning
    "single_choice": [
        (30, "warning", "moment 'talk' has only one choice, so the learner has nothing to decide there; add another "
                        "choice (two or three are best), or join its text to the next moment"),
    ],
    "blaming_good_choice": [
        (16, "warning", 'choice \'kind\' says "Why didn\'t you just leave", which blames the person harmed, yet it '
                      "is marked as a good choice; mark it 'honours: false' with score 0, or reword it (TI-12, "
                      'TI-13)'),
    ],
    "missing_review": [
        (22, "warning", "choice 'rush' works against a principle but has no 'review:'; say which section the "
                      'learner should read again'),
    ],
    "restraint_imagery": [
        (4, "warning", "'Chained': avoid images of physical restraint; most control is psychological "
                      "(lessons/STYLE.md, section 2)"),
    ],
    "stigmatising_word": [
        (13, "warning", "'prostitute' is a stigmatising word for a person who is trafficked; say 'a person who is "
                      "being trafficked' or 'a sexually exploited child' (lessons/STYLE.md, section 1)"),
    ],
    "tag_not_listed": [
        (20, "warning", "choice 'kind' teaches TI-11, which is not in the scenario's 'checklist:' list; add it "
                      'there'),
    ],
}


def run_cli(*args: str) -> tuple[int, str]:
    """Run `pathways ...` in-process; return its exit status and what it printed."""
    out = io.StringIO()
    import contextlib

    with contextlib.redirect_stdout(out):
        code = cli.main(list(args))
    return code, out.getvalue()


def found(path: Path) -> list[tuple]:
    return [(p.line, p.severity, p.message) for p in check_file(path)]


def test_base_scenario_is_clean():
    """Is the file every fault starts from free of errors and warnings?"""
    assert check_file(BASE) == []


def test_corpus_has_at_least_15_distinct_faults():
    """Are there at least 15 broken files, each with a fault of its own, and a table entry for each file?"""
    files = sorted(p.stem for p in (HERE / "broken").glob("*.yaml"))
    assert files == sorted(BROKEN) and len(files) >= 15
    assert sorted(p.stem for p in (HERE / "style").glob("*.yaml")) == sorted(STYLE)
    signatures = {tuple(m for _l, s, m in expected if s == "error") for expected in BROKEN.values()}
    assert len(signatures) == len(BROKEN), "two broken files report the same errors: they test the same fault"
    assert all(any(s == "error" for _l, s, _m in expected) for expected in BROKEN.values())


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_file_reports_exact_problems(name):
    """Does the check report exactly the expected problems, each with its file and line?"""
    path = HERE / "broken" / f"{name}.yaml"
    problems = check_file(path)
    assert [(p.line, p.severity, p.message) for p in problems] == BROKEN[name]
    assert all(p.file == str(path) for p in problems)


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_loader_refuses_broken_file_with_the_same_errors(name):
    """Does the loader (what a lesson uses) refuse the file with the very errors the check reports?"""
    path = HERE / "broken" / f"{name}.yaml"
    with pytest.raises(ScenarioError) as info:
        load(path)
    assert [(p.line, p.message) for p in info.value.problems] == [(ln, m) for ln, s, m in BROKEN[name] if s == "error"]


@pytest.mark.parametrize("name", sorted(STYLE))
def test_style_slip_is_a_warning_only(name):
    """Is a wording slip reported as a warning, with the scenario still loadable?"""
    path = HERE / "style" / f"{name}.yaml"
    assert found(path) == STYLE[name]
    load(path)


def test_cli_reports_every_problem_of_every_file_at_once():
    """Does one `pathways check` run list every problem of every file, as file:line: error: message, and exit 1?"""
    paths = sorted((HERE / "broken").glob("*.yaml"))
    code, out = run_cli("check", *map(str, paths))
    assert code == 1
    for path in paths:
        for problem in check_file(path):
            assert str(problem) in out
    total = sum(len(v) for v in BROKEN.values())
    errors = sum(1 for v in BROKEN.values() for _l, s, _m in v if s == "error")
    assert f"Checked {len(paths)} files: {errors} errors, {total - errors} warning" in out


def test_cli_line_format_names_file_line_and_place():
    """Is each problem printed as file:line: error: message (at place)?"""
    path = HERE / "broken" / "unknown_target.yaml"
    code, out = run_cli("check", str(path))
    assert code == 1
    assert (f"{path}:24: error: choice 'rush' leads to 'tlak', which is not a node; fix the name or add the node "
            "(at nodes.intro.choices[1].next)") in out


def test_warnings_exit_zero_unless_strict():
    """Do warnings leave the exit status at 0, and does --strict turn them into a failure?"""
    path = str(HERE / "style" / "missing_review.yaml")
    assert run_cli("check", path)[0] == 0
    assert run_cli("check", "--strict", path)[0] == 1


def test_many_problems_schema_and_graph_together():
    """Are schema errors and graph errors of one file reported together, not one round at a time?"""
    messages = [m for _l, _s, m in found(HERE / "broken" / "many_problems.yaml")]
    assert any("at most 10" in m for m in messages) and any("unknown principle" in m for m in messages)
    assert any("which is not a node" in m for m in messages)


def test_missing_file_is_one_clear_problem():
    """Is a file that does not exist reported, not a crash?"""
    code, out = run_cli("check", "no/such/file.yaml")
    assert code == 1 and "no/such/file.yaml: error: file not found" in out


def test_shipped_scenarios_have_no_errors():
    """Does every scenario, translation, knowledge-check and sorting file under lessons/ pass the check with no
    error and no warning (`pathways check --strict`), so that the shipped course is what the rules ask authors for?"""
    files = authoring.default_files()
    names = {p.name for folder in files for p in folder.iterdir()}
    assert all(folder.is_dir() for folder in files) and len(files) == 7  # every lesson folder, notebook included
    assert {"er_visit.yaml", "er_visit.es.yaml", "checks.yaml", "sorting.yaml"} <= names, names
    for path in files:
        problems = [str(p) for p in authoring.check_one(path)]
        assert problems == [], "\n".join(problems)  # no error, and no warning either (issue 12)
    code, out = run_cli("check", "--strict")
    assert code == 0 and ": 0 errors, 0 warnings." in out, out


def test_list_shows_principles_and_checklist_ids():
    """Does `pathways check --list` show the ids an author may use?"""
    code, out = run_cli("check", "--list")
    assert code == 0 and "pearr-privacy" in out and "TI-01" in out and "FW-12" in out


# --- the published JSON Schema ---------------------------------------------------------------------------


def test_published_schema_is_up_to_date():
    """Is lessons/scenario.schema.json exactly what the models generate? (Fix: pathways schema)"""
    assert authoring.SCHEMA_FILE.read_text(encoding="utf-8") == authoring.schema_text(), (
        "lessons/scenario.schema.json is out of date: run `pathways schema`")


def test_schema_accepts_shipped_scenarios_and_rejects_schema_faults():
    """Do other tools that read the JSON Schema agree with our loader on what is valid?"""
    import yaml

    schema = json.loads(authoring.SCHEMA_FILE.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    from pathways.authoring import scenario_files

    for path in [BASE, *scenario_files(authoring.lessons_dir())]:
        assert list(validator.iter_errors(yaml.safe_load(path.read_text()))) == [], path
    for name in ("missing_title", "misspelt_field", "score_too_high", "score_not_number", "bad_node_name",
                 "bad_outcome", "no_feedback", "unknown_principle", "unknown_tag", "malformed_tag"):
        data = yaml.safe_load((HERE / "broken" / f"{name}.yaml").read_text())
        assert list(validator.iter_errors(data)), f"the JSON Schema accepts {name}"


# --- assessment rules: no answer by shape, scores that follow consequences -----------------------------------

#: One file per rule in assessment/ (base.yaml with one assessment slip), and the exact warnings expected.
ASSESSMENT = {
    "best_first": [
        (14, "position", "the best choice is listed first at 3 of 3 decision points (100%, more than 40%): intro, "
                         "talk, card; list it second or later at some of them, so that a learner who always picks "
                         "the first choice does not score best"),
    ],
    "best_longest": [
        (14, "position", "the best choice is strictly the longest at 3 of 3 decision points (100%, more than 40%): "
                         "intro, talk, card; give the other choices as much detail, or shorten the best one, so "
                         "that length gives nothing away"),
    ],
    "scoring_misstep": [
        (25, "scoring-misstep", "choice 'rush' works against a principle (honours: false) yet has score 1; a "
                                "misstep earns nothing, so set its score to 0"),
    ],
    "concerning_keeps_half": [
        (51, "ending", "ending 'gone' is concerning, yet the path 'kind → refer' earns 4 of the best 4 points on "
                       "the way to it (more than half; grading keeps only 2); lower the scores of the choices that "
                       "lead here, so that the points tell the same story as the ending"),
    ],
    "hopeful_two_missteps": [
        (46, "ending", "ending 'good' is hopeful, yet the path 'rush → lecture' reaches it with 2 missteps; let "
                       "missteps lead elsewhere (or through a moment that repairs them), so that a hopeful ending "
                       "follows from choices that honour the principles"),
    ],
    "misstep_pays": [
        (9, "missteps", "the path 'rush → blame → listen' keeps 2 of the best 4 points with 2 missteps, as much as "
                        "the paths with 1 misstep; raise the scores of the choices that honour the principles on the "
                        "better paths, or lower those on this one, so that every misstep lowers what a path keeps"),
    ],
    "direction_declared": [
        (22, "direction", "choice 'kind' honours a principle but raises 'risk', and 'good_direction' says risk is "
                          "better lower; make the change match the feedback (or correct 'good_direction:')"),
    ],
    "direction_inferred": [
        (27, "direction", "choice 'rush' works against a principle but raises 'calm', and every choice that "
                          "honours a principle raises it; make the change match the feedback, or declare which "
                          "way is good under 'good_direction:'"),
    ],
    "same_last_ending": [
        (30, "last-decision", "every choice at 'talk' leads to the same ending 'good', so this last decision "
                              "changes nothing; let the choices that work against a principle lead to another "
                              "ending"),
    ],
}
CHECK_KEY = (7, "check-key", "the answer is strictly the longest option in 2 of 3 one-answer questions (67%, more "
                             "than 40%): q1, q2; give the other options as much detail, or shorten the answer, so "
                             "that length gives nothing away")


def test_every_assessment_rule_has_a_fixture():
    """Is there a fixture for every assessment rule, and a table entry for every fixture?"""
    from pathways.activities.registry import rules as _rules
    RULES = _rules()

    assert sorted(p.stem for p in (HERE / "assessment").glob("*.yaml")) == sorted(ASSESSMENT)
    covered = {rule for expected in ASSESSMENT.values() for _l, rule, _m in expected} | {CHECK_KEY[1], "objectives"}
    assert covered == set(RULES)


@pytest.mark.parametrize("name", sorted(ASSESSMENT))
def test_assessment_slip_is_a_located_warning(name):
    """Does each assessment slip give exactly its warning, with line and fix, and leave the scenario loadable?"""
    path = HERE / "assessment" / f"{name}.yaml"
    assert [(p.line, p.rule, p.message) for p in check_file(path)] == ASSESSMENT[name]
    assert all(p.severity == "warning" and p.file == str(path) for p in check_file(path))
    load(path)


def test_check_reports_each_assessment_files_mode_and_refuses_a_key_where_it_does_not_belong(tmp_path):
    """Does `pathways check` say of every knowledge-check and sorting file whether it is formative or hidden-key, and
    refuse, with the line, a formative question without its key and a hidden-key file that carries one?"""
    from pathways.activities.modes import MODES

    lesson = HERE.parents[1] / "lessons" / "01-why-dont-they-leave"
    hidden = HERE / "assessment" / "objectives" / "sorting.yaml"
    text = authoring.check([lesson / "checks.yaml", lesson / "sorting.es.yaml", hidden]).text
    assert f"checks.yaml: OK ({MODES['formative']})" in text and f"sorting.es.yaml: OK ({MODES['formative']})" in text
    assert f"sorting.yaml: OK ({MODES['hidden-key']})" in text
    keyless = tmp_path / "checks.yaml"
    keyless.write_text("activity: c\nquestions:\n  - id: q1\n    prompt: P\n    options:\n"
                       "      - {id: a, text: A, explanation: E}\n      - {id: b, text: B, explanation: F}\n")
    assert [(p.line, p.message[:32]) for p in authoring.check_one(keyless)] == [(3, "question 'q1' lacks its key: a f")]
    leaky = tmp_path / "sorting.yaml"
    leaky.write_text(hidden.read_text().replace("  - {id: first,", "  - {category: one, id: first,"))
    problems = authoring.check_one(leaky)
    assert len(problems) == 1 and "carries its key or an explanation in a `mode: hidden-key` file" in \
        problems[0].message


def test_check_key_length_is_read_from_the_notebook_beside_the_file():
    """Does the check-key rule find the keys in the lesson notebook's hidden tests, for that activity only?"""
    path = HERE / "assessment" / "checks" / "checks.yaml"
    problems = authoring.check_one(path)
    assert [(p.line, p.rule, p.message) for p in problems] == [CHECK_KEY]
    from pathways.activities.checks import check_key_problems, notebook_keys

    keys = notebook_keys(path.with_name("lesson.ipynb"), "checks-x")
    assert keys == {"q1": "b", "q2": "a", "q3": "a", "q4": ["a"]}  # the other activity's q3 key is not taken
    assert check_key_problems(path, notebook=HERE / "no-such-notebook.ipynb") == []  # no key, no judgement


def test_every_stated_objective_must_be_assessed():
    """Does the check read the objectives from the lesson's overview, count those named by the questions and by
    the sorting exercise beside them, and warn (with the objective's words) about one that nothing assesses and
    about a question naming an objective the lesson does not have?"""
    from pathways.activities.checks.rules import lesson_objectives

    folder = HERE / "assessment" / "objectives"
    assert lesson_objectives(folder / "lesson.ipynb") == ["name the first thing;", "sort the second thing,",
                                                          "do the third thing."]
    problems = authoring.check_one(folder / "checks.yaml")
    assert [(p.line, p.rule, p.severity) for p in problems] == [(13, "objectives", "warning"),
                                                                (5, "objectives", "warning")]
    assert "names objective 5, but lesson.ipynb lists objectives 1 to 3" in problems[0].message
    assert "assesses objective 3 of lesson.ipynb (3. do the third thing.)" in problems[1].message
    assert authoring.check_one(HERE / "assessment" / "checks" / "checks.yaml")[0].rule == "check-key"  # no overview


def test_figures_measure_position_length_and_concerning_endings():
    """Does `pathways check --figures` count, per file and in total, where the best choice or key sits, whether it
    is strictly the longest, and the most a concerning ending keeps?"""
    scenario = HERE / "assessment" / "best_first.yaml"
    checks = HERE / "assessment" / "checks" / "checks.yaml"
    code, out = run_cli("check", "--figures", str(scenario), str(checks))
    assert code == 0, out
    assert str(scenario) in out and str(checks) in out and "(check keys)" in out
    assert "Role-plays (translations not counted twice): best choice first in the file at" in out
    assert "Knowledge checks (one-answer): key first in the file in" in out
    from pathways.activities.checks import check_key_figures

    assert check_key_figures(checks) == {"questions": 3, "first": 2, "longest": 2}  # keys b, a, a


def test_position_is_not_judged_on_fewer_than_three_decisions():
    """Is a scenario with one decision point (base.yaml: its best choice is first) left alone by the position rule?"""
    assert check_file(BASE) == []


def test_undeclared_good_direction_variable_is_an_error():
    """Is a 'good_direction' naming an undeclared variable an error with its line?"""
    text = BASE.read_text().replace("variables:\n  trust: 0\n", "variables:\n  trust: 0\ngood_direction:\n  "
                                    "trsut: up\n")
    from pathways.scenario import check_text

    problems = [(p.line, p.severity, p.message) for p in check_text(text, "x.yaml")]
    assert problems == [(11, "error", "'good_direction' names variable 'trsut', which is not declared under "
                                      "'variables'")]
