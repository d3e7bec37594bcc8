"""The author's part of `pathways` (`check`, `graph`, `new-scenario`, `new-translation`, `schema`, `preview`):
their parsers and what they print, over the functions of pathways.grading.authoring.commands. Added to the one
command line by grading/cli.py.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from pathways import config
from pathways.files import LESSON_NOTEBOOK

from .. import course, settings


def _show(report) -> int:
    for line in report.lines:
        print(line)
    return report.status


def _cmd_check(a: argparse.Namespace) -> int:
    from . import commands as authoring

    if a.list:
        return _show(authoring.list_tags())
    if a.figures:
        return _show(authoring.figures(a.files))
    if a.paths:
        if len(a.files) != 1:
            print("pathways: --paths needs one role-play file, e.g. pathways check --paths lessons/08-x/x.yaml",
                  file=sys.stderr)
            return 1
        return _show(authoring.paths_report(a.files[0]))
    return _show(authoring.check(a.files, strict=a.strict))


def _cmd_graph(a: argparse.Namespace) -> int:
    from pathways.scenario import ScenarioError

    from . import commands as authoring

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
    from pathways import authoring as scenario_authoring

    return _write_new(lambda: scenario_authoring.write_new_scenario(a.name, a.folder, force=a.force), "Edit it",
                      (FileExistsError,))


def _cmd_new_translation(a: argparse.Namespace) -> int:
    from pathways.scenario import ScenarioError

    from . import commands as authoring

    return _write_new(lambda: authoring.new_translation(a.file, a.language, a.force), "Translate each text",
                      (FileExistsError, ScenarioError))


def _cmd_new_lesson(a: argparse.Namespace) -> int:
    from . import lesson

    try:
        folder = lesson.new_lesson(a.name, a.title)
    except FileExistsError as exc:
        print(f"pathways: {exc}", file=sys.stderr)
        return 1
    files = ", ".join(sorted(p.name for p in folder.iterdir() if p.is_file()))
    print(f"Wrote the lesson {folder.name} in {folder}: {files}.\n"
          f"Next: replace every [TO WRITE: ...] (the YAML files in a text editor; the notebook's text with: "
          f"pathways try-lesson {folder.name} --edit), then run: pathways check {folder}\n"
          f"To see it as learners will: pathways try-lesson {folder.name}; to hand it out: "
          f"pathways release {folder.name}")
    return 0


def _cmd_try_lesson(a: argparse.Namespace) -> int:
    from . import commands as authoring
    from . import lesson

    folder = course.lessons_dir() / a.lesson
    if not (folder / LESSON_NOTEBOOK).is_file():
        known = ", ".join(course.lesson_ids()) or "none"
        print(f"pathways: {a.lesson} is not a lesson in {course.lessons_dir()} (lessons: {known})", file=sys.stderr)
        return 1
    report = authoring.check([folder])
    if report.status:
        print(report.text, file=sys.stderr)
        return 1
    from ..delivery.learner import workspace

    with tempfile.TemporaryDirectory(prefix="pathways-try-") as scratch:
        if a.edit:
            root, what = folder.parent, "its source (edit the text; answers you give are not saved)"
        else:
            root = lesson.try_folder(a.lesson, Path(scratch)).parent
            what = "the learners' version (a fresh copy each time; nothing you do in it is kept)"
        port = config.current().lab_port
        cmd = [arg for arg in workspace.lab_command(root, port) if not arg.startswith("--LabApp.default_url=")]
        cmd.append(f"--LabApp.default_url=/lab/tree/{a.lesson}/{LESSON_NOTEBOOK}")
        print(f"JupyterLab opens {a.lesson} in your browser, {what}. If no browser opens, open the address "
              f"starting with http://127.0.0.1:{port}/ that JupyterLab prints below. Ctrl-C here stops it.",
              flush=True)
        lab = subprocess.Popen(cmd, env=lesson.lab_environment())
        # Ctrl-C, or a stop signal sent to this process, stops JupyterLab too, then the scratch folder goes.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            return lab.wait()
        except KeyboardInterrupt:
            lab.terminate()
            return lab.wait(timeout=60)


def _cmd_schema(a: argparse.Namespace) -> int:
    from . import commands as authoring

    if a.output == "-":
        sys.stdout.write(authoring.schema_text())
        return 0
    target = authoring.write_schema(a.output)
    print(f"Wrote {target}")
    return 0


def _cmd_preview(a: argparse.Namespace) -> int:
    from . import commands as authoring

    port = config.current().preview_port
    if authoring.port_taken(port):
        print(f"pathways: port {port} is already in use, perhaps by a preview you started before: open "
              f"http://127.0.0.1:{port}/ to use it, or start another with: pathways preview --port {port + 1}",
              file=sys.stderr)
        return 1
    cmd, env = authoring.preview_command(port)
    print(f"Preview on http://127.0.0.1:{port}/ (Ctrl-C to stop)", flush=True)
    os.chdir(authoring.PREVIEW.parent)
    # Become Voila, so that Ctrl-C or a stop signal reaches it (and its kernels) directly.
    os.execve(cmd[0], cmd, env)
    return 0  # pragma: no cover - execve does not return


def check_commands(sub: argparse._SubParsersAction) -> None:
    """`check` and `graph`: an author's file checked, or drawn."""
    p = sub.add_parser("check", help="check role-play scenarios (and translations) and list every problem",
                       description="Check scenario files and list every problem at once, each with its file, line "
                       "and how to fix it. A lesson folder is checked whole: its files, and the files its notebook "
                       "names. With no file, checks every lesson folder under lessons/ (and any other scenario, "
                       "translation, knowledge-check or sorting file there). Exits with status 1 if there is any "
                       "error.")
    p.add_argument("files", nargs="*", help="lesson folders, or scenario, translation, check or sorting files "
                   "(default: all under lessons/)")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors too")
    p.add_argument("--list", action="store_true", help="list the principle and checklist ids you can use")
    p.add_argument("--figures", action="store_true", help="print how much the assessments' shape could give "
                   "away: where the best choice or key sits and how long it is, and what a concerning ending keeps")
    p.add_argument("--paths", action="store_true", help="for one role-play: what every path to each moment has "
                   "done, what only some have, and what none has (so that no moment's text assumes too much)")
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

    p = sub.add_parser("new-lesson", help="make a lesson folder to start from (notebook, role-play, checks, sorting)",
                       description="Make a numbered lesson folder under the lessons folder (e.g. lessons/08-NAME) "
                       "with lesson.ipynb, a role-play, checks.yaml and sorting.yaml that pass `pathways check`. "
                       "A folder that exists without a lesson.ipynb (made by new-scenario) is completed.")
    p.add_argument("name", help="the lesson's name, e.g. pharmacy (or a folder such as lessons/09-pharmacy)")
    p.add_argument("--title", help="the lesson's title, e.g. \"A quiet word at the pharmacy\"")
    p.set_defaults(func=_cmd_new_lesson)

    p = sub.add_parser("try-lesson", help="open one lesson in JupyterLab as learners see it (or --edit its source)",
                       description="Check a lesson, release it into a scratch folder and open JupyterLab on "
                       "127.0.0.1 on the learners' version. With --edit, open the lesson's source notebook instead, "
                       "to edit its text. Answers are kept in memory: nothing is written into the lesson.")
    p.add_argument("lesson", help="the lesson folder's name, e.g. 08-pharmacy")
    p.add_argument("--edit", action="store_true", help="open the source notebook (to edit), not the learners' version")
    settings.alias(p, "lab_port", "--port")
    p.set_defaults(func=_cmd_try_lesson)

    p = sub.add_parser("schema", help="write the JSON Schema of the scenario format",
                       description="Write the JSON Schema generated from the scenario models "
                       "(default: lessons/scenario.schema.json; '-' prints it).")
    p.add_argument("-o", "--output", help="where to write it ('-' for the screen)")
    p.set_defaults(func=_cmd_schema)

    p = sub.add_parser("preview", help="open the scenario preview (pick a file, play it, see every path)",
                       description="Serve the preview notebook with Voila on 127.0.0.1.")
    settings.alias(p, "preview_port", "--port")
    p.set_defaults(func=_cmd_preview)
