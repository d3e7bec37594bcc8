"""`pathways evaluation ...`: the course evaluation's commands (built here, registered in grading/cli.py), each a
thin layer over a library function of this package that returns a result and never prints."""

from __future__ import annotations

import argparse
import sys

# pathways.evaluation.items.TIMEPOINTS, spelled here so that `pathways --help` imports no pydantic model
TIMEPOINTS = ("pre", "post", "followup")


def _cmd_release(a: argparse.Namespace) -> int:
    from .delivery import release

    for folder in release():
        print(f"Take-home folder: {folder}")
    print("Send each learner the folder of the time point, zipped; they hand it back named by their id or e-mail, "
          "and you run: pathways evaluation collect PATH --timepoint pre|post|followup")
    return 0


def _cmd_collect(a: argparse.Namespace) -> int:
    from .store import collect

    report = collect(a.path, a.timepoint)
    for line in report.lines():
        print(line)
    return 0


def _cmd_feedback(a: argparse.Namespace) -> int:
    from .delivery import feedback

    pages = feedback(timepoint=a.timepoint)
    print(f"{len(pages)} explanation page(s) written" + (f", e.g. {pages[0]}" if pages else ""))
    return 0


def _cmd_report(a: argparse.Namespace) -> int:
    from .page import write_page

    out = write_page(out=a.out)
    print(f"Evaluation written to {out} (figures beside it; the class report has the same section)")
    return 0


def _cmd_comments(a: argparse.Namespace) -> int:
    from .delivery import comments

    said = comments()
    print(f"{len(said)} comment(s), in random order, without names (never written to a file):")
    for text in said:
        print(f"- {' '.join(text.split())}")
    return 0


def _cmd_check(a: argparse.Namespace) -> int:
    from .bank import problems

    found = problems(a.bank)
    for line in found:
        print(f"warning: {line}", file=sys.stderr)
    print("evaluation item bank: " + ("sound" if not found else f"{len(found)} problem(s)"))
    return 1 if found else 0


def evaluation_commands(sub: argparse._SubParsersAction) -> None:
    """`pathways evaluation release | collect | feedback | report | comments | check`."""
    p = sub.add_parser("evaluation", help="the course evaluation: pre-test, post-test, follow-up (voluntary, "
                       "never graded)", description="A voluntary evaluation, never part of a grade (README, "
                       "'Evaluating the course').")
    esub = p.add_subparsers(dest="evaluation_command", metavar="ACTION", required=True)

    def add(name: str, func, help_: str) -> argparse.ArgumentParser:
        q = esub.add_parser(name, help=help_, description=help_)
        q.set_defaults(func=func)
        return q

    add("release", _cmd_release, "write the take-home folder of each time point (no keys)")
    q = add("collect", _cmd_collect, "keep the learners' answers from a folder or zip of hand-ins")
    q.add_argument("path", help="a folder or zip with one folder or zip per learner, named by id or e-mail")
    q.add_argument("--timepoint", required=True, choices=TIMEPOINTS)
    q = add("feedback", _cmd_feedback, "write each learner's explanations page of the post-test (or follow-up)")
    q.add_argument("--timepoint", default="post", choices=("post", "followup"))
    q = add("report", _cmd_report, "write the evaluation on its own page, and the pseudonymous paired CSV")
    q.add_argument("--out", help="the HTML file (default: <course>/evaluation.html)")
    add("comments", _cmd_comments, "show what learners would change (shuffled, no names, never saved)")
    q = add("check", _cmd_check, "check the item bank: key shape, objectives, two items per lesson")
    q.add_argument("--bank", help="the bank file (default: evaluation/bank.yaml in the lessons folder)")
