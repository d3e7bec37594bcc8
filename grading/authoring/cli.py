"""The author's part of `pathways` (`check`, `graph`, `new-scenario`, `new-translation`, `schema`, `preview`):
their parsers and what they print, over the functions of pathways.grading.authoring.commands. Added to the one
command line by grading/cli.py.
"""

from __future__ import annotations

import argparse
import os
import sys

from pathways import authoring as scenario_authoring
from pathways import config
from pathways.scenario import ScenarioError

from . import commands as authoring


def _show(report: authoring.Report) -> int:
    for line in report.lines:
        print(line)
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


def _write_new(make, then: str, errors: tuple[type[Exception], ...]) -> int:
    """Write a new file with `make()`; say where and what to do next (`then`), or why not (status 1)."""
    try:
        path = make()
    except errors as exc:
        print(f"pathways: {exc}", file=sys.stderr)
        return 1
    print(f"Wrote {path}. {then}, then run: pathways check {path}")
    return 0


def _cmd_new(a: argparse.Namespace) -> int:
    return _write_new(lambda: scenario_authoring.write_new_scenario(a.name, a.folder, force=a.force), "Edit it",
                      (FileExistsError,))


def _cmd_new_translation(a: argparse.Namespace) -> int:
    return _write_new(lambda: authoring.new_translation(a.file, a.language, a.force), "Translate each text",
                      (FileExistsError, ScenarioError))


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


def check_commands(sub: argparse._SubParsersAction) -> None:
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


def writing_commands(sub: argparse._SubParsersAction) -> None:
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
    p.add_argument("--port", type=int, default=config.current().preview_port,
                   help="port (default: %(default)s, PATHWAYS_PREVIEW_PORT)")
    p.set_defaults(func=_cmd_preview)
