"""The class report: where the class did well and where it went wrong, as one HTML page.

For each lesson: the distribution of scores, the share of the class getting each knowledge check
right, and for every moment of every role-play the share of the class taking each choice (what
the debrief is about). Figures are PNGs drawn with matplotlib (report_figures.py), embedded in the page
(so it can be e-mailed as one file) and also written beside it. Figures never show names; the table of
flagged hand-ins names student ids, because the instructor has to act on them.

Items a learner skipped for wellbeing are left out: each lesson's table of totals gives nbgrader's raw total
and maximum beside the adjusted ones and the number of skipped items (never which, never why), and the share
of the class with full marks on an item counts only the learners who did not skip it.

`gather` reads the course into plain dataclasses (`ClassReport`); `render` turns them into the page through
the Jinja2 template `templates/report.html.j2`, with autoescape on: everything a learner or an instructor
typed (names, ids, flags, file names) reaches the page escaped. `build_report` does both and writes the files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook
from pathways.activities import testcells
from pathways.files import RESPONSES_FILE

from ..course import CourseFolder
from ..evidence.evaluation.section import section as evaluation_section
from . import excusal_totals, gradebook, report_figures
from .excusal_totals import Adjusted
from .ledger import Ledger
from .report_figures import Chart
from .report_names import activity_names as _activity_names
from .report_names import title as _title
from .templates import environment


@dataclass
class Summary:
    """A lesson's headline numbers."""

    graded: int
    failed: int
    mean: float  # nbgrader's raw total
    max_score: float
    adjusted_percent: float  # mean share of each learner's adjusted maximum, in %
    skipping: int  # learners who skipped at least one item for wellbeing
    awaiting: int = 0  # reflections awaiting grading


@dataclass
class Choice:
    """One choice of a role-play moment and how many of the class took it."""

    moment: str
    text: str
    honours: bool
    principle: str
    students: int
    percent: float  # of the learners who reached the moment


@dataclass
class Roleplay:
    """A role-play of a lesson: its chart and every choice, or why its file could not be read."""

    file: str
    problem: str | None = None
    chart: Chart | None = None
    choices: list[Choice] = field(default_factory=list)


@dataclass
class LessonPart:
    """What the page says about one lesson."""

    lesson: str
    title: str = ""  # the lesson's title, in words
    empty: bool = False  # nothing graded nor failed yet
    summary: Summary | None = None
    scores_chart: Chart | None = None
    totals: list[tuple[str, Adjusted]] = field(default_factory=list)  # (student id, totals), by id
    checks_chart: Chart | None = None
    roleplays: list[Roleplay] = field(default_factory=list)

    @property
    def skipping(self) -> int:
        return sum(1 for _sid, a in self.totals if a.excused)

    @property
    def charts(self) -> list[Chart]:
        found = [self.scores_chart, self.checks_chart] + [rp.chart for rp in self.roleplays]
        return [c for c in found if c is not None]


@dataclass
class Flagged:
    """A hand-in the instructor should look at, with the reasons."""

    sid: str
    lesson: str
    graded: bool
    reasons: list[str]


@dataclass
class Unassigned:
    """A hand-in set aside because its label fits several learners."""

    lesson: str
    label: str
    candidates: list[str]
    archive: str


@dataclass
class StudentRow:
    """A line of the named table: a learner and their totals, one per lesson (None: nothing graded)."""

    sid: str
    name: str
    totals: list[Adjusted | None]


@dataclass
class LastRun:
    """What the last grading run recorded about itself."""

    when: str = ""
    isolation: str = ""
    warnings: list[str] = field(default_factory=list)


@dataclass
class ClassReport:
    """Everything the page shows, as plain data."""

    lessons: list[str]
    parts: list[LessonPart]
    flagged: list[Flagged]
    unassigned: list[Unassigned]
    titles: dict[str, str] = field(default_factory=dict)  # lesson -> its title
    names: bool = False
    students: list[StudentRow] = field(default_factory=list)  # only when names
    last: LastRun | None = None
    evaluation: object | None = None  # the course evaluation's section (evidence/evaluation/section.py), if any

    @property
    def charts(self) -> list[Chart]:
        return [chart for part in self.parts for chart in part.charts] + \
            (self.evaluation.charts if self.evaluation else [])


def lesson_structure(url: str, lesson: str) -> dict:
    """What each grade cell of a lesson grades: {'graded': {cell: its first grader call (a registered kind's,
    `pathways.activities.testcells.Call`)}, 'other': [code grade cells that call no grader]}."""
    graded, other = {}, []
    with Gradebook(url) as gb:
        for nb in gb.find_assignment(lesson).notebooks:
            sources = {c.name: c.source for c in nb.source_cells}
            for cell in nb.grade_cells:
                calls = testcells.graded_calls(sources.get(cell.name, ""))
                if calls:
                    graded[cell.name] = calls[0]
                elif cell.cell_type == "code":
                    other.append(cell.name)
    return {"graded": graded, "other": other}


def roleplay_choices(root: Path, ledger: Ledger, lesson: str, activity: str, scenario_file: Path):
    """Count, over the graded class, each choice taken at each node (the graded attempt, when valid)."""
    from pathways.activities.responses import ResponseFileError, read_file
    from pathways.activities.roleplay import choice_counts
    from pathways.scenario import load

    scenario = load(scenario_file)
    records = []
    for sid, les, sub in ledger.entries():
        if les != lesson or sub.status != "graded":
            continue
        try:
            records.append(read_file(CourseFolder(root).handed_in(sid, lesson) / RESPONSES_FILE).get(activity))
        except (ResponseFileError, OSError):
            continue
    counts, walkers = choice_counts(scenario, records, activity)
    return scenario, counts, walkers


def gather(root: Path, url: str, lessons: list[str], names: bool = False) -> ClassReport:
    """Everything the report shows, figures drawn (as PNG bytes), nothing written."""
    ledger = Ledger.load(root)
    table = gradebook.scores(url)
    titles = {les: _title(root, les) for les in lessons}
    report = ClassReport(lessons=list(lessons), parts=[_lesson_part(root, url, ledger, table, les) for les in lessons],
                         titles=titles,
                         flagged=[Flagged(sid, les, sub.status != "failed", list(sub.flags))
                                  for sid, les, sub in ledger.entries() if sub.flags or sub.status == "failed"],
                         unassigned=[Unassigned(r["lesson"], r["label"], list(r["candidates"]), r["archive"])
                                     for r in ledger.unassigned],
                         names=names)
    for part in report.parts:
        part.title = titles[part.lesson]
    report.evaluation = evaluation_section(root, titles)  # None when no learner took part
    if names:
        totals = excusal_totals.adjusted_scores(url, root, table)
        report.students = [StudentRow(sid, ledger.name(sid), [totals.get((sid, les)) for les in lessons])
                           for sid in sorted(ledger.students)]
    last_file = CourseFolder(root).last_grade
    if last_file.exists():
        last = json.loads(last_file.read_text())
        if last:
            report.last = LastRun(last.get("when", ""), last.get("isolation", ""), list(last.get("warnings", [])))
    return report


def _lesson_part(root: Path, url: str, ledger: Ledger, table: dict, lesson: str) -> LessonPart:
    """One lesson's summary, totals and charts."""
    graded = {sid: v for (sid, les), v in table.items() if les == lesson
              and (ledger.get(sid, les) is None or ledger.get(sid, les).status == "graded")}
    failed = [sid for sid, les, sub in ledger.entries() if les == lesson and sub.status == "failed"]
    part = LessonPart(lesson)
    if not graded and not failed:
        part.empty = True
        return part
    items_of = excusal_totals.cell_items(url, lesson, CourseFolder(root).released(lesson))
    read = {sid: _excusals(root, sid, lesson) for sid in graded}
    adjusted = {sid: excusal_totals.adjust(v, items_of, *read[sid]) for sid, v in graded.items()}
    part.totals = sorted(adjusted.items())
    if scores := [v["score"] for v in graded.values()]:
        max_score = max(v["max"] for v in graded.values())
        kept = [a.score / a.max for a in adjusted.values() if a.max]
        part.summary = Summary(len(scores), len(failed), sum(scores) / len(scores), max_score,
                               100 * sum(kept) / len(kept) if kept else 0, part.skipping,
                               sum(a.pending for a in adjusted.values()))
        part.scores_chart = Chart(f"{lesson}-scores", f"{_title(root, lesson)}: distribution of points of "
                                  f"{len(scores)} graded learners", report_figures.scores(scores, max_score, lesson))
    structure = lesson_structure(url, lesson)
    excused = {sid: set(items) for sid, (items, _problem) in read.items()}
    names = _activity_names(root, lesson, items_of, structure)
    part.checks_chart = _checks_chart(root, lesson, structure, graded, items_of, excused, names)
    part.roleplays = [_roleplay(root, ledger, lesson, call.activity, str(call.file))
                      for call in structure["graded"].values() if call.kind.report and
                      call.kind.report.section == "roleplay"]
    return part


def _checks_chart(root: Path, lesson: str, structure: dict, graded: dict, items_of: dict,
                  excused: dict[str, set], names: dict[str, str]) -> Chart | None:
    """The share of the class with full marks on each question of a kind charted per question (knowledge checks),
    then on each other activity (None: nothing to show). Each kind names its rows (`Kind.report`)."""
    release = CourseFolder(root).released(lesson)
    calls = structure["graded"]
    per_question = [cell for cell, call in calls.items() if call.kind.report and call.kind.report.per_question]
    labels, shares = [], []
    for cell in per_question:
        if pairs := _not_skipped(cell, graded, items_of, excused):
            call = calls[cell]
            labels.append(report_figures.short(call.kind.report.label(release, call), 70))
            shares.append(_full_share(pairs))
    whole = [cell for cell in structure["other"] if cell not in calls] + \
        [cell for cell in calls if cell not in per_question]
    for cell in whole:
        if pairs := _not_skipped(cell, graded, items_of, excused):
            labels.append(f"{names.get(cell, 'another activity')}, full marks")
            shares.append(_full_share(pairs))
    if not labels:
        return None
    return Chart(f"{lesson}-checks", f"{_title(root, lesson)}: share of the class with full marks on each activity",
                 report_figures.checks(labels, shares, lesson))


def _roleplay(root: Path, ledger: Ledger, lesson: str, activity: str, scenario_file: str) -> Roleplay:
    """A role-play's chart and table of choices, or why its scenario could not be read."""
    from pathways.scenario import ScenarioError

    try:
        scenario, counts, walkers = roleplay_choices(root, ledger, lesson, activity,
                                                     CourseFolder(root).released(lesson) / scenario_file)
    except (ScenarioError, OSError) as exc:
        return Roleplay(scenario_file, problem=str(exc))
    chart = Chart(f"{lesson}-roleplay-{scenario.id}",
                  f"{_title(root, lesson)}: role-play '{scenario.title}', share of the class taking each choice at "
                  "each moment "
                  f"({walkers} valid transcripts)", report_figures.roleplay(scenario, counts, walkers))
    from pathways.principles import principles

    names, choices = principles(), []
    for nid, node in scenario.nodes.items():
        total = sum(counts[nid].values())
        moment = report_figures.short(node.text, 90)  # the moment in the story's words, not its id
        choices += [Choice(moment, c.text, bool(c.feedback.honours),
                           names[c.feedback.principle].name if c.feedback.principle in names else c.feedback.principle,
                           counts[nid][c.id], 100 * counts[nid][c.id] / total if total else 0.0)
                    for c in node.choices]
    return Roleplay(scenario_file, chart=chart, choices=choices)


def _excusals(root: Path, sid: str, lesson: str) -> tuple[dict, str | None]:
    from pathways.activities.excusal import excusals_in_file

    return excusals_in_file(CourseFolder(root).graded_responses(sid, lesson))


def _not_skipped(cell: str, graded: dict, items_of: dict, excused: dict[str, set]) -> list[tuple]:
    """(score, max) of a cell for every graded learner who did not skip what it grades for wellbeing."""
    items = items_of.get(cell)
    return [(v["cells"].get(cell), v["cell_max"].get(cell)) for sid, v in graded.items()
            if not (items and items <= excused.get(sid, set()))]


def _full_share(pairs: list[tuple]) -> float:
    return sum(1 for g, m in pairs if g is not None and m and g >= m) / len(pairs)



def render(report: ClassReport) -> str:
    """The page (autoescaped: see the module docstring)."""
    return environment().get_template("report.html.j2").render(
        report=report, honour=report_figures.HONOUR, break_=report_figures.BREAK)


def build_report(root: Path, url: str, out: Path, lessons: list[str], names: bool = False) -> Path:
    """Draw every figure, write them as PNGs beside `out`, and write the self-contained HTML page."""
    report = gather(root, url, lessons, names)
    figdir = out.parent / (out.stem + "-figures")
    figdir.mkdir(parents=True, exist_ok=True)
    for chart in report.charts:
        (figdir / f"{chart.name}.png").write_bytes(chart.png)
    if report.evaluation:
        report.evaluation.write_csv(CourseFolder(root).evaluation_csv)
    out.write_text(render(report), encoding="utf-8")
    return out
