"""The evidence's commands of `pathways` (assembled in grading/cli.py): `certificate make`, `certificate verify` and
`print`. The course folder is the one in force (`--course`, made for every command from the option, or
PATHWAYS_COURSE, or a config file: grading/settings.py). The modules that do the work are imported inside each command
(WeasyPrint and nbgrader take seconds to import, and `pathways --help` needs neither)."""

from __future__ import annotations

import argparse


def _cmd_certificate_make(a: argparse.Namespace) -> int:
    from . import certificates, records

    lines = certificates.make().lines()
    csv_path, pdf_path, warnings = records.write_record()
    lines += [f"Attendance and completion record: {csv_path} and {pdf_path}", *(f"Warning: {w}" for w in warnings),
              f"Course sheet: {records.course_sheet()}"]
    print("\n".join(lines))
    return 0


def _cmd_certificate_verify(a: argparse.Namespace) -> int:
    from . import certificates

    verdict = certificates.verify(a.code)
    print("\n".join(verdict.lines()))
    return {certificates.VALID: 0, certificates.UNKNOWN: 1}.get(verdict.verdict, 2)


def _cmd_print(a: argparse.Namespace) -> int:
    from . import printing

    print("\n".join(printing.print_all(a.out).lines()))
    return 0


def evidence_commands(sub: argparse._SubParsersAction) -> None:
    """`certificate make | verify` and `print`."""
    p = sub.add_parser("certificate", help="certificates of completion, and checking one",
                       description="Certificates of completion (PDF) with a verification code, the attendance and "
                       "completion record and the course sheet; or check a certificate's code.")
    csub = p.add_subparsers(dest="certificate_command", metavar="ACTION", required=True)
    q = csub.add_parser("make", help="a certificate for every learner who completed the course",
                        description="Write a certificate (PDF) for every learner who met the completion rule "
                        "(PATHWAYS_COMPLETION_LESSONS, PATHWAYS_COMPLETION_POST_TEST) into "
                        "<course>/certificates/<id>/, the attendance and completion record (CSV and PDF) and the "
                        "one-page course sheet into the course folder, and list who has no certificate and why.")
    q.set_defaults(func=_cmd_certificate_make)
    q = csub.add_parser("verify", help="check a certificate's verification code",
                        description="Say whether a verification code is a certificate this course issued (valid, with "
                        "its facts to compare with the paper), one whose record was changed (tampered) or unknown. "
                        "Exit status: 0 valid, 1 unknown, 2 tampered.")
    q.add_argument("code", help="the code printed on the certificate (case, spaces and dashes do not matter)")
    q.set_defaults(func=_cmd_certificate_verify)
    q = sub.add_parser("print", help="the facilitator guide, the glossary, handouts and a support card as PDFs",
                       description="Write the facilitator guide, the glossary, a one-page handout per lesson and a "
                       "discreet wallet-size support card as PDFs, with the support lines in force (PATHWAYS_RESOURCES "
                       "or the shipped ones). Nothing is fetched from the network.")
    q.add_argument("--out", default="build/print", help="the folder to write into (default: %(default)s)")
    q.set_defaults(func=_cmd_print)
