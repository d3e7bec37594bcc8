"""`pathways`: the one command line, assembled here over functions that tests call directly.

Every subcommand is built here (argparse; the author's commands in grading/authoring/cli.py and the workshop's in
grading/delivery/workshop/cli.py, the other modules that print) and calls a library function that returns a result (a
path, a
report with `lines()`); no library module prints or defines a command. Parts: the learner's launcher (`workspace`,
`lab`: grading/delivery/learner), the instructor's pipeline (`course init`, `course purge`, `release`, `collect`,
`grade`,
`feedback`, `export`, `report`: grading/instructor), the author's commands (`check`, `graph`, `new-scenario`,
`new-translation`, `schema`, `preview`: grading/authoring), the public dashboards (`dashboards build`,
`dashboards serve`: grading/delivery/dashboards), a class on one machine (`workshop start | stop | return | status |
prepare`: grading/delivery/workshop) and `config` (every setting in force: pathways.config). Option defaults come from
the
configuration in force.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Iterable

from pathways import config

from . import settings
from .authoring.cli import check_commands, writing_commands
from .delivery.site.cli import site_commands
from .delivery.workshop.cli import workshop_commands
from .evidence.cli import evidence_commands
from .evidence.evaluation.cli import evaluation_commands


def _print(lines: Iterable[str], file=None) -> None:
    for line in lines:
        print(line, file=file or sys.stdout)


# --- the learner's launcher -----------------------------------------------------------------------------------

def _cmd_workspace(a: argparse.Namespace) -> int:
    from .delivery.learner import workspace

    print(f"Lessons ready in {workspace.prepare_workspace(a.folder)}")
    return 0


def _cmd_lab(a: argparse.Namespace) -> int:
    from .delivery.learner import workspace
    from .delivery.learner.lab import run_foreground

    folder = workspace.prepare_workspace(a.folder)
    print(f"Lessons ready in {folder}", flush=True)
    return run_foreground(workspace.lab_command(folder, config.current().lab_port))


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
    settings.alias(p, "lab_port", "--port")
    p.set_defaults(func=_cmd_lab)


# --- the instructor's pipeline --------------------------------------------------------------------------------

def _course_command(sub: argparse._SubParsersAction, name: str, func, help: str, description: str,
                    lessons: str | None = None) -> argparse.ArgumentParser:
    """One instructor command: its LESSONS (when `lessons` is their help) and its handler (its --course, as every
    option's flag, is added to every command: grading/settings.py)."""
    p = sub.add_parser(name, help=help, description=description)
    if lessons:
        p.add_argument("lessons", nargs="*", help=lessons)
    p.set_defaults(func=func)
    return p


def _cmd_init(a: argparse.Namespace) -> int:
    from .instructor import workflow

    rep = workflow.init_course(roster=a.roster, release=not a.no_release)
    print(f"Course ready in {rep.root}: {len(rep.released)} lesson(s) released, {rep.roster} learner(s) on the "
          "class list.")
    _print(f"Class list: {w}" for w in rep.warnings)
    _print(f"Problem: {p}" for p in rep.problems)
    print(f"Gradebook: {workflow.db_url(rep.root)}")
    print("Next: pathways collect PATH")
    return 1 if rep.problems else 0


def _cmd_release(a: argparse.Namespace) -> int:
    from .instructor import workflow

    folders = workflow.release_lessons(a.lessons or None)
    _print(f"Released {folder.name} -> {folder}" for folder in folders)
    if a.due:
        _print(f"{lesson}: hand-ins due {due}" for lesson, due in
               workflow.set_due([f.name for f in folders], a.due))
    return 0


def _cmd_collect(a: argparse.Namespace) -> int:
    from .delivery import workshop
    from .instructor import workflow

    now = config.current()
    if a.path is None and workshop.load_record(now.workshop_root) is not None:
        # a workshop on this machine: its exchange, into its own course unless --course names another
        chosen = now.course if now.sources.get("course") == "command line" else None
        _print(workshop.collect_exchange(course=chosen).lines())
    else:
        _print(workflow.collect(a.path, lesson=a.lesson, strict_roster=a.strict_roster,
                                re_enrol=a.re_enrol or ()).lines())
    print("Next: pathways grade")
    return 0


def _cmd_grade(a: argparse.Namespace) -> int:
    from .instructor import workflow

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    rep = workflow.grade(lessons=a.lessons or None, students=a.student or None, force=a.force, jobs=a.jobs,
                         run_learner_code=a.run_learner_code, isolation=a.isolation,
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
    from .course import CourseFolder
    from .instructor import workflow

    rep = workflow.feedback(lessons=a.lessons or None, final=a.final)
    _print(rep.lines())
    print(f"Feedback pages are in {CourseFolder(workflow.course_root()).feedback} (one per learner and lesson: "
          "send each learner their own, or `pathways workshop return` at a workshop)")
    return 1 if any("hidden test" in p for p in rep.problems) else 0


def _cmd_formgrader(a: argparse.Namespace) -> int:
    from .delivery.learner.lab import run_foreground
    from .instructor import formgrader, workflow

    root = workflow.course_root()
    cmd, env, url = formgrader.prepare(root, a.port)
    print(f"The formgrader, for you only, on this machine (Ctrl-C to stop it):\n  {url}\nOpen it in your browser, "
          "choose Manual Grading, give each reflection its points and a comment. Never press Autograde there "
          "(`pathways grade` runs learners' code sandboxed). Then: pathways feedback, pathways export, pathways "
          "report", flush=True)
    return run_foreground(cmd, env=env, cwd=formgrader.WORKDIR)


def _cmd_export(a: argparse.Namespace) -> int:
    from .evidence import lms
    from .instructor import workflow

    print(f"Grades written to {workflow.export(out=a.out)}")
    _print(lms.export_lms(None, a.canvas).lines())
    return 0


def _cmd_report(a: argparse.Namespace) -> int:
    from .instructor import workflow

    print(f"Report written to {workflow.report(out=a.out, names=a.names)}")
    return 0


def _cmd_purge(a: argparse.Namespace) -> int:
    from .instructor import purge as purging

    preview = purging.plan(learners=a.learner, everyone=a.all)
    _print(preview.lines())
    if preview.empty:
        return 0
    if not a.yes:
        if not sys.stdin.isatty():
            print("Nothing was removed: no terminal to ask on. Run it again with --yes to remove all of this.",
                  file=sys.stderr)
            return 1
        if input("Remove all of this? It cannot be undone. Type yes: ").strip().lower() != "yes":
            print("Nothing was removed.")
            return 1
    _print(purging.purge(learners=a.learner, everyone=a.all).lines())
    return 0


def _purge_command(csub: argparse._SubParsersAction) -> None:
    q = _course_command(csub, "purge", _cmd_purge, "delete learners' data: one learner's, or everyone's",
                        "Delete everything the course folder holds about some learners (a learner's request) or "
                        "about every learner (the end of a course): their folders in submitted/, autograded/ and "
                        "feedback/, archived and set-aside hand-ins, their gradebook rows (also in the "
                        "gradebook's backups), their members of a workshop's exchange archives, and their class "
                        "list entry. --all keeps the released lessons and the configuration, so the course can "
                        "be taught again. Lists what it would delete and asks first (see --yes).")
    who = q.add_mutually_exclusive_group(required=True)
    who.add_argument("--learner", action="append", metavar="ID", help="a learner's id on the class list "
                     "(never a name); repeat for several")
    who.add_argument("--all", action="store_true", help="every learner of the course")
    q.add_argument("--yes", action="store_true", help="do not ask (needed when not run on a terminal)")


def _course_commands(sub: argparse._SubParsersAction) -> None:
    """`course init`, `course purge`, `release` and `collect`: the course folder and what goes into it."""
    p = sub.add_parser("course", help="set up a course folder", description="Set up a course folder.")
    csub = p.add_subparsers(dest="course_command", metavar="ACTION")
    q = _course_command(csub, "init", _cmd_init, "create a course folder wired to the lessons",
                        "Create (or complete) a course folder: private folders, the gradebook, the "
                        "class list, and every lesson released. Safe to run again.")
    q.add_argument("--roster", help="a class list: CSV with any of 'id', 'email', 'name' columns, or one name "
                   "per line (see GRADING.md, 'How learners are identified')")
    q.add_argument("--no-release", action="store_true", help="do not release the lessons now")
    _purge_command(csub)
    p.set_defaults(func=lambda a: p.print_help() or 2)

    q = _course_command(sub, "release", _cmd_release, "generate the learners' version of the lessons",
                        "Generate the learners' version (no solutions, no hidden tests) of all or some "
                        "lessons into the course's release/ folder.", lessons="lesson folders (default: all)")
    q.add_argument("--due", metavar="DATE", help="when hand-ins close (e.g. 2026-12-18 17:00, your local time): "
                   "`pathways feedback` warns while a lesson is still open")

    q = _course_command(sub, "collect", _cmd_collect, "import hand-ins from a folder or zip",
                        "Import hand-ins from a folder or zip (nbgrader's submitted/ or exchange "
                        "folders, one folder or zip per student from e-mail). Reports duplicates, students not on the "
                        "class list and unreadable files; nothing is ever deleted.")
    q.add_argument("path", nargs="?", help="a folder or a .zip file (none: the hand-ins of the workshop running on "
                   "this machine, from its exchange, and any hand-in nbgrader put in submitted/)")
    q.add_argument("--lesson", help="the lesson, when the hand-ins do not say")
    q.add_argument("--strict-roster", action="store_true", help="skip students not on the class list")
    q.add_argument("--re-enrol", action="append", metavar="ID", help="take back a learner whose data was deleted "
                   "with `course purge` (their id, e-mail or name): their hand-ins are refused otherwise")


def _grade_command(sub: argparse._SubParsersAction) -> None:
    """`grade`: every new hand-in autograded in its sandbox."""
    q = _course_command(sub, "grade", _cmd_grade, "autograde everything new, on every core",
                        "Autograde every hand-in that is new or changed, several at once, each in its own "
                        "sandbox. The gradebook is backed up first and checked after.",
                        lessons="only these lessons (default: all)")
    q.add_argument("--student", action="append", help="only this student (repeatable)")
    q.add_argument("--force", action="store_true", help="grade again even what is up to date")
    q.add_argument("--jobs", type=int, help="how many at once (default: the number of cores)")
    settings.alias(q, "cell_timeout", "--timeout")
    q.add_argument("--run-learner-code", action="store_true",
                   help="also run code cells the learner added or changed (still in the sandbox)")
    q.add_argument("--isolation", choices=["auto", "none"], default="auto",
                   help="'auto': the strongest isolation this machine allows (default)")
    q.add_argument("--accept-weaker-isolation", action="store_true",
                   help="run learner code even where the full sandbox (bubblewrap, as root) is not available")
    q.add_argument("--no-progress", action="store_true", help="no progress bar")


def _results_commands(sub: argparse._SubParsersAction) -> None:
    """`feedback`, `export` and `report`: what grading gives learners and the instructor."""
    q = _course_command(sub, "feedback", _cmd_feedback, "write feedback pages for graded hand-ins",
                        "Write one feedback page per learner and lesson into the course's feedback/ folder: "
                        "each answer with its explanation, skipped items left out, reflections with your comment "
                        "(or 'awaiting grading'). Hidden tests never appear; every page is checked. Warns while a "
                        "lesson still takes hand-ins (its --due date not passed): explanations give the keys away.",
                        lessons="only these lessons (default: all)")
    q.add_argument("--final", action="store_true", help="hand-ins are closed: no warning about open lessons")

    q = _course_command(sub, "formgrader", _cmd_formgrader, "grade reflections by hand in nbgrader's formgrader",
                        "Start nbgrader's formgrader for you alone: on 127.0.0.1, with a fresh token in the address "
                        "it prints, terminals off, until Ctrl-C. Grade each reflection there, then run `pathways "
                        "feedback`, `export` and `report` again.")
    q.add_argument("--port", type=int, default=8890, help="port on 127.0.0.1 (default: %(default)s)")

    q = _course_command(sub, "export", _cmd_export, "write the grades as CSV",
                        "Write a CSV with one row per student, one column per lesson and a 'flags' column "
                        "giving the reason for anything that could not be graded or needs a look.")
    q.add_argument("--out", help="the CSV file (default: <course>/grades.csv)")
    q.add_argument("--canvas", metavar="EXPORT.csv", help="Canvas's gradebook export (Grades > Export): also write "
                   "<course>/canvas-import.csv for it (Moodle's moodle-import.csv is always written)")

    q = _course_command(sub, "report", _cmd_report, "write the class report (HTML with figures)",
                        "Write one self-contained HTML page: score distribution per lesson, share correct "
                        "per knowledge check, and for every role-play moment the share of the class taking each "
                        "choice. Figures never show names.")
    q.add_argument("--out", help="the HTML file (default: <course>/report.html)")
    q.add_argument("--names", action="store_true", help="add a table of each student's scores, with names")


# --- the public dashboards ------------------------------------------------------------------------------------

def _cmd_build(a: argparse.Namespace) -> int:
    from .delivery.dashboards import build as dashboards

    print(f"Dashboards built in {dashboards.build(lessons=a.lesson or None)}")
    return 0


def _cmd_serve(a: argparse.Namespace) -> int:
    from .delivery.dashboards import build as dashboards

    root, port = dashboards.serve_root(), config.current().dashboards_port
    command = dashboards.voila_command(root, port, dashboards.capacity_overrides(a.max_kernels, a.preheat))
    print(f"Serving {root} on http://127.0.0.1:{port}/ (Ctrl-C to stop)\n  {' '.join(command)}", flush=True)
    return dashboards.serve(root, port, max_kernels=a.max_kernels, preheat=a.preheat)  # pools: the configuration's


def _dashboard_commands(sub: argparse._SubParsersAction) -> None:
    """`pathways dashboards build` and `pathways dashboards serve --port N`."""
    p = sub.add_parser("dashboards", help="build and serve the lessons as Voila dashboards",
                       description="Publish the learners' version of the lessons as Voila dashboards.")
    dsub = p.add_subparsers(dest="dashboards_command", metavar="ACTION", required=True)
    b = dsub.add_parser("build", help="build the dashboards from the release version of every lesson",
                        description="Release every lesson, drop the grading cells and write the dashboards "
                        "(into the dashboards folder: --out, the same as --dashboards).")
    settings.alias(b, "dashboards", "--out")
    b.add_argument("--lesson", action="append", help="only this lesson (repeatable)")
    b.set_defaults(func=_cmd_build)
    s = dsub.add_parser("serve", help="serve the built dashboards on 127.0.0.1",
                        description="Run Voila on 127.0.0.1 with the settings of "
                                    "grading/delivery/dashboards/voila/voila.py.")
    settings.alias(s, "dashboards_port", "--port")
    settings.alias(s, "dashboards", "--root")
    settings.alias(s, "pool_size", "--pool")
    settings.alias(s, "lesson_pools", "--lesson-pool")
    s.add_argument("--max-kernels", type=int, default=None, metavar="N",
                   help="most kernels at once; past it a visitor gets a 'busy, try again' page (default: what "
                   "three quarters of the memory holds)")
    s.add_argument("--preheat", type=int, default=None, metavar="N",
                   help="kernels preheating at once while pools fill (default: half the cores, at least 1)")
    s.set_defaults(func=_cmd_serve)


# --- the configuration and the command -------------------------------------------------------------------------

def _cmd_config(a: argparse.Namespace) -> int:
    _print([config.markdown_table()] if a.table else settings.describe(config.current()))
    return 0


def _config_command(sub: argparse._SubParsersAction) -> None:
    """`pathways config`: every setting in force, where it came from (default, config file, environment, command
    line), and what it means."""
    p = sub.add_parser("config", help="show every setting, where it came from and what it means",
                       description="Show every Pathways setting (README, 'Configuration').")
    p.add_argument("--table", action="store_true", help="print the README's table of every option instead")
    p.set_defaults(func=_cmd_config)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, with every subcommand and every option's flag (grading/settings.py)."""
    parser = argparse.ArgumentParser(prog="pathways", description="Pathways instructor tools.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in (_learner_commands, _course_commands, _grade_command, _results_commands, check_commands,
                writing_commands, _dashboard_commands, site_commands, workshop_commands, evaluation_commands,
                evidence_commands, _config_command):
        add(sub)
    settings.add_flags(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `pathways` console script: the command runs with its config files and flags in force
    (grading/settings.py); a value that cannot be used (a flag, a file, a PATHWAYS_* variable) is a plain error."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        with config.command_line(settings.config_files(args), settings.given(args)):
            return int(args.func(args) or 0)
    except (RuntimeError, ValueError, OSError) as exc:  # ConfigError is a ValueError
        print(f"pathways: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
