"""`pathways site` (the static site) and `pathways scorm` (one SCORM 1.2 package per lesson)."""

from __future__ import annotations

import argparse
import sys


def _built(lines) -> int:
    """Print what a build made, line by line; a lesson the site cannot show stops it with a message naming it."""
    # imported here: `pathways --help` loads neither the site's builder nor the packager
    from .build import SiteError

    try:
        for line in lines():
            print(line)
    except SiteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def _packages(out, lessons):
    from ..scorm import package as scorm

    for path in scorm.build_all(out, lessons):
        yield f"SCORM 1.2 package: {path}"


def _cmd_site(a: argparse.Namespace) -> int:
    from . import build as site

    def lines():
        out = site.build(a.out, a.lesson or None)
        yield (f"Static site built in {out}: open {out / 'index.html'}, or serve the folder with any static web "
               "server (e.g. python -m http.server)")
        if a.scorm:
            yield from _packages(out.parent / "scorm" if a.scorm_out is None else a.scorm_out, a.lesson)

    return _built(lines)


def _cmd_scorm(a: argparse.Namespace) -> int:
    return _built(lambda: _packages(a.out, a.lesson))


def site_commands(sub: argparse._SubParsersAction) -> None:
    """`pathways site [--out DIR] [--lesson L] [--scorm]` and `pathways scorm [--out DIR] [--lesson L]`."""
    p = sub.add_parser("site", help="build every lesson as a static site (no server, no kernel)",
                       description="Build a folder of static pages from the lessons: serve it with any static web "
                       "server or open index.html from the folder. Nothing about visitors is stored.")
    p.add_argument("--out", default=None, help="output folder (default: site/ beside the dashboards' folder)")
    p.add_argument("--lesson", action="append", help="only this lesson (repeatable)")
    p.add_argument("--scorm", action="store_true", help="also write one SCORM 1.2 package per lesson")
    p.add_argument("--scorm-out", default=None, help="folder of the packages (default: scorm/ beside the site)")
    p.set_defaults(func=_cmd_site)
    s = sub.add_parser("scorm", help="write one SCORM 1.2 package (zip) per lesson, for an LMS",
                       description="Write one SCORM 1.2 package per lesson. Their scores are low-stakes: only "
                       "activities whose keys are public are scored.")
    s.add_argument("--out", default=None, help="output folder (default: scorm/ beside the dashboards' folder)")
    s.add_argument("--lesson", action="append", help="only this lesson (repeatable)")
    s.set_defaults(func=_cmd_scorm)
