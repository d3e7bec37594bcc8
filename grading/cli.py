"""`pathways`: the instructor's command, a thin layer over functions that tests call directly.

Each subcommand lives in the module that does its work and registers itself through a
`register(subparsers)` function; this file only assembles them.
"""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys

from . import course

#: Modules that contribute subcommands (each defines register(subparsers)).
COMMAND_MODULES = ["pathways.grading.cli", "pathways.grading.instructor.workflow",
                   "pathways.grading.authoring.commands", "pathways.grading.dashboards.site"]


def register(sub: argparse._SubParsersAction) -> None:
    """The commands that prepare lessons for learners."""
    p = sub.add_parser("workspace", help="build the learners' version of every lesson into a folder for JupyterLab",
                       description="Generate the release version of the lessons and copy them into a learner's "
                       "workspace folder. Files the learner already has are never overwritten.")
    p.add_argument("folder", nargs="?", default="workspace", help="the workspace folder (default: workspace)")
    p.set_defaults(func=lambda a: print(f"Lessons ready in {course.prepare_workspace(a.folder)}") or 0)

    p = sub.add_parser("lab", help="prepare the workspace and open JupyterLab on it (127.0.0.1)",
                       description="Build the learners' lessons into the workspace (never overwriting a learner's "
                       "work) and start JupyterLab on 127.0.0.1, opened on lesson 1.")
    p.add_argument("folder", nargs="?", default="workspace", help="the workspace folder (default: workspace)")
    p.add_argument("--port", type=int, default=8888, help="port on 127.0.0.1 (default: 8888)")
    p.set_defaults(func=_lab)


def _lab(args: argparse.Namespace) -> int:
    workspace = course.prepare_workspace(args.folder)
    print(f"Lessons ready in {workspace}")
    return subprocess.call(course.lab_command(workspace, args.port))


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, with every available subcommand."""
    parser = argparse.ArgumentParser(prog="pathways", description="Pathways instructor tools.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(sub)
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
