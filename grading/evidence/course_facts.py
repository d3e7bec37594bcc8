"""What the course's own sources say about it: each lesson's title and objectives (its notebook), its time (the
facilitator guide's "Timing per lesson" table) and the one-day workshop's agenda (the guide's section 3).

Read, never copied: the certificate's hours, the course sheet's agenda and the handouts' titles come from the same
files the facilitator and the learner read, so they cannot drift apart. A guide whose tables cannot be read is an
error that names the file and what is missing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from pathways.files import LESSON_NOTEBOOK

from .. import course as course_mod

GUIDE = "FACILITATOR-GUIDE.md"
GLOSSARY = "GLOSSARY.md"
#: A row of the guide's timing table: | 1 | topic | about 55 min | 45 min | role |
_TIMING_ROW = re.compile(r"^\|\s*(\d+)\s*\|([^|]*)\|\s*about\s+(\d+)\s*min\s*\|\s*(\d+)\s*min\s*\|")
#: A row of the one-day agenda: | 09:00-09:20 | Opening | notes |
_AGENDA_ROW = re.compile(r"^\|\s*(\d\d):(\d\d)-(\d\d):(\d\d)\s*\|([^|]*)\|([^|]*)\|")
#: Agenda rows that are not teaching (contact) time.
NOT_CONTACT = ("break", "lunch")


@dataclass(frozen=True)
class Lesson:
    """One lesson as its sources describe it."""

    id: str
    number: int
    title: str
    objectives: tuple[str, ...]
    minutes_alone: int
    minutes_workshop: int


@dataclass(frozen=True)
class AgendaItem:
    """One row of the one-day workshop's agenda."""

    start: str
    end: str
    what: str
    minutes: int

    @property
    def contact(self) -> bool:
        """True for teaching time (not a break or lunch)."""
        return self.what.strip().lower() not in NOT_CONTACT


def _lessons_folder(lessons: str | Path | None) -> Path:
    return Path(lessons) if lessons else course_mod.lessons_dir()


def _section(text: str, number: int) -> str:
    match = re.search(rf"^## {number}\. .*?(?=^## |\Z)", text, re.M | re.S)
    return match.group(0) if match else ""


def guide_text(lessons: str | Path | None = None) -> str:
    """The facilitator guide (ValueError naming it when missing)."""
    path = _lessons_folder(lessons) / GUIDE
    if not path.is_file():
        raise ValueError(f"no facilitator guide at {path}: the lessons' times and the agenda come from it")
    return path.read_text(encoding="utf-8")


def timing(lessons: str | Path | None = None) -> dict[int, tuple[int, int]]:
    """Lesson number -> (minutes for a learner alone, minutes in a workshop), from the guide's section 2."""
    rows = {}
    for line in _section(guide_text(lessons), 2).splitlines():
        m = _TIMING_ROW.match(line)
        if m:
            rows[int(m[1])] = (int(m[3]), int(m[4]))
    if not rows:
        raise ValueError(f"the facilitator guide's section 2 has no timing table rows like '| 1 | topic | about 55 "
                         f"min | 45 min | ... |' ({_lessons_folder(lessons) / GUIDE})")
    return rows


def agenda(lessons: str | Path | None = None) -> list[AgendaItem]:
    """The one-day workshop's agenda (the guide's section 3), in order."""
    items = []
    for line in _section(guide_text(lessons), 3).splitlines():
        m = _AGENDA_ROW.match(line)
        if m:
            minutes = (int(m[3]) * 60 + int(m[4])) - (int(m[1]) * 60 + int(m[2]))
            items.append(AgendaItem(f"{m[1]}:{m[2]}", f"{m[3]}:{m[4]}", m[5].strip(), minutes))
    if not items:
        raise ValueError("the facilitator guide's section 3 has no agenda rows like '| 09:00-09:20 | Opening | |'")
    return items


def _notebook_text(path: Path) -> list[str]:
    cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    return ["".join(c.get("source", "")) for c in cells if c.get("cell_type") == "markdown"]


def _title(cells: list[str], lesson_id: str) -> str:
    for text in cells:
        m = re.match(r"#\s+\w+\s+\d+\s*[·:.-]\s*(.+)", text.strip())  # "Lesson 1 · ...", "Lección 1 · ..."
        if m:
            return m[1].strip()
    return lesson_id


def _objectives(cells: list[str]) -> tuple[str, ...]:
    for text in cells:
        head = re.search(r"will be able to:\**\s*\n", text)
        if head:
            block = text[head.end():]
            items = re.findall(r"^\d+\.\s+(.+?)(?=^\d+\.\s|^\s*$|\Z)", block, re.M | re.S)
            return tuple(" ".join(item.split()).rstrip(";.") for item in items)
    return ()


def course_lessons(lessons: str | Path | None = None, only: list[str] | None = None,
                   lang: str | None = None, timed: bool = True) -> list[Lesson]:
    """Every lesson (or those in `only`), with its title and objectives from its notebook (its translation in `lang`
    where there is one) and its times from the guide; ValueError naming a lesson the guide gives no time for.
    `timed=False` (the LMS files, which name lessons only) reads no guide and gives every time as 0."""
    folder = _lessons_folder(lessons)
    times = timing(folder) if timed else None
    out = []
    for lid in course_mod.lesson_ids(folder):
        if only is not None and lid not in only:
            continue
        number = int(re.match(r"\d+", lid)[0]) if re.match(r"\d+", lid) else 0
        if times is not None and number not in times:
            raise ValueError(f"the facilitator guide gives no time for lesson {number} ({lid}): add its row to the "
                             "table in section 2")
        translated = folder / lid / f"{Path(LESSON_NOTEBOOK).stem}.{lang}.ipynb"
        cells = _notebook_text(translated if lang and translated.is_file()
                               else folder / lid / LESSON_NOTEBOOK)
        out.append(Lesson(lid, number, _title(cells, lid), _objectives(cells), *(times[number] if times else (0, 0))))
    return out


def hours_text(minutes: int) -> str:
    """'6 h 20 min' (or '45 min')."""
    h, m = divmod(int(minutes), 60)
    return f"{h} h {m} min" if h and m else f"{h} h" if h else f"{m} min"
