"""The simulated learner: the response files a learner's clicks leave, built with the product's own engine
(`pathways.engine`) and typed records (`pathways.activities`), never with hand-written record dicts.

Activities are {activity: record as written to responses.json}: plain dicts, so a test can copy one and change
it. A test that needs a malformed record builds a valid one here and breaks it explicitly (`broken`).

Two kinds of learner:
- keyed (`responses_for`): answers from the keys the grader reads (a formative file's, else the source notebook's
  autograder test cells, `support.testcells`), at a chosen quality ('perfect', 'wrong', 'forged'), with the points
  each grade cell should give (`expected_points`);
- modelled (`model_activities`): the lesson's own solution cells run in a scratch folder, as the instructor's
  notebook does; `with_wrong_checks`, `random_activities` and `random_class` vary it into a class.
Widgets pressed in a hand-in folder (`press_skip`, `press_skip_section`) write there as a learner's kernel would.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import random
import shutil
import tempfile
from pathlib import Path

import nbformat
from pathways import engine
from pathways.activities.checks import ChecksRecord, FirstAnswer, check_keys, load_checks
from pathways.activities.responses import FILENAME, FORMAT, parse_record, to_dict
from pathways.activities.roleplay import Attempt, RolePlayRecord, Step
from pathways.activities.sorting import SortingRecord, sorting_key
from pathways.scenario import load

from .testcells import graded_calls, graded_scenarios, solution_code

#: When the simulated learner acts, and the seed of the order it was shown (neither is graded).
AT = "2026-01-01T00:00:00+00:00"
SEED = 7


# --- records, as the widgets save them ------------------------------------------------------------------------
def roleplay_record(scenario, steps: list[Step], finished: bool = True) -> RolePlayRecord:
    """A role-play played once through `steps` (the graded first attempt)."""
    attempt = Attempt(started=AT, version=scenario.version, steps=steps, finished=finished)
    return RolePlayRecord(scenario=scenario.id, version=scenario.version, seed=SEED, attempts=[attempt])


def walk_record(scenario, walk: engine.Walk) -> dict:
    """A role-play record for a walk of the engine, as the widget saves it."""
    return roleplay_record(scenario, [Step(node=s.node, choice=s.choice, at=AT) for s in walk.steps]).to_dict()


def checks_record(answers: dict) -> ChecksRecord:
    """Knowledge checks answered and checked once each ("Check answer" pressed: the first answers are graded)."""
    return ChecksRecord(seed=SEED, answers=dict(answers),
                        first={q: FirstAnswer(answer=a, at=AT) for q, a in answers.items()})


def broken(record, **fields) -> dict:
    """A valid record made malformed on purpose: its dict with `fields` replaced (for hostile tests)."""
    return {**to_dict(record), **fields}


def wrong_answer(expected, options: list[str] | None = None):
    """An answer that is certainly not the expected one: another of `options` if given, else a made-up one."""
    if options is None:
        return ["z"] if isinstance(expected, list) else ("a" if expected != "a" else "b")
    if isinstance(expected, list):
        return [o for o in options if o not in expected][:1] or options[:1]
    return next(o for o in options if o != expected)


# --- keyed learners: answers from the autograder test cells ---------------------------------------------------
def _roleplay(lesson_dir: Path, scenario_file: str, quality: str) -> RolePlayRecord:
    scenario = load(lesson_dir / scenario_file)
    walks = engine.all_walks(scenario)
    walk = (min if quality == "wrong" else max)(walks, key=lambda w: w.score)
    steps = [Step(node=s.node, choice=s.choice, at=AT) for s in walk.steps]
    if quality == "forged":  # malformed on purpose: the first choice, then straight to an ending
        ending = next(n for n, node in scenario.nodes.items() if node.ending)
        steps = [Step(node=scenario.start, choice=scenario.nodes[scenario.start].choices[0].id),
                 Step(node=ending, choice="made-up")]
    return roleplay_record(scenario, steps)


def responses_for(lesson_dir: Path, quality: str) -> dict:
    """The activities a learner of the given quality leaves: 'perfect', 'wrong' or 'forged'.

    perfect: the best walk, every key answer. wrong: the lowest-scoring walk and a wrong option for
    every check and sorting item. forged: a transcript that jumps straight to an ending, plus the
    perfect checks.
    """
    records: dict = {}
    answers: dict[str, dict] = {}
    for g in graded_calls(lesson_dir / "lesson.ipynb"):
        if g.func == "roleplay_points":
            records[g.activity] = _roleplay(lesson_dir, g.args["scenario_file"], quality)
        elif g.func == "check_points":
            key = g.args["expected"] if g.args["expected"] is not None else \
                check_keys(lesson_dir / "checks.yaml")[g.args["question"]]
            answer = key if quality != "wrong" else wrong_answer(key, _options(lesson_dir, g.args["question"]))
            answers.setdefault(g.activity, {})[g.args["question"]] = answer
            records[g.activity] = None  # keeps the activities in the notebook's order
        elif g.func == "sorting_points":
            key = g.args["key"] if g.args["key"] is not None else sorting_key(lesson_dir / "sorting.yaml")
            categories = sorted(set(key.values()))
            placements = dict(key) if quality != "wrong" else {
                item: next(c for c in categories + ["zz-none"] if c != cat) for item, cat in key.items()}
            records[g.activity] = SortingRecord(seed=SEED, placements=placements)
    records.update({activity: checks_record(given) for activity, given in answers.items()})
    return {activity: record.to_dict() for activity, record in records.items()}


def _options(lesson_dir: Path, question: str) -> list[str]:
    return [o.id for o in load_checks(lesson_dir / "checks.yaml").question(question).options]


def expected_points(lesson_dir: Path, quality: str) -> dict[str, float]:
    """Points each autograder cell should give a learner of this quality (by grade id)."""
    activities = responses_for(lesson_dir, quality)
    out = {}
    for g in graded_calls(lesson_dir / "lesson.ipynb"):
        if g.func != "roleplay_points":
            out[g.cell_id] = 0.0 if quality == "wrong" else g.points
        elif quality == "forged":
            out[g.cell_id] = 0.0
        else:
            record = parse_record(g.activity, activities[g.activity], RolePlayRecord)
            verdict = engine.replay(load(lesson_dir / g.args["scenario_file"]),
                                    [s.to_dict() for s in record.graded.steps])
            out[g.cell_id] = round(g.args["points"] * verdict.fraction, 2)
    return out


# --- modelled learners: the lesson's own solution cells, varied into a class ----------------------------------
@contextlib.contextmanager
def in_folder(folder: Path):
    """Run widget code as the learner's kernel would: in `folder`, with a fresh response store."""
    import pathways.activities.responses as responses

    old_cwd, old_store = os.getcwd(), responses._STORE
    try:
        os.chdir(folder)
        responses._STORE = None
        yield
    finally:
        os.chdir(old_cwd)
        responses._STORE = old_store


def model_activities(lesson_dir: Path) -> dict[str, dict]:
    """The lesson's model answers, by running its solution cells in a scratch copy of the lesson."""
    import pathways.activities.responses as responses

    code = solution_code(lesson_dir / "lesson.ipynb")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / lesson_dir.name
        shutil.copytree(lesson_dir, work, ignore=shutil.ignore_patterns("responses.json", "*.ipynb"))
        with in_folder(work):
            exec(compile(code, "model-answers", "exec"), {})  # noqa: S102 - our own lesson's solution cell
            return copy.deepcopy(responses.store().memory)


def with_wrong_checks(activities: dict, questions, activity: str = "checks") -> dict:
    """A copy of `activities` whose knowledge checks `questions` were answered wrongly: the first checked
    answer (the graded one) and the latest saved answer alike."""
    out = copy.deepcopy(activities)
    record = parse_record(activity, out[activity], ChecksRecord)
    for q in questions:
        bad = wrong_answer(record.answers[q])
        record.answers[q] = bad
        if q in record.first:
            record.first[q].answer = bad
    out[activity] = record.to_dict()
    return out


def random_activities(lesson_dir: Path, model: dict[str, dict], rng: random.Random, p_right: float = 0.7):
    """A plausible learner: each check right with probability p_right, a random walk through each role-play."""
    acts = copy.deepcopy(model)
    for activity, raw in model.items():
        if raw.get("kind") == "checks":
            record = parse_record(activity, raw, ChecksRecord)
            record.answers = {q: (a if rng.random() < p_right else wrong_answer(a)) for q, a in record.answers.items()}
            for q, first in record.first.items():  # the first checked answer is the graded one
                first.answer = record.answers.get(q, first.answer)
            acts[activity] = record.to_dict()
    for activity, path in graded_scenarios(lesson_dir).items():
        scenario = load(path)
        walks = engine.all_walks(scenario)
        acts[activity] = walk_record(scenario, rng.choice(walks[:500]))
    return acts


def press_skip(folder: Path, items: list[str]) -> None:
    """The learner presses "Skip this for my wellbeing" on each activity."""
    from pathways.views.common import root

    with in_folder(folder):
        for item in items:
            kind = item.split(":")[0]
            root([], kind, item=item).skip_toggle.skip()


def press_skip_section(folder: Path, title: str, items: list[str]) -> None:
    """The learner presses a content note's "Skip this section for my wellbeing"."""
    from pathways.views import skip_section

    with in_folder(folder):
        skip_section(title, items).skip_toggle.skip()


# --- hand-ins -------------------------------------------------------------------------------------------------
def responses_text(activities: dict, fmt: str = FORMAT) -> str:
    """A responses.json as the widgets write it (`fmt`: FORMAT_V1 for a file written by an older version);
    records may be typed or dicts."""
    payload = {"format": fmt, "activities": {a: to_dict(r) for a, r in activities.items()}}
    return json.dumps(payload, indent=1, ensure_ascii=False)


def write_responses(folder: Path, activities: dict, fmt: str = FORMAT) -> Path:
    """Write a response file into `folder` as the widgets would."""
    path = folder / FILENAME
    path.write_text(responses_text(activities, fmt), encoding="utf-8")
    return path


def write_submission(dest: Path, release_nb: Path, activities: dict | None = None, responses: str | bytes | None = None,
                     notebook: nbformat.NotebookNode | bytes | None = None) -> Path:
    """Write one hand-in folder: the released notebook (or a given one) and a response file (from `activities`,
    or the raw text `responses`: a hostile file; none when both are None)."""
    dest.mkdir(parents=True, exist_ok=True)
    if isinstance(notebook, bytes):
        (dest / release_nb.name).write_bytes(notebook)
    else:
        nbformat.write(notebook if notebook is not None else nbformat.read(release_nb, as_version=4),
                       dest / release_nb.name)
    if responses is None and activities is not None:
        responses = responses_text(activities)
    if responses is not None:
        path = dest / FILENAME
        path.write_bytes(responses if isinstance(responses, bytes) else responses.encode("utf-8"))
    return dest


def random_class(course_release: Path, lessons_src: Path, lessons: list[str], n: int, dest: Path,
                 seed: int = 7) -> Path:
    """n students x every lesson, in nbgrader's submitted/ layout under dest."""
    rng = random.Random(seed)
    for lesson in lessons:
        model = model_activities(lessons_src / lesson)
        release_nb = next((course_release / lesson).glob("*.ipynb"))
        for i in range(n):
            acts = random_activities(lessons_src / lesson, model, rng)
            write_submission(dest / f"student{i:02d}" / lesson, release_nb, acts)
    return dest
