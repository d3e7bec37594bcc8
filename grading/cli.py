"""`pathways`: the one command line, assembled here over functions that tests call directly.

Every subcommand is built in this module (argparse) and calls a library function that returns a result
(a path, a report with `lines()`); no library module prints or defines a command. Parts:
the learner's launcher (`workspace`, `lab`: grading/learner), the instructor's pipeline (`course init`,
`release`, `collect`, `grade`, `feedback`, `export`, `report`: grading/instructor), the author's commands
(`check`, `graph`, `new-scenario`, `new-translation`, `schema`, `preview`: grading/authoring) and the public
dashboards (`dashboards build`, `dashboards serve`: grading/dashboards).
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
from collections.abc import Iterable

from pathways import authoring as scenario_authoring
from pathways.scenario import ScenarioError

from .authoring import commands as authoring
from .dashboards import site as dashboards
from .instructor import workflow
from .learner import workspace


def _print(lines: Iterable[str], file=None) -> None:
    for line in lines:
        print(line, file=file or sys.stdout)


# --- the learner's launcher -----------------------------------------------------------------------------------

def _cmd_workspace(a: argparse.Namespace) -> int:
    print(f"Lessons ready in {workspace.prepare_workspace(a.folder)}")
    return 0


def _cmd_lab(a: argparse.Namespace) -> int:
    folder = workspace.prepare_workspace(a.folder)
    print(f"Lessons ready in {folder}")
    return subprocess.call(workspace.lab_command(folder, a.port))


def _learner_commands(sub: argparse._SubParsersAction) -> None:
    """The commands that prepare lessons for learners."""
    p = sub.add_parser("workspace", help="build the learners' version of every lesson into a folder for JupyterLab",
                       description="Generate the release version of the lessons and copy them into a learner's "
                       "workspace folder. Files the learner already has are never overwritten.")
    p.add_argument("folder", nargs="?", default="workspace", help="the workspace folder (default: workspace)")
    p.set_defaults(func=_cmd_workspace)

    p = sub.add_parser("lab", help="prepare the workspace and open JupyterLab on it (127.0.0.1)",
                       description="Build the learners' lessons into the workspace (never overwriting a learner's "
                       "work) and start JupyterLab on 127.0.0.1, opened on lesson 1: lessons open with their "
                       "activities showing, no instructor tools, nothing reaching the internet.")
    p.add_argument("folder", nargs="?", default="workspace", help="the workspace folder (default: workspace)")
    p.add_argument("--port", type=int, default=8888, help="port on 127.0.0.1 (default: 8888)")
    p.set_defaults(func=_cmd_lab)


# --- the instructor's pipeline --------------------------------------------------------------------------------

def _course_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--course", help="the course folder (default: $PATHWAYS_COURSE, else build/course)")


def _cmd_init(a: argparse.Namespace) -> int:
    rep = workflow.init_course(a.course, a.roster, release=not a.no_release)
    print(f"Course ready in {rep.root}: {len(rep.released)} lesson(s) released, {rep.roster} learner(s) on the "
          "class list.")
    _print(f"Class list: {w}" for w in rep.warnings)
    _print(f"Problem: {p}" for p in rep.problems)
    print(f"Gradebook: {workflow.db_url(rep.root)}")
    print("Next: pathways collect PATH")
    return 1 if rep.problems else 0


def _cmd_release(a: argparse.Namespace) -> int:
    _print(f"Released {folder.name} -> {folder}" for folder in workflow.release_lessons(a.lessons or None, a.course))
    return 0


def _cmd_collect(a: argparse.Namespace) -> int:
    _print(workflow.collect(a.path, a.course, a.lesson, a.strict_roster).lines())
    print("Next: pathways grade")
    return 0


def _cmd_grade(a: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    rep = workflow.grade(a.course, a.lessons or None, a.student or None, force=a.force, jobs=a.jobs,
                         timeout=a.timeout, run_learner_code=a.run_learner_code, isolation=a.isolation,
                         progress=not a.no_progress, accept_weaker_isolation=a.accept_weaker_isolation,
                         notify=lambda lines: _print(lines, file=sys.stderr))
    _print(rep.lines())
    if rep.integrity:
        print(f"The gradebook did not pass its check. The backup from before this run is {rep.backup}.",
              file=sys.stderr)
        return 1
    print("Next: pathways feedback, pathways export, pathways report")
    return 0


def _cmd_feedback(a: argparse.Namespace) -> int:
    rep = workflow.feedback(a.course, a.lessons or None)
    _print(rep.lines())
    print(f"Feedback pages are in {workflow.course_root(a.course) / 'feedback'}")
    return 1 if any("hidden test" in p for p in rep.problems) else 0


def _cmd_export(a: argparse.Namespace) -> int:
    print(f"Grades written to {workflow.export(a.course, a.out)}")
    return 0


def _cmd_report(a: argparse.Namespace) -> int:
    print(f"Report written to {workflow.report(a.course, a.out, names=a.names)}")
    return 0


def _course_commands(sub: argparse._SubParsersAction) -> None:
    """`course init`, `release` and `collect`: the course folder and what goes into it."""
    p = sub.add_parser("course", help="set up a course folder", description="Set up a course folder.")
    csub = p.add_subparsers(dest="course_command", metavar="ACTION")
    q = csub.add_parser("init", help="create a course folder wired to the lessons",
                        description="Create (or complete) a course folder: private folders, the gradebook, the "
                        "class list, and every lesson released. Safe to run again.")
    _course_arg(q)
    q.add_argument("--roster", help="a class list: CSV with any of 'id', 'email', 'name' columns, or one name "
                   "per line (see GRADING.md, 'How learners are identified')")
    q.add_argument("--no-release", action="store_true", help="do not release the lessons now")
    q.set_defaults(func=_cmd_init)
    p.set_defaults(func=lambda a: p.print_help() or 2)

    q = sub.add_parser("release", help="generate the learners' version of the lessons",
                       description="Generate the learners' version (no solutions, no hidden tests) of all or some "
                       "lessons into the course's release/ folder.")
    _course_arg(q)
    q.add_argument("lessons", nargs="*", help="lesson folders (default: all)")
    q.set_defaults(func=_cmd_release)

    q = sub.add_parser("collect", help="import hand-ins from a folder or zip",
                       description="Import hand-ins from a folder or zip (nbgrader's submitted/ or exchange "
                       "folders, one folder or zip per student from e-mail). Reports duplicates, students not on the "
                       "class list and unreadable files; nothing is ever deleted.")
    _course_arg(q)
    q.add_argument("path", help="a folder or a .zip file")
    q.add_argument("--lesson", help="the lesson, when the hand-ins do not say")
    q.add_argument("--strict-roster", action="store_true", help="skip students not on the class list")
    q.set_defaults(func=_cmd_collect)


def _grade_command(sub: argparse._SubParsersAction) -> None:
    """`grade`: every new hand-in autograded in its sandbox."""
    q = sub.add_parser("grade", help="autograde everything new, on every core",
                       description="Autograde every hand-in that is new or changed, several at once, each in its own "
                       "sandbox. The gradebook is backed up first and checked after.")
    _course_arg(q)
    q.add_argument("lessons", nargs="*", help="only these lessons (default: all)")
    q.add_argument("--student", action="append", help="only this student (repeatable)")
    q.add_argument("--force", action="store_true", help="grade again even what is up to date")
    q.add_argument("--jobs", type=int, help="how many at once (default: the number of cores)")
    q.add_argument("--timeout", type=int, help="seconds a cell may run before it is stopped (default 60)")
    q.add_argument("--run-learner-code", action="store_true",
                   help="also run code cells the learner added or changed (still in the sandbox)")
    q.add_argument("--isolation", choices=["auto", "none"], default="auto",
                   help="'auto': the strongest isolation this machine allows (default)")
    q.add_argument("--accept-weaker-isolation", action="store_true",
                   help="run learner code even where the full sandbox (bubblewrap, as root) is not available")
    q.add_argument("--no-progress", action="store_true", help="no progress bar")
    q.set_defaults(func=_cmd_grade)


def _results_commands(sub: argparse._SubParsersAction) -> None:
    """`feedback`, `export` and `report`: what grading gives learners and the instructor."""
    q = sub.add_parser("feedback", help="write feedback pages for graded hand-ins",
                       description="Write one feedback page per graded notebook into the course's feedback/ folder. "
                       "Hidden tests and their outputs never appear; every page is checked.")
    _course_arg(q)
    q.add_argument("lessons", nargs="*", help="only these lessons (default: all)")
    q.set_defaults(func=_cmd_feedback)

    q = sub.add_parser("export", help="write the grades as CSV",
                       description="Write a CSV with one row per student, one column per lesson and a 'flags' column "
                       "giving the reason for anything that could not be graded or needs a look.")
    _course_arg(q)
    q.add_argument("--out", help="the CSV file (default: <course>/grades.csv)")
    q.set_defaults(func=_cmd_export)

    q = sub.add_parser("report", help="write the class report (HTML with figures)",
                       description="Write one self-contained HTML page: score distribution per lesson, share correct "
                       "per knowledge check, and for every role-play moment the share of the class taking each choice. "
                       "Figures never show names.")
    _course_arg(q)
    q.add_argument("--out", help="the HTML file (default: <course>/report.html)")
    q.add_argument("--names", action="store_true", help="add a table of each student's scores, with names")
    q.set_defaults(func=_cmd_report)


# --- the author's commands ------------------------------------------------------------------------------------

def _show(report: authoring.Report) -> int:
    _print(report.lines)
    return report.status


def _cmd_check(a: argparse.Namespace) -> int:
    if a.list:
        return _show(authoring.list_tags())
    if a.figures:
        return _show(authoring.figures(a.files))
    return _show(authoring.check(a.files, strict=a.strict))


def _cmd_graph(a: argparse.Namespace) -> int:
    note = authoring.lesson_folder_note(authoring.graph_target(a.file, a.output))
    if note:
        print(note, file=sys.stderr)
    try:
        written = authoring.graph(a.file, a.output)
    except ScenarioError as exc:
        print(f"{a.file} cannot be drawn until these are fixed:\n{exc}", file=sys.stderr)
        return 1
    print(f"Wrote {written}")
    return 0


def _cmd_new(a: argparse.Namespace) -> int:
    try:
        path = scenario_authoring.write_new_scenario(a.name, a.folder, force=a.force)
    except FileExistsError as exc:
        print(f"pathways: {exc}", file=sys.stderr)
        return 1
    print(f"Wrote {path}. Edit it, then run: pathways check {path}")
    return 0


def _cmd_new_translation(a: argparse.Namespace) -> int:
    try:
        path = authoring.new_translation(a.file, a.language, a.force)
    except (FileExistsError, ScenarioError) as exc:
        print(f"pathways: {exc}", file=sys.stderr)
        return 1
    print(f"Wrote {path}. Translate each text, then run: pathways check {path}")
    return 0


def _cmd_schema(a: argparse.Namespace) -> int:
    if a.output == "-":
        sys.stdout.write(authoring.schema_text())
        return 0
    target = authoring.write_schema(a.output)
    print(f"Wrote {target}")
    return 0


def _cmd_preview(a: argparse.Namespace) -> int:
    cmd, env = authoring.preview_command(a.port)
    print(f"Preview on http://127.0.0.1:{a.port}/ (Ctrl-C to stop)", flush=True)
    os.chdir(authoring.PREVIEW.parent)
    # Become Voila, so that Ctrl-C or a stop signal reaches it (and its kernels) directly.
    os.execve(cmd[0], cmd, env)
    return 0  # pragma: no cover - execve does not return


def _check_commands(sub: argparse._SubParsersAction) -> None:
    """`check` and `graph`: an author's file checked, or drawn."""
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


def _writing_commands(sub: argparse._SubParsersAction) -> None:
    """`new-scenario`, `new-translation`, `schema` and `preview`: files to start from, and the preview."""
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


# --- the public dashboards ------------------------------------------------------------------------------------

def _lesson_pool(text: str) -> tuple[str, int]:
    lesson, _, size = text.partition("=")
    if not lesson or not size.isdigit():
        raise argparse.ArgumentTypeError(f"expected LESSON=N, got {text!r}")
    return lesson, int(size)


def _cmd_build(a: argparse.Namespace) -> int:
    print(f"Dashboards built in {dashboards.build(a.out, a.lesson or None)}")
    return 0


def _cmd_serve(a: argparse.Namespace) -> int:
    root = dashboards.serve_root(a.root)
    command = dashboards.voila_command(root, a.port, dashboards.capacity_overrides(a.max_kernels, a.preheat))
    print(f"Serving {root} on http://127.0.0.1:{a.port}/ (Ctrl-C to stop)\n  {' '.join(command)}", flush=True)
    return dashboards.serve(root, a.port, a.pool, dict(a.lesson_pool), a.max_kernels, a.preheat)


def _dashboard_commands(sub: argparse._SubParsersAction) -> None:
    """`pathways dashboards build` and `pathways dashboards serve --port N`."""
    p = sub.add_parser("dashboards", help="build and serve the lessons as Voila dashboards",
                       description="Publish the learners' version of the lessons as Voila dashboards.")
    dsub = p.add_subparsers(dest="dashboards_command", metavar="ACTION", required=True)
    b = dsub.add_parser("build", help="build the dashboards from the release version of every lesson",
                        description="Release every lesson, drop the grading cells and write the dashboards "
                        "(default folder: build/dashboards).")
    b.add_argument("--out", default=None, help="output folder (default: build/dashboards)")
    b.add_argument("--lesson", action="append", help="only this lesson (repeatable)")
    b.set_defaults(func=_cmd_build)
    s = dsub.add_parser("serve", help="serve the built dashboards on 127.0.0.1",
                        description="Run Voila on 127.0.0.1 with the settings of grading/dashboards/voila/voila.py.")
    s.add_argument("--port", type=int, default=8866, help="port (default: 8866)")
    s.add_argument("--root", default=None, help="dashboards folder (default: build/dashboards)")
    s.add_argument("--pool", type=int, default=None, help="preheated kernels per lesson (default: 2)")
    s.add_argument("--lesson-pool", type=_lesson_pool, action="append", default=[], metavar="LESSON=N",
                   help="preheated kernels for one lesson, e.g. the workshop's lesson (repeatable)")
    s.add_argument("--max-kernels", type=int, default=None, metavar="N",
                   help="most kernels at once; past it a visitor gets a 'busy, try again' page (default: what "
                   "three quarters of the memory holds)")
    s.add_argument("--preheat", type=int, default=None, metavar="N",
                   help="kernels preheating at once while pools fill (default: half the cores, at least 1)")
    s.set_defaults(func=_cmd_serve)


# --- the command ----------------------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, with every subcommand."""
    parser = argparse.ArgumentParser(prog="pathways", description="Pathways instructor tools.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in (_learner_commands, _course_commands, _grade_command, _results_commands, _check_commands,
                _writing_commands, _dashboard_commands):
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `pathways` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except (RuntimeError, ValueError, OSError) as exc:
        print(f"pathways: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
