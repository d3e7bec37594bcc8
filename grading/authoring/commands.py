"""`pathways check`, `graph`, `new-scenario`, `new-translation`, `schema` and `preview`: the author's commands.

Thin commands over pure functions (pathways.scenario, pathways.authoring, pathways.i18n) that the
tests call directly. Every message is meant for an instructor who does not program: it names the
file and line, says what is wrong and how to fix it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from pathways import authoring, i18n
from pathways.assessment import check_key_figures, check_key_problems, objective_problems, scenario_figures
from pathways.checklist import checklist
from pathways.checks import load_checks
from pathways.exercises import load_exercise
from pathways.principles import principles
from pathways.scenario import Problem, ScenarioError, check_file, json_schema
from pathways.scenario import load as load_scenario

from .. import course

#: The published JSON Schema of the scenario format.
SCHEMA_FILE = course.LESSONS / "scenario.schema.json"
#: The preview notebook (not a lesson: lessons/ folders are nbgrader assignments).
PREVIEW = Path(__file__).resolve().parent / "preview.ipynb"
#: Voila's template for Pathways pages (no request to any other host), when the dashboards are installed.
VOILA_SHARE = Path(__file__).resolve().parent.parent / "dashboards" / "voila" / "share"


def lessons_dir() -> Path:
    """The lessons folder in force (PATHWAYS_LESSONS, else lessons/)."""
    return Path(os.environ.get("PATHWAYS_LESSONS") or course.LESSONS)


# --- check ----------------------------------------------------------------------------------------------


def check_one(path: str | Path) -> list[Problem]:
    """Every problem of one file: a scenario, a translation, a knowledge-check or a sorting-exercise file."""
    path = Path(path)
    if not path.exists():
        return [Problem(str(path), None, "", "file not found; check the name and the folder")]
    kind = authoring.file_kind(path)
    if kind == "translation":
        return i18n.check_translation_file(path)
    if kind in ("checks", "sorting"):
        loader = load_checks if kind == "checks" else load_exercise
        try:
            loader(path)
        except ScenarioError as exc:
            return exc.problems
        return check_key_problems(path) + objective_problems(path) if kind == "checks" else []
    if kind == "other":
        return [Problem(str(path), 1, "", "this is not a scenario, translation, knowledge-check or sorting file "
                        "(a scenario has 'id', 'start' and 'nodes')")]
    return check_file(path)


def default_files() -> list[Path]:
    """What `pathways check` checks with no file named: every scenario, translation, knowledge-check and
    sorting file under the lessons."""
    return [_near(p) for p in authoring.yaml_files(lessons_dir()) if authoring.file_kind(p) != "other"]


def _near(path: Path) -> Path:
    """The path relative to the current folder when it is inside it (shorter messages)."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path


def check(paths: list[str | Path], strict: bool = False, out=None) -> int:
    """Check files, print every problem with its place, and return the exit status (1 on any error)."""
    out = out or sys.stdout
    files = [Path(p) for p in paths] or default_files()
    if not files:
        print(f"No scenario files found under {lessons_dir()}.", file=out)
        return 1
    errors = warnings = 0
    for path in files:
        problems = check_one(path)
        errs = [p for p in problems if p.severity == "error"]
        errors += len(errs)
        warnings += len(problems) - len(errs)
        if not problems:
            print(f"{path}: OK", file=out)
        for problem in problems:
            print(problem, file=out)
    print(f"\nChecked {len(files)} file{'s' * (len(files) != 1)}: {errors} error{'s' * (errors != 1)}, "
          f"{warnings} warning{'s' * (warnings != 1)}.", file=out)
    if errors:
        print("Fix the errors above (each line says where and how), then run the check again.", file=out)
    return 1 if errors or (strict and warnings) else 0


def list_tags(out=None) -> int:
    """Print the principle ids and checklist ids a scenario may use."""
    out = out or sys.stdout
    print("Principles (feedback: principle:)", file=out)
    for pid, p in principles().items():
        print(f"  {pid:16} {p.name} ({p.source})", file=out)
    print("\nChecklist ids (checklist: and tags:)", file=out)
    for cid, title in checklist().items():
        print(f"  {cid}  {title}", file=out)
    return 0


def figures(paths: list[str | Path], out=None) -> int:
    """Print how much the shape of the assessments could give away, file by file and for all of them."""
    out = out or sys.stdout
    files = [Path(p) for p in paths] or default_files()
    totals = {"decisions": 0, "first": 0, "longest": 0, "questions": 0, "key_first": 0, "key_longest": 0}
    worst = 0.0

    def pct(n: int, d: int) -> str:
        return f"{n}/{d} ({round(100 * n / d)}%)" if d else "-"

    print(f"{'file':58} {'best first':>12} {'best longest':>13} {'concerning keeps':>17}", file=out)
    for path in files:
        kind = authoring.file_kind(path)
        try:
            if kind in ("scenario", "translation"):
                scenario = i18n.load_translated(path) if kind == "translation" else load_scenario(path)
                f = scenario_figures(scenario)
                worst = max(worst, f["concerning_share"])
                if kind == "scenario":
                    for k in ("decisions", "first", "longest"):
                        totals[k] += f[k]
                print(f"{str(path):58} {pct(f['first'], f['decisions']):>12} {pct(f['longest'], f['decisions']):>13}"
                      f" {round(100 * f['concerning_share']):>16}%", file=out)
            elif kind == "checks":
                f = check_key_figures(path)
                totals["questions"] += f["questions"]
                totals["key_first"] += f["first"]
                totals["key_longest"] += f["longest"]
                print(f"{str(path):58} {pct(f['first'], f['questions']):>12} {pct(f['longest'], f['questions']):>13}"
                      "   (check keys)", file=out)
        except ScenarioError as exc:
            print(f"{path}: cannot be measured until it passes `pathways check`:\n{exc}", file=out)
            return 1
    print(f"\nRole-plays (translations not counted twice): best choice first in the file at "
          f"{pct(totals['first'], totals['decisions'])} of decision points, strictly the longest at "
          f"{pct(totals['longest'], totals['decisions'])}; a concerning ending keeps at most "
          f"{round(100 * worst)}% of the best score.", file=out)
    print(f"Knowledge checks (one-answer): key first in the file in {pct(totals['key_first'], totals['questions'])}"
          f", strictly the longest in {pct(totals['key_longest'], totals['questions'])}.", file=out)
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    if args.list:
        return list_tags()
    if args.figures:
        return figures(args.files)
    return check(args.files, strict=args.strict)


# --- graph ------------------------------------------------------------------------------------------------


def graph(scenario_file: str | Path, output: str | Path | None = None) -> Path:
    """Draw a scenario's diagram (SVG or PNG by the output's suffix; default <name>.svg in the current folder)."""
    src = Path(scenario_file)
    target = Path(output) if output else Path.cwd() / f"{src.stem}.svg"
    if (target.resolve().parent / "lesson.ipynb").exists():
        print(f"Note: {target.parent} is a lesson folder, and everything in it is given to learners, including "
              "this picture of every path. Save it somewhere else (for example with -o ~/er_visit.svg).",
              file=sys.stderr)
    if authoring.file_kind(src) == "translation":
        return authoring.draw(i18n.load_translated(src), target)
    return authoring.draw_file(src, target)


def _cmd_graph(args: argparse.Namespace) -> int:
    try:
        written = graph(args.file, args.output)
    except ScenarioError as exc:
        print(f"{args.file} cannot be drawn until these are fixed:\n{exc}", file=sys.stderr)
        return 1
    print(f"Wrote {written}")
    return 0


# --- new-scenario, new-translation, schema -------------------------------------------------------------------


def _cmd_new(args: argparse.Namespace) -> int:
    try:
        path = authoring.write_new_scenario(args.name, args.folder, force=args.force)
    except FileExistsError as exc:
        print(f"pathways: {exc}", file=sys.stderr)
        return 1
    print(f"Wrote {path}. Edit it, then run: pathways check {path}")
    return 0


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


def _cmd_new_translation(args: argparse.Namespace) -> int:
    try:
        path = new_translation(args.file, args.language, args.force)
    except (FileExistsError, ScenarioError) as exc:
        print(f"pathways: {exc}", file=sys.stderr)
        return 1
    print(f"Wrote {path}. Translate each text, then run: pathways check {path}")
    return 0


def schema_text() -> str:
    """The JSON Schema of the scenario format, as published in lessons/scenario.schema.json."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def _cmd_schema(args: argparse.Namespace) -> int:
    if args.output == "-":
        sys.stdout.write(schema_text())
        return 0
    target = Path(args.output or SCHEMA_FILE)
    target.write_text(schema_text(), encoding="utf-8")
    print(f"Wrote {target}")
    return 0


# --- preview ------------------------------------------------------------------------------------------------


def preview_command(port: int = 8867) -> tuple[list[str], dict[str, str]]:
    """The Voila command (and environment) that serves the preview notebook on 127.0.0.1."""
    cmd = [sys.executable, "-m", "voila", str(PREVIEW), f"--port={port}", "--Voila.ip=127.0.0.1", "--no-browser",
           "--VoilaConfiguration.show_tracebacks=True"]
    env = dict(os.environ, PATHWAYS_STORAGE="memory")
    if (VOILA_SHARE / "voila" / "templates" / "pathways").is_dir():
        # The Pathways template makes no request to other hosts (stock Voila asks a CDN for a font).
        env["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(VOILA_SHARE), os.environ.get("JUPYTER_PATH")) if p)
        cmd.append("--template=pathways")
    return cmd, env


def _cmd_preview(args: argparse.Namespace) -> int:
    cmd, env = preview_command(args.port)
    print(f"Preview on http://127.0.0.1:{args.port}/ (Ctrl-C to stop)", flush=True)
    os.chdir(PREVIEW.parent)
    # Become Voila, so that Ctrl-C or a stop signal reaches it (and its kernels) directly.
    os.execve(cmd[0], cmd, env)
    return 0  # pragma: no cover - execve does not return


# --- registration -------------------------------------------------------------------------------------------


def register(sub: argparse._SubParsersAction) -> None:
    """The authoring commands."""
    p = sub.add_parser("check", help="check role-play scenarios (and translations) and list every problem",
                       description="Check scenario files and list every problem at once, each with its file, line "
                       "and how to fix it. With no file, checks every scenario, translation, knowledge-check and "
                       "sorting file under lessons/. Exits with status 1 if there is any error.")
    p.add_argument("files", nargs="*", help="scenario, translation, check or sorting files "
                   "(default: all under lessons/)")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors too")
    p.add_argument("--list", action="store_true", help="list the principle and checklist ids you can use")
    p.add_argument("--figures", action="store_true", help="print how much the assessments' shape could give "
                   "away: where the best choice or key sits and how long it is, and what a concerning ending keeps")
    p.set_defaults(func=_cmd_check)

    p = sub.add_parser("graph", help="draw a scenario as a diagram (SVG or PNG)",
                       description="Draw a scenario: its moments, its choices (green: honours a principle; red "
                       "dashed: works against one) and its endings, coloured by outcome.")
    p.add_argument("file", help="the scenario file")
    p.add_argument("-o", "--output", help="the picture to write, .svg or .png (default: <name>.svg here)")
    p.set_defaults(func=_cmd_graph)

    p = sub.add_parser("new-scenario", help="write a small, valid scenario to start from",
                       description="Write NAME.yaml, a small valid role-play with comments explaining each part.")
    p.add_argument("name", help="the new scenario's name, e.g. bus-station (or a path ending in .yaml)")
    p.add_argument("--folder", default=".", help="where to write it (default: here)")
    p.add_argument("--force", action="store_true", help="replace the file if it already exists")
    p.set_defaults(func=_cmd_new)

    p = sub.add_parser("new-translation", help="write a translation file to start from",
                       description="Write <scenario>.<LANGUAGE>.yaml beside the scenario with every text to "
                       "translate, still in the original language.")
    p.add_argument("file", help="the scenario file")
    p.add_argument("language", help="a language code such as es, fr or pt-BR")
    p.add_argument("--force", action="store_true", help="replace the file if it already exists")
    p.set_defaults(func=_cmd_new_translation)

    p = sub.add_parser("schema", help="write the JSON Schema of the scenario format",
                       description="Write the JSON Schema generated from the scenario models "
                       "(default: lessons/scenario.schema.json; '-' prints it).")
    p.add_argument("-o", "--output", help="where to write it ('-' for the screen)")
    p.set_defaults(func=_cmd_schema)

    p = sub.add_parser("preview", help="open the scenario preview (pick a file, play it, see every path)",
                       description="Serve the preview notebook with Voila on 127.0.0.1.")
    p.add_argument("--port", type=int, default=8867, help="port (default: 8867)")
    p.set_defaults(func=_cmd_preview)
