"""HTML to PDF with WeasyPrint, offline: the one place Pathways makes a PDF.

Every document is HTML made here from the course's own sources (Jinja2 templates, autoescaped) with one shared
style sheet inlined; WeasyPrint lays it out with Pango and the fonts fontconfig knows (Debian's fonts-dejavu-core at
least). Nothing is fetched: the URL fetcher refuses every address (an image, a style sheet or a font named by URL
stops the rendering with a message naming it), so a PDF is the same with or without a network.

WeasyPrint needs Debian's Pango (`apt-get install libpango-1.0-0 libpangoft2-1.0-0`); without it the import fails,
and `render` says so instead of a traceback. A name in a script no installed font has would come out as empty
boxes: `uncovered()` finds such characters first, so a certificate is never printed with a name nobody can read.
"""

from __future__ import annotations

import functools
from importlib import resources as _pkg
from pathlib import Path

import jinja2
from pathways.files import atomic_file

from .. import templates

TEMPLATES = Path(__file__).resolve().parent / "templates"
#: Where fontconfig finds fonts on Debian (and a user's own), read only to know which characters can be printed.
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts")


class PrintError(RuntimeError):
    """A PDF that cannot be made (WeasyPrint or Pango missing, a fetch refused): the message says what to do."""


@functools.cache
def environment() -> jinja2.Environment:
    """The Jinja2 environment of the evidence templates (autoescaped: names and lesson text are data)."""
    env = templates.environment(TEMPLATES)
    env.globals["style"] = _pkg.files(__package__).joinpath("templates/print.css").read_text(encoding="utf-8")
    return env


def page(template: str, **context) -> str:
    """One template rendered to HTML."""
    return environment().get_template(template).render(**context)


def _weasyprint():
    try:
        import weasyprint
        from weasyprint.urls import FatalURLFetchingError, URLFetcher
    except OSError as exc:  # cffi could not open Pango
        raise PrintError("PDFs need Pango, which WeasyPrint could not load "
                         f"({exc}): on Debian, apt-get install libpango-1.0-0 libpangoft2-1.0-0") from None
    except ImportError as exc:
        raise PrintError(f"PDFs need WeasyPrint ({exc}): pip install -c constraints.txt -e .") from None
    return weasyprint, URLFetcher, FatalURLFetchingError


class FetchRefused(Exception):
    """What the refusing URL fetcher raises (its message names the address)."""


def render(html: str, out: Path) -> Path:
    """Write `html` as a PDF at `out` (folders made); nothing is fetched: a document that names any address to
    load raises PrintError naming it."""
    weasyprint, URLFetcher, Fatal = _weasyprint()

    class Refuse(URLFetcher):
        def fetch(self, url, headers=None):  # noqa: D102 (WeasyPrint's hook)
            raise Fatal(f"a PDF must load nothing, and this one asked for {url}")

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        with atomic_file(out, mode=0o644, binary=True) as fh:  # a failed render leaves no half PDF
            weasyprint.HTML(string=html, base_url=str(TEMPLATES), url_fetcher=Refuse()).write_pdf(fh)
    except Fatal as exc:
        raise PrintError(f"{out.name} was not made: {exc}") from None
    return out


@functools.cache
def _covered() -> frozenset[int]:
    """Every character some installed font has (the union of their cmaps)."""
    from fontTools.ttLib import TTCollection, TTFont

    found: set[int] = set()
    for base in FONT_DIRS:
        root = Path(base).expanduser()
        files = sorted(p for p in root.rglob("*") if p.suffix.lower() in (".ttf", ".otf", ".ttc")) \
            if root.is_dir() else []
        for path in files:
            try:
                fonts = TTCollection(path, lazy=True).fonts if path.suffix.lower() == ".ttc" \
                    else [TTFont(path, lazy=True)]
                for font in fonts:
                    found |= set(font.getBestCmap() or {})
            except Exception:  # noqa: BLE001 (a damaged font file is not ours to fix: it just covers nothing)
                continue
    return frozenset(found)


def uncovered(text: str) -> str:
    """The characters of `text` that no installed font has (spaces and controls aside), in order, once each."""
    covered = _covered()
    out = []
    for ch in text:
        if ch.isprintable() and not ch.isspace() and ord(ch) not in covered and ch not in out:
            out.append(ch)
    return "".join(out)
