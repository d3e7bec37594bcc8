"""Functions that nbgrader's autograder test cells call, and the model answers of source notebooks.

Every grading function prints a plain sentence for the learner's feedback and returns the points
earned as a number, which nbgrader reads as partial credit. None of them raises: a missing,
damaged or forged response file earns 0 with a clear message, never a crash, and no message
reveals an answer key.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from .checks import load_checks
from .excusal import is_excused
from .exercises import load_exercise, sorting_score
from .i18n import current_lang, ui
from .markdown import plain
from .responses import (
    Attempt,
    ChecksRecord,
    FirstAnswer,
    RecordError,
    ReflectionRecord,
    ResponseFileError,
    RolePlayRecord,
    SortingCheck,
    SortingRecord,
    Step,
    new_seed,
    now,
    parse_record,
    store,
)
from .scenario import Scenario, ScenarioError, engine, load


def _roleplay_record(activity: str) -> tuple[RolePlayRecord | None, str]:
    """The learner's role-play record, typed, or None and why nothing can be graded from it."""
    try:
        record = store().record(activity, RolePlayRecord)
    except RecordError as exc:  # a record of another kind, or one that does not validate
        return None, str(exc)
    except ResponseFileError as exc:
        return None, f"{exc}; nothing could be graded from it"
    if record is None:
        return None, ui("grade_no_roleplay")
    return record, ""


def roleplay_verdict(scenario_file: str | Path, activity: str = "roleplay") -> engine.Verdict:
    """Re-check the learner's graded attempt against the scenario graph (see `record_verdict`)."""
    scenario = load(scenario_file)
    record, problem = _roleplay_record(activity)
    if record is None:
        return engine.Verdict(False, False, 0, engine.best_score(scenario), problem)
    return record_verdict(scenario, record, activity)


#: What the grader says of a transcript recorded on an older version that the current one cannot replay.
OLDER_VERSION = ("recorded on an older version (v{old}) of this role-play, which is now v{new}: its path cannot be "
                 "replayed on the current version, so it was not scored; this is not a sign of cheating, and the "
                 "instructor will review it by hand")


def record_verdict(scenario: Scenario, record: dict | RolePlayRecord, activity: str = "roleplay") -> engine.Verdict:
    """Re-check one role-play record: its first attempt *started* (attempts[0]), scored by the engine's rule.

    Later attempts are practice and never count. An unfinished first attempt is scored as far as it
    went, with no ending credit (the engine's rule 3: at most half of the best score). A record that
    does not validate as a `RolePlayRecord` earns 0, with the reason.

    The scenario's `version` is recorded with the transcript. A transcript recorded on another
    version is replayed on the current one: if its path is still possible it is graded as usual
    (the message says which version it was played on); if not, the verdict has status
    "older-version", earns 0 and says so plainly for the instructor to review, never that the
    path was forged.
    """
    best = engine.best_score(scenario)
    if not isinstance(record, RolePlayRecord):
        try:
            record = parse_record(activity, record, RolePlayRecord)
        except RecordError as exc:
            return engine.Verdict(False, False, 0, best, str(exc))
    if record.scenario != scenario.id:
        return engine.Verdict(False, False, 0, best,
                              f"the recorded role-play is {record.scenario!r}, not {scenario.id!r}")
    attempt = record.graded
    if attempt is None or not attempt.steps:
        return engine.Verdict(False, False, 0, best, ui("grade_no_roleplay"))
    verdict = engine.replay(scenario, [_step(s) for s in attempt.steps])
    version = attempt.version if attempt.version is not None else record.version
    if version is None or version == scenario.version:
        return verdict
    if verdict.valid:
        return replace(verdict, message=f"{verdict.message} (played on version {version}, graded on version "
                                        f"{scenario.version})")
    return engine.Verdict(False, False, 0, best, OLDER_VERSION.format(old=version, new=scenario.version),
                          status="older-version")


def _step(step: Step) -> dict:
    return {"node": step.node, "choice": step.choice}


def _skipped(what: str, points: float) -> str:
    """What every grading function prints for an item the learner skipped for wellbeing, in the language in force
    (`grade_skipped` of ui.<lang>.yaml, like the other `grade_` lines)."""
    return ui("grade_skipped", what=what, points=f"{points:g}")


def _points(points: float, earned: float) -> str:
    return ui("grade_points", earned=f"{earned:g}", points=f"{points:g}")


def _roleplay_message(verdict: engine.Verdict) -> str:
    """The verdict in the language in force: finished or unfinished runs are said in it, other (rare) problems
    keep the engine's words."""
    walk = verdict.walk
    if current_lang() == "en" or walk is None or not verdict.valid:
        return verdict.message
    limited = bool(walk.limit) and walk.earned > walk.score
    if not verdict.complete:
        return ui("grade_roleplay_unfinished", score=walk.score, best=verdict.best)
    title = walk.scenario.nodes[walk.node].ending.title
    return ui("grade_roleplay_finished_limited" if limited else "grade_roleplay_finished", title=title,
              score=walk.score, best=verdict.best, earned=walk.earned)


def roleplay_points(scenario_file: str | Path, points: float, activity: str = "roleplay") -> float:
    """Points for the role-play: its graded (first) run's score as a share of the best score, times `points`.

    An item the learner skipped for wellbeing earns 0 and says so; the instructor's totals leave it out.
    """
    if is_excused(f"roleplay:{activity}"):
        print(_skipped(ui("grade_roleplay"), points))
        return 0.0
    try:
        verdict = roleplay_verdict(scenario_file, activity)
    except ScenarioError as exc:
        print(f"{ui('grade_roleplay_broken')}\n{exc}")
        return 0.0
    earned = round(points * verdict.fraction, 2)
    print(f"{ui('grade_roleplay')}: {_roleplay_message(verdict)}. {_points(points, earned)}")
    return earned


def _preferred(kind: str) -> str:
    """The file a check set or exercise is first looked for in: checks.es.yaml in Spanish, else checks.yaml."""
    lang = current_lang()
    name = f"{kind}.{lang}.yaml" if lang != "en" else f"{kind}.yaml"
    return name if lang == "en" or (Path.cwd() / name).is_file() else f"{kind}.yaml"


def _find(kind: str, activity: str, preferred: str):
    """The check set or sorting exercise of `activity` in the folder being graded (for question numbers and the
    texts that explanations name), or None: `preferred` first, then any other YAML file there."""
    loader = load_checks if kind == "checks" else load_exercise
    folder = Path.cwd()
    candidates = [folder / preferred, *sorted(p for p in folder.glob("*.yaml") if p.name != preferred)]
    for path in candidates:
        if not path.is_file():
            continue
        try:
            found = loader(path)
        except Exception:  # noqa: BLE001 - any other file (a scenario, a damaged file): not this one
            continue
        if found.activity == activity:
            return found
    return None


#: The metadata that marks a grading cell's output as written for the learner's feedback: the feedback keeps it
#: even from a hidden test, whose other output it removes (grading/preprocessors.py).
FEEDBACK_METADATA = {"pathways": {"feedback": True}}


def _feedback(lines: list[str]) -> None:
    """Explanations for the learner's feedback: in a kernel (nbgrader's autograder), a display output marked
    with FEEDBACK_METADATA, which the feedback keeps although the cell is a hidden test; elsewhere, printed."""
    text = "\n".join(lines)
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:  # pragma: no cover - IPython comes with every Jupyter install
        shell = None
    if shell is not None and getattr(shell, "kernel", None) is not None:
        from IPython.display import publish_display_data

        publish_display_data({"text/plain": text}, metadata=FEEDBACK_METADATA)
    else:
        print(text)


def _file_key(checks, question: str):
    """The key of a question in a formative check set, or None (no set, a hidden-key set, no such question)."""
    if checks is None or not checks.formative:
        return None
    try:
        return checks.question(question).answer
    except KeyError:
        return None


def _question_label(question: str, number: int | None, checks) -> str:
    """"Question 2": the number given, else the question's place in the check set, else its id."""
    if number is None and checks is not None:
        try:
            number = checks.number(question)
        except ValueError:
            number = None
    return f"{ui('question')} {number if number is not None else question}"


def check_points(question: str, expected: str | list[str] | None = None, points: float = 1, activity: str = "checks",
                 explanations: dict[str, str] | None = None, number: int | None = None) -> float:
    """Points for one knowledge check: all of `points` if the graded answer equals the key.

    The key is `expected` (a hidden-key file: the key lives only in this hidden test), else the question's
    `answer:` in the formative check set of the folder being graded (the released file, which the grader's
    copy of the lesson holds). The graded answer is the learner's first checked one (`first`), else, when
    they never pressed "Check answer" (or in an old record), the saved one. Later changes never count.
    `explanations` ({option id: text}; a formative file's own when the key is the file's) are printed after the
    points line, for the learner's feedback. The question is named "Question N": `number`, else its place in the
    check set of the folder, else its id.
    """
    needs_file = number is None or explanations or expected is None
    checks = _find("checks", activity, _preferred("checks")) if needs_file else None
    label = _question_label(question, number, checks)
    if expected is None:
        expected = _file_key(checks, question)
        if expected is None:
            print(f"{label}: {ui('grade_no_key')}. {_points(points, 0)}")
            return 0.0
        explanations = explanations or {o.id: o.explanation for o in checks.question(question).options}
    if is_excused(f"check:{activity}:{question}"):
        print(_skipped(label, points))
        return 0.0
    answer, how, problem = None, "", ""
    try:
        record = store().record(activity, ChecksRecord)
    except ResponseFileError as exc:
        record, problem = None, (str(exc) if isinstance(exc, RecordError) else f"{exc}; nothing could be graded "
                                 "from it")
    if record is not None:
        first = record.first.get(question)
        answer = first.answer if first is not None else record.answers.get(question)
        how = ui("grade_first_answer") if first is not None else ui("grade_saved_answer")
    if answer is None:
        print(f"{label}: {problem or ui('grade_no_answer')}. {_points(points, 0)}")
        return 0.0
    want = sorted(expected) if isinstance(expected, list) else expected
    got = sorted(answer) if isinstance(answer, list) else answer
    earned = float(points) if got == want else 0.0
    print(f"{label}: {how}. {_points(points, earned)}")
    if explanations:
        texts = {}
        if checks is not None:
            try:
                texts = {o.id: plain(o.text) for o in checks.question(question).options}
            except KeyError:
                texts = {}
        chosen = set(answer) if isinstance(answer, list) else {answer}
        lines = [f"{label}: {ui('grade_why_options')}"]
        for oid, text in explanations.items():
            name = f'"{texts[oid]}"' if oid in texts else f"{ui('grade_option')} {oid}"
            mine = f" ({ui('grade_your_answer')})" if oid in chosen else ""
            lines.append(f"- {name}{mine}: {plain(text)}")
        _feedback(lines)
    return earned


def sorting_points(activity: str, key: dict[str, str] | None = None, points: float = 1,
                   explanations: dict[str, str] | None = None) -> float:
    """Points for a sorting exercise: the share of items placed as in the key, times `points`.

    The key is `key` (a hidden-key file: the key lives only in this hidden test), else the items' `category:`
    in the formative exercise file of the folder being graded. Graded: the placements at the learner's first
    "Check my sorting" (`checked`), else, when they never pressed it (or in an old record), the saved ones.
    `explanations` ({item id: text}; a formative file's own when the key is the file's) are printed after the
    points line, for the learner's feedback.
    """
    exercise = _find("sorting", activity, _preferred("sorting")) if key is None or explanations else None
    if key is None:
        key = exercise.key if exercise is not None and exercise.formative else {}
        if not key:
            print(f"{ui('grade_sorting')}: {ui('grade_no_key')}. {_points(points, 0)}")
            return 0.0
        explanations = explanations or {i.id: i.explanation for i in exercise.items}
    if is_excused(f"sorting:{activity}"):
        print(_skipped(ui("grade_sorting"), points))
        return 0.0
    try:
        record = store().record(activity, SortingRecord)
    except ResponseFileError as exc:
        record = None
        problem = str(exc) if isinstance(exc, RecordError) else f"{exc}; nothing could be graded from it"
    else:
        problem = ui("grade_no_answer")
    if record is None:
        print(f"{ui('grade_sorting')}: {problem}. {_points(points, 0)}")
        return 0.0
    placements = record.graded
    right, total = sorting_score(placements, key)
    earned = round(points * right / total, 2) if total else 0.0
    when = ui("grade_sorting_first" if record.checked is not None else "grade_sorting_saved")
    print(f"{ui('grade_sorting')}: {ui('grade_items_placed', count=len(placements), when=when)}. "
          f"{_points(points, earned)}")
    if explanations:
        texts = {i.id: plain(i.text) for i in exercise.items} if exercise else {}
        labels = {c.id: plain(c.label) for c in exercise.categories} if exercise else {}
        lines = [f"{ui('grade_sorting')}: {ui('grade_why_items')}"]
        for item, text in explanations.items():
            name = f'"{texts[item]}"' if item in texts else item
            placed = placements.get(item)
            where = f" ({ui('you_placed', category=labels.get(placed, placed))})" if placed else \
                f" {ui('not_placed')}"
            lines.append(f"- {name}{where}: {plain(text)}")
        _feedback(lines)
    return earned


def reflection_text(activity: str) -> str:
    """The learner's saved reflection text, or '' if none."""
    try:
        record = store().record(activity, ReflectionRecord)
    except ResponseFileError:  # a damaged file, or a record that is not a valid reflection (RecordError)
        return ""
    return record.text if record is not None else ""


# --- model answers, called only from solution regions of source notebooks -------------------------

def model_roleplay(scenario_file: str | Path, activity: str = "roleplay") -> None:
    """Record the best walk through the scenario as the first run, in memory only (never on disk)."""
    walk = engine.best_walk(load(scenario_file))
    scenario = walk.scenario
    attempt = Attempt(started=now(), version=scenario.version, finished=True,
                      steps=[Step(node=s.node, choice=s.choice, at="") for s in walk.steps])
    store().put(activity, RolePlayRecord(scenario=scenario.id, version=scenario.version, seed=new_seed(),
                                         attempts=[attempt]), persist=False)


def model_checks(answers: dict[str, str | list[str]], activity: str = "checks") -> None:
    """Record the model answers of the knowledge checks as first checked answers, in memory only."""
    record = ChecksRecord(seed=new_seed(), answers=dict(answers),
                          first={qid: FirstAnswer(answer=answer, at=now()) for qid, answer in answers.items()})
    store().put(activity, record, persist=False)


def model_sorting(key: dict[str, str], activity: str) -> None:
    """Record the model placements of a sorting exercise as its first check, in memory only."""
    record = SortingRecord(seed=new_seed(), placements=dict(key), checked=SortingCheck(placements=dict(key), at=now()))
    store().put(activity, record, persist=False)


def model_reflection(text: str, activity: str) -> None:
    """Record a model reflection, in memory only."""
    store().put(activity, ReflectionRecord(text=text), persist=False)
