"""A learner's feedback page for one lesson, in the course's own words and look (not a notebook dump).

Built from what the course already holds in typed form: the released lesson (its notebook says which activities
come in which order and under which heading; its YAML files hold the prompts, options, scenes and items), the
learner's graded response records (`autograded/<id>/<lesson>/responses.json`, read through
`pathways.activities.responses`) and the gradebook (points per grade cell, which ones await a grader, the grader's
comments). Explanations come from the lesson's file when it carries them (formative), else from the outputs the
grading functions marked for the learner's feedback in the autograded notebook
(`pathways.activities.common.FEEDBACK_METADATA`): never from a hidden test's code, and never a model answer
(feedback.py still checks every page against the hidden test lines).

Each activity is found by its view's call in the notebook (`pathways.activities.testcells.view_calls`) and shown
by its kind's report section (`Kind.report.section`: roleplay, check, sorting, reflection); a kind with no section
of its own shows its title and points.

The page is rendered by the Jinja2 template `templates/feedback.html.j2` with autoescape on: whatever a learner
wrote reaches the page escaped. It carries a Content-Security-Policy that forbids scripts and every request
outside the page; its CSS is inline and it loads nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from markupsafe import Markup
from pathways.activities import testcells
from pathways.activities.checks import load_checks
from pathways.activities.common import FEEDBACK_METADATA
from pathways.activities.responses import ResponseFileError, read_records
from pathways.activities.roleplay import record_verdict
from pathways.activities.sorting import load_exercise
from pathways.files import LESSON_NOTEBOOK
from pathways.i18n import current_lang, ui
from pathways.markdown import md, md_line, plain
from pathways.principles import principles
from pathways.scenario import ScenarioError, load

from .excusal_totals import Adjusted
from .templates import environment

_HEADING = re.compile(r"^#+\s*(.+)$", re.M)


@dataclass
class Part:
    """One activity as the learner sees it on the page."""

    kind: str  # the kind's report section (roleplay | check | sorting | reflection), else "" (points only)
    heading: str
    title: str = ""
    points: float | None = None
    max: float | None = None
    skipped: bool = False
    awaiting: bool = False
    prompt: Markup = Markup("")
    answer: str = ""  # what the learner wrote (a reflection): escaped by the template
    comment: str = ""  # the grader's comment (a reflection)
    options: list[tuple[Markup, bool, Markup]] = field(default_factory=list)  # (text, chosen, explanation)
    steps: list[dict] = field(default_factory=list)  # a role-play's scenes, each with the choice and feedback
    ending: str = ""
    placed: list[tuple[str, list[tuple[Markup, Markup]]]] = field(default_factory=list)  # (category, items)
    notes: list[str] = field(default_factory=list)  # explanations written for the feedback (plain text)
    missing: str = ""  # why nothing of this activity could be shown


@dataclass
class Page:
    """A learner's feedback on one lesson."""

    lesson: str
    title: str
    parts: list[Part]
    totals: Adjusted | None
    lang: str = "en"  # the course's language: the page's own words (ui.<lang>.yaml, fb_*) and the principles' names


def lesson_notebook(release: Path) -> Path:
    """A released lesson's notebook: `lesson.ipynb`, else the first there (a translation is not the lesson)."""
    main = release / LESSON_NOTEBOOK
    return main if main.is_file() else sorted(release.glob("*.ipynb"))[0]


def lesson_title(notebook: nbformat.NotebookNode, lesson: str) -> str:
    """The lesson's title: the first heading of its notebook ('Lesson 1 · Why don't they leave?')."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and (m := _HEADING.search(cell.source)):
            return m.group(1).strip()
    return lesson


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def prompt_html(text: str) -> Markup:
    """A task's markdown (a reflection's prompt and rubric) as HTML, its pipe tables as tables (the course's
    markdown has none); every cell and paragraph goes through pathways.markdown, which escapes first."""
    out = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [ln for ln in block.splitlines() if ln.strip()]
        if len(lines) >= 2 and all(ln.lstrip().startswith("|") for ln in lines) and set(lines[1]) <= set("|-: "):
            head = "".join(f"<th>{md_line(c)}</th>" for c in _cells(lines[0]))
            rows = "".join("<tr>" + "".join(f"<td>{md_line(c)}</td>" for c in _cells(ln)) + "</tr>"
                           for ln in lines[2:])
            out.append(f"<table><tr>{head}</tr>{rows}</table>")
        else:
            out.append(md(block))
    return Markup("".join(out))


def _marked_notes(autograded: Path | None) -> dict[str, list[str]]:
    """Per grade cell, the explanation lines its grading function wrote for the learner's feedback."""
    if autograded is None or not autograded.is_file():
        return {}
    notes: dict[str, list[str]] = {}
    for cell in nbformat.read(autograded, as_version=4).cells:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        for out in cell.get("outputs", []):
            if gid and out.get("metadata", {}).get("pathways") == FEEDBACK_METADATA["pathways"]:
                lines = str(out.get("data", {}).get("text/plain", "")).splitlines()
                notes.setdefault(gid, []).extend(line.removeprefix("- ") for line in lines[1:] if line.strip())
    return notes


def _note_for(text: str, notes: list[str]) -> str | None:
    """The explanation a grading function wrote for an option or item (its line starts with its text, quoted)."""
    quoted = f'"{plain(text)}"'
    for note in notes:
        if note.startswith(quoted):
            rest = note[len(quoted):]
            if rest.startswith(" (") and "): " in rest:  # ' (your answer): ...', ' (you placed it in: X): ...'
                return rest[rest.index("): ") + 3:]
            return rest.split(": ", 1)[1] if ": " in rest else rest
    return None


def _explained(text: str, own: str | None, notes: list[str]) -> Markup:
    """An option's or item's explanation: the lesson file's own, else the one written for the feedback."""
    if own:
        return Markup(md(own))
    found = _note_for(text, notes)
    return Markup(md(found)) if found else Markup("")


class _Builder:
    """Walks the released notebook and builds each activity's part (see the module docstring)."""

    def __init__(self, release: Path, records: dict, entry: dict, items_of: dict, excused: set, notes: dict,
                 lang: str):
        self.release, self.records, self.entry, self.excused, self.notes = release, records, entry, excused, notes
        self.lang = lang
        self.cell_of = {item: cell for cell, items in items_of.items() for item in items}
        self.task_prompt = Markup("")

    def _score(self, part: Part, item: str) -> Part:
        cell = self.cell_of.get(item)
        part.skipped = item in self.excused
        if cell is not None and cell in self.entry.get("cell_max", {}):
            part.max = self.entry["cell_max"][cell]
            part.awaiting = cell in self.entry.get("pending", [])
            part.points = None if part.awaiting else self.entry["cells"].get(cell)
            part.comment = self.entry.get("comments", {}).get(cell, "")
            part.notes = self.notes.get(cell, [])
        return part

    def parts(self, notebook: nbformat.NotebookNode) -> list[Part]:
        """Every activity of the lesson, in the order of the notebook."""
        out, heading = [], ""
        for cell in notebook.cells:
            if cell.cell_type == "markdown":
                if m := _HEADING.search(cell.source):
                    heading = m.group(1).strip()
                if cell.get("metadata", {}).get("nbgrader", {}).get("task"):
                    self.task_prompt = prompt_html(_HEADING.sub("", cell.source, count=1))
                continue
            for call in testcells.view_calls(cell.source):
                out.append(self._part(call, heading))
        return out

    def _part(self, call: testcells.Call, heading: str) -> Part:
        """One activity's part: its kind's report section (`Kind.report.section`), else points under its title."""
        section = call.kind.report.section if call.kind.report else ""
        build = {"roleplay": self._roleplay, "check": self._check, "sorting": self._sorting,
                 "reflection": self._reflection}.get(section)
        try:
            return build(call, heading) if build is not None else self._plain(call, heading)
        except (ScenarioError, OSError, KeyError, ValueError) as exc:
            return Part("missing", heading, missing=self.t("fb_not_shown", reason=exc.__class__.__name__))

    def _plain(self, call: testcells.Call, heading: str) -> Part:
        """A kind with no section of its own: its title and points (its activity from the call, else its file)."""
        part, activity = Part("", heading, title=call.kind.title), call.activity
        if activity is None and isinstance(call.file, str) and call.kind.files:
            activity = getattr(call.kind.files[0].load(self.release / call.file), "activity", None)
        question = call.question if call.kind.per_question else None
        if not isinstance(activity, str) or (call.kind.per_question and not isinstance(question, str)):
            return part
        return self._score(part, call.kind.item_name(activity, question))

    def t(self, key: str, **fields) -> str:
        """One of the page's own strings, in the course's language."""
        return ui(key, self.lang, **fields)

    def _roleplay(self, call: testcells.Call, heading: str) -> Part:
        activity = call.activity
        scenario = load(self.release / call.file)
        part = self._score(Part("roleplay", heading, title=scenario.title), call.kind.item_name(activity))
        record = self.records.get(activity)
        if part.skipped or record is None:
            part.missing = "" if part.skipped else self.t("fb_no_roleplay")
            return part
        verdict = record_verdict(scenario, record, activity)
        names = principles(self.lang)
        walk = verdict.walk
        for step in walk.steps if walk else []:
            node = scenario.nodes[step.node]
            choice = next(c for c in node.choices if c.id == step.choice)
            principle = names.get(choice.feedback.principle)
            part.steps.append({"speaker": node.speaker or "", "scene": Markup(md(node.text)),
                               "choice": Markup(md_line(choice.text)), "honours": choice.feedback.honours,
                               "reaction": Markup(md_line(choice.feedback.reaction)),
                               "principle": principle.name if principle else choice.feedback.principle,
                               "why": Markup(md_line(choice.feedback.why))})
        ending = scenario.nodes[walk.node].ending if walk and walk.node in scenario.nodes else None
        part.ending = ending.title if ending else ""
        part.missing = "" if verdict.valid else verdict.message
        return part

    def _check(self, call: testcells.Call, heading: str) -> Part:
        checks, qid = load_checks(self.release / call.file), call.question
        question = checks.question(qid)
        part = self._score(Part("check", heading, title=f"{self.t('question')} {checks.number(qid)}",
                                prompt=Markup(md(question.prompt))), call.kind.item_name(checks.activity, qid))
        record = self.records.get(checks.activity)
        answer = None
        if record is not None:
            first = record.first.get(qid)
            answer = first.answer if first is not None else record.answers.get(qid)
        chosen = set(answer) if isinstance(answer, list) else {answer}
        part.options = [(Markup(md_line(o.text)), o.id in chosen, _explained(o.text, o.explanation, part.notes))
                         for o in question.options]
        if all(why for _text, _chosen, why in part.options):
            part.notes = []  # every explanation sits beside its option
        if answer is None and not part.skipped:
            part.missing = self.t("fb_no_answer")
        return part

    def _sorting(self, call: testcells.Call, heading: str) -> Part:
        exercise = load_exercise(self.release / call.file)
        part = self._score(Part("sorting", heading, title=exercise.title, prompt=Markup(md(exercise.instructions))),
                           call.kind.item_name(exercise.activity))
        record = self.records.get(exercise.activity)
        placements = record.graded if record is not None else {}
        for category in exercise.categories:
            items = [(Markup(md_line(i.text)), _explained(i.text, i.explanation, part.notes))
                     for i in exercise.items if placements.get(i.id) == category.id]
            part.placed.append((category.label, items))
        unplaced = [i for i in exercise.items if i.id not in placements]
        if unplaced:
            part.placed.append((self.t("fb_not_placed"),
                                [(Markup(md_line(i.text)), _explained(i.text, i.explanation, part.notes))
                                 for i in unplaced]))
        if all(why for _label, items in part.placed for _text, why in items):
            part.notes = []
        if not placements and not part.skipped:
            part.missing = self.t("fb_no_sorting")
        return part

    def _reflection(self, call: testcells.Call, heading: str) -> Part:
        activity = call.activity
        part = self._score(Part("reflection", heading, prompt=self.task_prompt), call.kind.item_name(activity))
        record = self.records.get(activity)
        part.answer = record.text if record is not None else ""
        part.notes = []
        if not part.answer.strip() and not part.skipped:
            part.missing = self.t("fb_no_reflection")
        return part


def build(release: Path, responses: Path, autograded_nb: Path | None, entry: dict, items_of: dict,
          excused: set, totals: Adjusted | None, lesson: str) -> Page:
    """A learner's feedback page for a lesson, as data (see the module docstring)."""
    notebook = nbformat.read(lesson_notebook(release), as_version=4)
    try:
        records, _problems = read_records(responses)
    except ResponseFileError:
        records = {}
    lang = current_lang()
    builder = _Builder(release, records, entry, items_of, excused, _marked_notes(autograded_nb), lang)
    return Page(lesson, lesson_title(notebook, lesson), builder.parts(notebook), totals, lang)



def render(page: Page) -> str:
    """The page's HTML (autoescaped)."""
    return environment().get_template("feedback.html.j2").render(
        page=page, t=lambda key, **fields: ui(key, page.lang, **fields))
