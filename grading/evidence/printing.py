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
#: The handout's own few words, by language (a translated handout, `handouts.<lang>.yaml`, needs its language here).
WORDS = {
    "en": {"intro": "Key points to keep. The lesson itself gives the full sources.", "lesson": "Lesson",
           "support": "Support lines", "or": "or", "text": "text {0} to {1}",
           "close": "If reading this brings something up for you, the lines above are free, and you can stop at "
                    "any time."},
    "es": {"intro": "Puntos clave para conservar. La lección da las fuentes completas.", "lesson": "Lección",
           "support": "Líneas de apoyo", "or": "o", "text": "envía {0} al {1}",
           "close": "Si leer esto te remueve algo, las líneas de arriba son gratuitas, y puedes parar en cualquier "
                    "momento."},
}
GUIDE_PDF, GLOSSARY_PDF, CARD_PDF = "facilitator-guide.pdf", "glossary.pdf", "support-card.pdf"


def markdown_html(text: str) -> str:
    """A Markdown document (the guide, the glossary) as HTML: CommonMark with tables, raw HTML off."""
    return MarkdownIt("commonmark", {"html": False}).enable("table").render(text)


def handout_points(lessons: str | Path | None = None, lang: str = "en") -> dict[str, list[str]]:
    """Lesson id -> its handout's key points in `lang` (ValueError naming the file when it cannot be read)."""
    name = HANDOUTS if lang == "en" else HANDOUTS.replace(".yaml", f".{lang}.yaml")
    path = (Path(lessons) if lessons else course_mod.lessons_dir()) / name
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


def support_lines(res: Resources, discreet: bool = False, lang: str = "en") -> list[SupportLine]:
    """The emergency number and every line shown in the panel, from the resources in force, in `lang`. `discreet`:
    plain labels only (for the card), no line's name or note."""
    words = WORDS[lang]
    out = [SupportLine("Emergency" if discreet else res.emergency.name, res.emergency.phone, (),
                       "" if discreet else res.emergency.note)]
    for n, line in enumerate((x for x in res.lines if x.panel), start=1):
        extra = [f"{words['or']} {line.phone_words}"] if line.phone_words else []
        keyword = line.text_keyword()
        if keyword:
            extra.append(words["text"].format(*keyword))
        elif line.text:
            extra.append(f"text {line.text}")
        extra += [f"TTY {line.tty}"] if line.tty else []
        extra += [line.hours] if line.hours else []
        label = (line.card_label or f"Support line {n}") if discreet else line.name
        out.append(SupportLine(label, line.phone, tuple(extra),
                               "" if discreet else line.note))
    return out


@dataclass
class PrintReport:
    """What `pathways print` wrote."""

    written: list[Path] = field(default_factory=list)

    def lines(self) -> list[str]:
        """One line per PDF."""
        return [f"Printed {path}" for path in self.written]


def handout_pdf(lesson: course_facts.Lesson, points: list[str], res: Resources, out: Path,
                lang: str = "en") -> Path:
    """One lesson's one-page handout in `lang`: its title, its key points and the support lines of `res`."""
    return pdf.render(pdf.page("handout.html.j2", lesson=lesson, points=points, lines=support_lines(res, lang=lang),
                               region=res.region, words=WORDS[lang], lang=lang), out)


def translated_handouts(folder: Path) -> list[str]:
    """The languages with handout key points of their own (`handouts.<lang>.yaml`) that Pathways has words for."""
    return sorted(lang for p in folder.glob("handouts.*.yaml") if (lang := p.name.split(".")[1]) in WORDS)


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
    for lang in translated_handouts(folder):
        translated, local = handout_points(folder, lang), load_resources(start, lang=lang)
        for lesson in course_facts.course_lessons(folder, only=list(translated), lang=lang):
            rep.written.append(handout_pdf(lesson, translated[lesson.id], local,
                                           out / f"handout-{lesson.id}.{lang}.pdf", lang))
    rep.written.append(card_pdf(res, out / CARD_PDF))
    return rep
