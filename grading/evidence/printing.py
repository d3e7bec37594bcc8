"""`pathways print`: the facilitator guide, the glossary, a one-page handout per lesson and a wallet-size support
card, as PDFs made from the course's own sources.

The guide and the glossary are their Markdown files (markdown-it-py, raw HTML off) laid out as they are. A handout
is the lesson's title (its notebook), its key points (`lessons/handouts.yaml`: written for print, each naming the
source the lesson names) and the support lines. Every support line on paper comes from the resources in force
(`pathways.resources`: the shipped file, or the instructor's), never from the text of this module, so a region's
own lines are the ones printed. The support card is meant to be carried: it names no course and uses no word
about trafficking, only the lines' numbers, hours and the emergency number, under plain labels.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from markdown_it import MarkdownIt
from pathways.resources import Resources, load_resources
from pathways.yamlload import safe_load

from .. import course as course_mod
from . import course_facts, pdf

HANDOUTS = "handouts.yaml"
GUIDE_PDF, GLOSSARY_PDF, CARD_PDF = "facilitator-guide.pdf", "glossary.pdf", "support-card.pdf"


def markdown_html(text: str) -> str:
    """A Markdown document (the guide, the glossary) as HTML: CommonMark with tables, raw HTML off."""
    return MarkdownIt("commonmark", {"html": False}).enable("table").render(text)


def handout_points(lessons: str | Path | None = None) -> dict[str, list[str]]:
    """Lesson id -> its handout's key points (ValueError naming the file when it cannot be read)."""
    path = (Path(lessons) if lessons else course_mod.lessons_dir()) / HANDOUTS
    if not path.is_file():
        raise ValueError(f"no handout key points at {path}: write them there, one list per lesson id")
    data = safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict) or not all(isinstance(v, list) and all(isinstance(x, str) for x in v)
                                             for v in data.values()):
        raise ValueError(f"{path}: expected each lesson id followed by a list of key points (text)")
    return data


@dataclass(frozen=True)
class SupportLine:
    """One line as printed: a label, the numbers to call or text, and its hours."""

    label: str
    phone: str
    extra: tuple[str, ...] = ()
    note: str = ""


def support_lines(res: Resources, discreet: bool = False) -> list[SupportLine]:
    """The emergency number and every line shown in the panel, from the resources in force. `discreet`: plain
    labels only (for the card), no line's name or note."""
    out = [SupportLine("Emergency" if discreet else res.emergency.name, res.emergency.phone, (),
                       "" if discreet else res.emergency.note)]
    for n, line in enumerate((x for x in res.lines if x.panel), start=1):
        extra = [f"or {line.phone_words}"] if line.phone_words else []
        keyword = line.text_keyword()
        if keyword:
            extra.append(f"text {keyword[0]} to {keyword[1]}")
        elif line.text:
            extra.append(f"text {line.text}")
        extra += [f"TTY {line.tty}"] if line.tty else []
        extra += [line.hours] if line.hours else []
        out.append(SupportLine(f"Support line {n}" if discreet else line.name, line.phone, tuple(extra),
                               "" if discreet else line.note))
    return out


@dataclass
class PrintReport:
    """What `pathways print` wrote."""

    written: list[Path] = field(default_factory=list)

    def lines(self) -> list[str]:
        """One line per PDF."""
        return [f"Printed {path}" for path in self.written]


def handout_pdf(lesson: course_facts.Lesson, points: list[str], res: Resources, out: Path) -> Path:
    """One lesson's one-page handout: its title, its key points and the support lines of `res`."""
    return pdf.render(pdf.page("handout.html.j2", lesson=lesson, points=points, lines=support_lines(res),
                               region=res.region), out)


def card_pdf(res: Resources, out: Path) -> Path:
    """The wallet-size support card (85.6 x 54 mm): numbers and hours under plain labels, nothing else."""
    return pdf.render(pdf.page("card.html.j2", lines=support_lines(res, discreet=True)), out)


def print_all(out: str | Path, lessons: str | Path | None = None, start: str | Path | None = None) -> PrintReport:
    """Write every PDF into `out`: the guide, the glossary, a handout per lesson and the support card. `start`: where
    the resources in force are looked for (default: the working folder)."""
    folder = Path(lessons) if lessons else course_mod.lessons_dir()
    out = Path(out)
    res = load_resources(start)
    rep = PrintReport()
    for name, source in ((GUIDE_PDF, course_facts.GUIDE), (GLOSSARY_PDF, course_facts.GLOSSARY)):
        body = markdown_html((folder / source).read_text(encoding="utf-8"))
        rep.written.append(pdf.render(pdf.page("document.html.j2", title=source, body=body,
                                               lines=support_lines(res), region=res.region), out / name))
    points = handout_points(folder)
    for lesson in course_facts.course_lessons(folder):
        rep.written.append(handout_pdf(lesson, points.get(lesson.id, []), res, out / f"handout-{lesson.id}.pdf"))
    rep.written.append(card_pdf(res, out / CARD_PDF))
    return rep
