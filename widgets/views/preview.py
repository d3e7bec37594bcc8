"""The author's preview: pick a scenario file, see its problems, play it at once, and list every path.

A thin view over pathways.scenario (check), pathways.authoring (files, paths, diagram) and the
role-play widget. It is for authors, not learners: nothing is saved (answers stay in memory),
and it lives outside lessons/ (grading/preview.ipynb), so nbgrader never hands it out.
"""

from __future__ import annotations

import html
import tempfile
from pathlib import Path

import ipywidgets as w

from .. import authoring, config
from ..activities.responses import store
from ..scenario import translation
from ..scenario.analysis import analyse
from ..scenario.problems import ScenarioError
from ..scenario.source import read_text
from .common import root
from .roleplay import RolePlay

#: The preview's role-play is recorded (in memory only) under this activity name.
PREVIEW_ACTIVITY = "preview"
OUTCOME_CLASS = {"hopeful": "pw-honours", "open": "", "concerning": "pw-breaks"}


class Preview:
    """Plays any scenario file for its author; `.widget` is what the notebook displays."""

    def __init__(self, lessons: str | Path | None = None):
        # An author's test runs are never recorded: not in responses.json, not anywhere (and `pathways preview`
        # serves this with answers kept in memory).
        store().persist = False
        self.lessons = Path(lessons or config.current().lessons)
        self.files = authoring.scenario_files(self.lessons) + authoring.translation_files(self.lessons)
        options = [(str(p.relative_to(self.lessons)), str(p)) for p in self.files]
        self.picker = w.Dropdown(options=options, value=options[0][1] if options else None,
                                 description="Scenario", style={"description_width": "initial"},
                                 layout=w.Layout(width="auto"))
        self.path_box = w.Text(placeholder="or type the path of a .yaml file, then press Enter",
                               description="Other file", style={"description_width": "initial"},
                               continuous_update=False, layout=w.Layout(width="100%"))
        self.play_button = w.Button(description="Play it again from the start", icon="play",
                                    tooltip="Reload the file (after an edit) and start from the beginning",
                                    layout=w.Layout(width="auto"))
        self.paths_button = w.Button(description="Show all paths", icon="list",
                                     tooltip="A table of every path through the scenario, its score and ending",
                                     layout=w.Layout(width="auto"))
        self.diagram_button = w.Button(description="Show the diagram", icon="sitemap",
                                       tooltip="Draw the scenario's graph (as `pathways graph` does)",
                                       layout=w.Layout(width="auto"))
        self.report = w.HTML("")
        self.stage = w.VBox([])
        self.paths = w.HTML("")
        self.diagram = w.Image(format="png", layout=w.Layout(display="none", max_width="100%"))
        self.path: Path | None = None
        self.scenario = None
        self.roleplay: RolePlay | None = None
        self.picker.observe(lambda change: self.open(change["new"]), names="value")
        self.path_box.observe(lambda change: self.open(change["new"]), names="value")
        self.play_button.on_click(lambda _b: self.open(self.path) if self.path else None)
        self.paths_button.on_click(lambda _b: self.show_paths())
        self.diagram_button.on_click(lambda _b: self.show_diagram())
        intro = w.HTML("<h3>Scenario preview</h3><p>Pick a scenario (or a translation), play it at once, and "
                       "list every path with its score and ending. Nothing you choose here is saved. After "
                       "editing the file, press <em>Play it again</em> to reload it.</p>")
        buttons = w.HBox([self.play_button, self.paths_button, self.diagram_button])
        self.widget = root([intro, self.picker, self.path_box, buttons, self.report, self.stage, self.paths,
                            self.diagram], "preview")
        if self.picker.value:
            self.open(self.picker.value)

    # --- actions (also called by tests, as clicks would) -----------------------------------------------
    def resolve(self, name: str | Path) -> Path:
        """A typed path, looked for here, beside the lessons folder, then inside it."""
        path = Path(str(name).strip()).expanduser()
        if path.is_absolute() or path.exists():
            return path
        for base in (self.lessons.parent, self.lessons):
            if (base / path).exists():
                return base / path
        return path

    def open(self, name: str | Path | None) -> None:
        """Check a scenario (or translation) file, show its problems, and start playing it if it has no error."""
        if not name:
            return
        path = self.resolve(name)
        self.path, self.scenario, self.roleplay = path, None, None
        self.stage.children, self.paths.value = [], ""
        self.diagram.layout.display = "none"
        kind = authoring.file_kind(path) if path.exists() else "scenario"
        if kind == "translation":
            problems = translation.check_translation_file(path)
            scenario = None if any(p.severity == "error" for p in problems) else translation.load_translated(path)
        else:
            try:
                checked = analyse(read_text(path), str(path))
                problems, scenario = checked.problems, (None if checked.errors else checked.scenario)
            except ScenarioError as exc:  # unreadable file
                problems, scenario = exc.problems, None
        self.report.value = problems_html(path, problems)
        if scenario is None:
            return
        self.scenario = scenario
        # Opening a file (again) starts a new run: the last one's record is forgotten, or the role-play would
        # resume it as a learner's graded run resumes.
        store().memory.pop(PREVIEW_ACTIVITY, None)
        # Widget strings follow the scenario's language (Spanish buttons for a Spanish translation), for this
        # widget only: the author's process keeps its own language.
        with config.using(lang=self.scenario.language):
            self.roleplay = RolePlay(self.scenario, activity=PREVIEW_ACTIVITY)
        self.stage.children = [self.roleplay.widget]

    def show_paths(self) -> None:
        """Fill the table of every path (as grading counts them) with its score and ending."""
        if self.scenario is None:
            self.paths.value = "<p>Fix the errors above first: a scenario with errors has no paths to show.</p>"
            return
        self.paths.value = paths_html(authoring.path_rows(self.scenario))

    def show_diagram(self) -> None:
        """Draw the scenario's diagram below the table."""
        if self.scenario is None:
            return
        with tempfile.TemporaryDirectory() as tmp:
            png = authoring.draw(self.scenario, Path(tmp) / "diagram.png")
            self.diagram.value = png.read_bytes()
        self.diagram.layout.display = "block"


def problems_html(path: Path, problems: list) -> str:
    """The check's verdict on a file: OK, or every problem with its line and how to fix it."""
    e = html.escape
    errors = [p for p in problems if p.severity == "error"]
    if not problems:
        return f'<p class="pw-status" role="status">&#10003; {e(path.name)}: no problems found.</p>'
    head = (f"{len(errors)} error(s): fix them before the scenario can be played." if errors
            else "No errors; some advice on wording:")
    items = "".join(f'<li class="{"pw-breaks" if p.severity == "error" else ""}"><strong>'
                    f'{"line " + str(p.line) if p.line else "file"}</strong> ({e(p.severity)}): {e(p.message)}'
                    f'{" <code>" + e(p.path) + "</code>" if p.path else ""}</li>' for p in problems)
    return f'<div role="status"><p><strong>{e(path.name)}</strong>: {e(head)}</p><ul>{items}</ul></div>'


def paths_html(rows: list[authoring.PathRow]) -> str:
    """Every path as an HTML table: number, choices taken, score of best, and ending."""
    e = html.escape
    if not rows:
        return "<p>No complete path.</p>"
    endings = sorted({r.title for r in rows})
    lines = []
    for r in rows:
        route = " &rarr; ".join(f'<span title="{e(text)}">{e(cid)}</span>' for _n, cid, text in r.choices)
        outcome = OUTCOME_CLASS.get(r.outcome, "")
        kept = (f"{r.score} / {r.best}" + (f'<br><small>{r.earned} earned; {e(r.limit)}</small>'
                                           if r.limit and r.earned > r.score else ""))
        lines.append(f'<tr><td>{r.number}</td><td>{route}</td><td>{kept}</td>'
                     f'<td class="{outcome}">{e(r.title)} ({e(r.outcome)})</td></tr>')
    body = "".join(lines)
    return (f"<p><strong>{len(rows)} paths</strong>; best score {rows[0].best}; "
            f"{len(endings)} different endings reached. Hover a choice to read it.</p>"
            "<p>Scores follow the scoring rule (lessons/AUTHORING.md, section 6): a misstep earns nothing; a "
            "concerning ending, a hopeful one reached after two missteps, or an unfinished play keeps at most "
            "half of the best score.</p>"
            '<table class="pw-paths"><thead><tr><th scope="col">#</th><th scope="col">Choices taken</th>'
            '<th scope="col">Score</th><th scope="col">Ending</th></tr></thead>'
            f"<tbody>{body}</tbody></table>")


def preview(lessons: str | Path | None = None) -> w.VBox:
    """The preview widget over every scenario under `lessons` (default: the lessons folder in force)."""
    return Preview(lessons or config.current().lessons).widget
