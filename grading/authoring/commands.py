"""What `pathways check`, `graph`, `new-scenario`, `new-translation`, `schema` and `preview` do (their command
line is grading/cli.py): functions over pure functions (pathways.scenario, pathways.authoring, pathways.i18n) that the
tests call directly. Every message is meant for an instructor who does not program: it names the
file and line, says what is wrong and how to fix it.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from pathways import authoring, config, i18n
from pathways.activities import registry
from pathways.activities.checks import check_key_figures
from pathways.activities.modes import MODES
from pathways.checklist import checklist
from pathways.files import LESSON_NOTEBOOK
from pathways.principles import principles
from pathways.scenario import Problem, ScenarioError, json_schema
from pathways.scenario import load as load_scenario
from pathways.scenario.rules.assessment import scenario_figures

from .. import course
from ..evidence.evaluation import bank as evaluation_bank
from . import lesson

#: The published JSON Schema of the scenario format.
SCHEMA_FILE = course.LESSONS / "scenario.schema.json"
#: The preview notebook (not a lesson: lessons/ folders are nbgrader assignments).
PREVIEW = Path(__file__).resolve().parent / "preview.ipynb"
#: A preview's kernel whose page was closed is shut down after this many idle seconds (each visit starts one).
PREVIEW_CULL_SECONDS = 300
#: Voila's template for Pathways pages (no request to any other host), when the dashboards are installed.
VOILA_SHARE = Path(__file__).resolve().parent.parent / "delivery" / "dashboards" / "voila" / "share"


#: The lessons folder in force (the configured one, else the shipped lessons).
lessons_dir = course.lessons_dir


# --- check ----------------------------------------------------------------------------------------------


def check_one(path: str | Path) -> list[Problem]:
    """Every problem of one file: a scenario, a translation, a knowledge-check or a sorting-exercise file; or of a
    lesson folder: its files, and its notebook's references (lesson.folder_problems)."""
    path = Path(path)
    if not path.exists():
        return [Problem(str(path), None, "", "file not found; check the name and the folder")]
    if path.is_dir():
        problems = lesson.folder_problems(path)
        for file in authoring.yaml_files(path):
            if authoring.file_kind(file) != "other":
                problems += check_one(_near(file))
        return problems
    if evaluation_bank.is_bank(path):  # the course evaluation's item bank: the same key-shape rules
        return evaluation_bank.check_problems(path)
    located = authoring.file_format(authoring.file_kind(path))
    if located is None:
        names = ", ".join(f.name for k in registry.kinds() for f in k.files)
        return [Problem(str(path), 1, "", f"this is not a file of any activity kind ({names}; a scenario has 'id', "
                        "'start' and 'nodes')")]
    return located[1].check(path)


def file_mode(path: str | Path) -> str | None:
    """For a knowledge-check or sorting file that loads: its mode in words (formative or hidden-key), else None;
    for a lesson folder: the mode of each such file in it, by name."""
    path = Path(path)
    if path.is_dir():
        modes = [f"{p.name} {m}" for p in sorted(path.glob("*.yaml")) if (m := _mode(p))]
        return ", ".join(modes) or None
    mode = _mode(path)
    return MODES[mode] if mode else None


def _mode(path: Path) -> str | None:
    """The mode key (formative, hidden-key) of a file whose kind's format has modes and that loads, else None."""
    located = authoring.file_format(authoring.file_kind(path)) if path.is_file() else None
    if located is None or located[1].mode is None:
        return None
    try:
        return located[1].mode(path)
    except ScenarioError:
        return None


def default_files() -> list[Path]:
    """What `pathways check` checks with no file named: every lesson folder (its notebook's references and its
    files), then every scenario, translation, knowledge-check and sorting file under the lessons outside them."""
    folders = lesson.lesson_folders(lessons_dir())
    loose = [p for p in authoring.yaml_files(lessons_dir()) if authoring.file_kind(p) != "other"
             and p.parent not in folders]
    return [_near(p) for p in folders + loose]


def _near(path: Path) -> Path:
    """The path relative to the current folder when it is inside it (shorter messages)."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path


@dataclass
class Report:
    """What an author's command found: the lines to show, and the exit status (1 on any error)."""

    lines: list[str] = field(default_factory=list)
    status: int = 0

    @property
    def text(self) -> str:
        """The lines as one text."""
        return "\n".join(self.lines)


def check(paths: list[str | Path], strict: bool = False) -> Report:
    """Check files: every problem with its place, then a summary; status 1 on any error (or warning, if strict)."""
    files = [Path(p) for p in paths] or default_files()
    if not files:
        return Report([f"No scenario files found under {lessons_dir()}."], 1)
    report = Report()
    errors = warnings = 0
    for path in files:
        problems = check_one(path)
        errs = [p for p in problems if p.severity == "error"]
        errors += len(errs)
        warnings += len(problems) - len(errs)
        mode = file_mode(path)
        if not problems:
            report.lines.append(f"{path}{'/' * path.is_dir()}: OK" + (f" ({mode})" if mode else ""))
        elif mode:
            report.lines.append(f"{path}{'/' * path.is_dir()}: {mode}")
        report.lines += [str(problem) for problem in problems]
    folders = sum(path.is_dir() for path in files)
    parts = ([_count(folders, "lesson folder")] if folders else []) + \
        ([_count(len(files) - folders, "file")] if len(files) > folders or not folders else [])
    checked = " and ".join(parts)
    report.lines.append(f"\nChecked {checked}: {_count(errors, 'error')}, {_count(warnings, 'warning')}.")
    if errors:
        report.lines.append("Fix the errors above (each line says where and how), then run the check again. Some "
                            "advice (on scores and the order of choices) can only be given once a file has no "
                            "errors, so more warnings may follow.")
    report.status = 1 if errors or (strict and warnings) else 0
    return report


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'s' * (n != 1)}"


def _files_in(paths: list[Path]) -> list[Path]:
    """Paths with each lesson folder replaced by its scenario, translation, check and sorting files."""
    out: list[Path] = []
    for path in paths:
        out += [_near(p) for p in authoring.yaml_files(path) if authoring.file_kind(p) != "other"] \
            if path.is_dir() else [path]
    return out


def paths_report(path: str | Path) -> Report:
    """`pathways check --paths FILE`: for each moment, what every path to it has done, what only some have, and
    what none has, so that an author sees when a moment's text assumes something not true on every path."""
    path = Path(path)
    try:
        scenario = i18n.load_translated(path) if authoring.file_kind(path) == "translation" else load_scenario(path)
    except ScenarioError as exc:
        return Report([f"{path} has errors; fix them first (pathways check {path}):", str(exc)], 1)
    lines = textwrap.wrap(f"What the paths to each moment of {path} have done. A moment's text may state only "
                          "what every path to it has done (or not done): a choice listed under 'only some paths' "
                          "must not be taken for granted there.", 116) + [""]
    for r in authoring.reached(scenario):
        node = scenario.nodes[r.node]
        kind = f"{node.ending.outcome} ending" if node.ending else "moment"
        values = ", ".join(f"{v} {_range(vals)}" for v, vals in r.values.items())
        lines.append(f"{r.node} ({kind}; {_count(r.paths, 'path')} here{'; ' + values if values else ''})")
        for label, ids in (("every path here took", r.always), ("only some paths here took", r.sometimes),
                           ("no path here took", r.never)):
            if ids:
                lines += textwrap.wrap(", ".join(ids), 116, initial_indent=f"  {label}: ", break_on_hyphens=False,
                                       subsequent_indent=" " * (len(label) + 4))
        lines.append("")
    return Report(lines)


def _range(values: list[int]) -> str:
    """'2', '0 to 3' or '0, 2': a variable's values at a moment."""
    if len(values) == 1:
        return str(values[0])
    return f"{values[0]} to {values[-1]}" if values == list(range(values[0], values[-1] + 1)) else \
        ", ".join(map(str, values))


def list_tags() -> Report:
    """The principle ids and checklist ids a scenario may use."""
    lines = ["Principles (feedback: principle:)"]
    lines += [f"  {pid:16} {p.name} ({p.source})" for pid, p in principles().items()]
    lines.append("\nChecklist ids (checklist: and tags:)")
    lines += [f"  {cid}  {title}" for cid, title in checklist().items()]
    return Report(lines)


def _pct(n: int, d: int) -> str:
    return f"{n}/{d} ({round(100 * n / d)}%)" if d else "-"


def _figures_row(path: Path, kind: str, totals: dict) -> tuple[str | None, float]:
    """One file's row of `figures` (None for a file that is not an assessment) and its concerning share."""
    if kind in ("scenario", "translation"):
        scenario = i18n.load_translated(path) if kind == "translation" else load_scenario(path)
        f = scenario_figures(scenario)
        if kind == "scenario":
            for k in ("decisions", "first", "longest"):
                totals[k] += f[k]
        return (f"{str(path):58} {_pct(f['first'], f['decisions']):>12} {_pct(f['longest'], f['decisions']):>13}"
                f" {round(100 * f['concerning_share']):>16}%"), f["concerning_share"]
    if kind == "checks":
        f = check_key_figures(path)
        totals["questions"] += f["questions"]
        totals["key_first"] += f["first"]
        totals["key_longest"] += f["longest"]
        return (f"{str(path):58} {_pct(f['first'], f['questions']):>12} {_pct(f['longest'], f['questions']):>13}"
                "   (check keys)"), 0.0
    return None, 0.0


def figures(paths: list[str | Path]) -> Report:
    """How much the shape of the assessments could give away, file by file and for all of them."""
    files = _files_in([Path(p) for p in paths] or default_files())
    totals = {"decisions": 0, "first": 0, "longest": 0, "questions": 0, "key_first": 0, "key_longest": 0}
    worst = 0.0
    report = Report([f"{'file':58} {'best first':>12} {'best longest':>13} {'concerning keeps':>17}"])
    for path in files:
        try:
            row, share = _figures_row(path, authoring.file_kind(path), totals)
        except ScenarioError as exc:
            report.lines.append(f"{path}: cannot be measured until it passes `pathways check`:\n{exc}")
            report.status = 1
            return report
        worst = max(worst, share)
        if row is not None:
            report.lines.append(row)
    report.lines.append(f"\nRole-plays (translations not counted twice): best choice first in the file at "
                        f"{_pct(totals['first'], totals['decisions'])} of decision points, strictly the longest at "
                        f"{_pct(totals['longest'], totals['decisions'])}; a concerning ending keeps at most "
                        f"{round(100 * worst)}% of the best score.")
    report.lines.append(f"Knowledge checks (one-answer): key first in the file in "
                        f"{_pct(totals['key_first'], totals['questions'])}, strictly the longest in "
                        f"{_pct(totals['key_longest'], totals['questions'])}.")
    return report


# --- graph ------------------------------------------------------------------------------------------------


def graph_target(scenario_file: str | Path, output: str | Path | None = None) -> Path:
    """Where `graph` draws: the output named, else <name>.svg in the current folder."""
    return Path(output) if output else Path.cwd() / f"{Path(scenario_file).stem}.svg"


def lesson_folder_note(target: str | Path) -> str | None:
    """A warning when a picture would be saved in a lesson folder (whose files all reach learners)."""
    target = Path(target)
    if (target.resolve().parent / LESSON_NOTEBOOK).exists():
        return (f"Note: {target.parent} is a lesson folder, and everything in it is given to learners, including "
                f"this picture of every path. Save it somewhere else (for example with -o ~/{target.name}).")
    return None


def graph(scenario_file: str | Path, output: str | Path | None = None) -> Path:
    """Draw a scenario's diagram (SVG or PNG by the output's suffix; default <name>.svg in the current folder)."""
    src = Path(scenario_file)
    target = graph_target(src, output)
    if authoring.file_kind(src) == "translation":
        return authoring.draw(i18n.load_translated(src), target)
    return authoring.draw_file(src, target)


# --- new-scenario, new-translation, schema -------------------------------------------------------------------


def new_translation(scenario_file: str | Path, language: str, force: bool = False) -> Path:
    """Write `<scenario>.<language>.yaml` beside the scenario, every string still in the original language."""
    src = Path(scenario_file)
    if not i18n.LANG_CODE.match(language):
        raise ValueError(f"{language!r} is not a language code such as 'es' or 'pt-BR'")
    from pathways.scenario import load

    target = src.with_name(f"{src.stem}.{language}{src.suffix}")
    if target.exists() and not force:
        raise FileExistsError(f"{target} already exists (add --force to replace it)")
    target.write_text(i18n.translation_template(load(src), language), encoding="utf-8")
    return target


def schema_text() -> str:
    """The JSON Schema of the scenario format, as published in lessons/scenario.schema.json."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def write_schema(output: str | Path | None = None) -> Path:
    """Write the JSON Schema to `output` (default: lessons/scenario.schema.json); return the file written."""
    target = Path(output or SCHEMA_FILE)
    target.write_text(schema_text(), encoding="utf-8")
    return target


# --- preview ------------------------------------------------------------------------------------------------


def port_taken(port: int) -> bool:
    """True when something already listens on 127.0.0.1:port (another preview, most likely)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False



def preview_command(port: int | None = None) -> tuple[list[str], dict[str, str]]:
    """The Voila command (and environment) that serves the preview notebook on 127.0.0.1 (default port: the
    configured preview port); its kernels get the configuration in force, with answers kept in memory."""
    port = config.current().preview_port if port is None else port
    cmd = [sys.executable, "-m", "voila", str(PREVIEW), f"--port={port}", "--Voila.ip=127.0.0.1", "--no-browser",
           "--VoilaConfiguration.show_tracebacks=True",
           # The port announced is the port served: never another one when it is taken.
           "--Voila.port_retries=0",
           # Every visit starts a kernel and Voila never shuts down a closed tab's: cull the idle ones.
           f"--MappingKernelManager.cull_idle_timeout={PREVIEW_CULL_SECONDS}",
           "--MappingKernelManager.cull_interval=30",
           "--MappingKernelManager.cull_connected=False"]
    env = dict(os.environ, **config.current().environment(storage="memory"))
    if (VOILA_SHARE / "voila" / "templates" / "pathways").is_dir():
        # The Pathways template makes no request to other hosts (stock Voila asks a CDN for a font).
        env["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(VOILA_SHARE), os.environ.get("JUPYTER_PATH")) if p)
        cmd.append("--template=pathways")
    return cmd, env
