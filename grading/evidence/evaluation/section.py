"""The class report's evaluation section, the paired CSV and `scores` (for certificates): the answers in the
course folder, turned into pseudonymous codes first (`store.code`), then analysed (`analysis.analyse`).

Nothing here reads a name; no free text reaches the page or the CSV (the reaction form's comments are shown
only by `pathways evaluation comments`, on the instructor's screen).
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment
from markupsafe import Markup
from pathways.activities.checks.rules import lesson_objectives
from pathways.evaluation.items import TIMEPOINT_NAMES, TIMEPOINTS
from pathways.files import LESSON_NOTEBOOK

from ... import course as course_mod
from ... import templates
from ...instructor.report_figures import Chart
from . import analysis, figures, store
from .bank import Bank, load_bank

#: The CSV's smallest group: a column with fewer values than this, or a file with fewer learners, is left empty.
MIN_CELL = 5
CSV_COLUMNS = ["code", *(f"knowledge_{tp}" for tp in TIMEPOINTS), *(f"attitude_{tp}" for tp in TIMEPOINTS)]


@functools.cache
def _environment() -> Environment:
    return templates.environment(Path(__file__).parent / "templates")


def coded_cohort(course: str | Path | None = None) -> analysis.Cohort:
    """Every learner's kept answers, under their pseudonymous code (never an id)."""
    folder = course_mod.folder(course)
    kept = store.load(folder.root)
    key = store.secret(folder) if kept else b""
    return {store.code(key, lid): sittings for lid, sittings in kept.items()}


def scores(course: str | Path | None = None) -> dict[str, dict[str, float]]:
    """Learner id -> time point ("pre", "post", "followup") -> percent of the items right, for the sittings a
    learner took and did not decline (a certificate rule may ask for a post-test mark). For the instructor's
    own use: an analysis file never holds it."""
    kept = store.load(course)
    if not kept:
        return {}
    bank = load_bank()
    return {lid: {tp: s for tp, a in sittings.items() if (s := analysis.score(bank, a)) is not None}
            for lid, sittings in kept.items()}


@dataclass
class Section:
    """The rendered section and its figures (written beside the report like its other figures)."""

    html: Markup
    charts: list[Chart] = field(default_factory=list)
    evaluation: analysis.Evaluation | None = None
    rows: list[dict[str, str]] = field(default_factory=list)  # the paired CSV's (`paired_rows`)

    def write_csv(self, path: str | Path) -> Path:
        """The paired data as CSV (UTF-8), pseudonymous, without free text."""
        path = Path(path)
        with open(path, "w", newline="", encoding="utf-8") as out:
            writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
            writer.writeheader()
            writer.writerows(self.rows)
        return path


def _charts(ev: analysis.Evaluation, bank: Bank, cohort: analysis.Cohort) -> list[Chart]:
    values = {tp: [s for sit in cohort.values() if (s := analysis.attitude_score(bank, sit.get(tp))) is not None]
              for tp in TIMEPOINTS}
    return [Chart("evaluation-objectives", "Share of answers right per lesson objective, before the course, after "
                  "it and at follow-up", figures.objectives(ev)),
            Chart("evaluation-paired", "Each pseudonymous learner's knowledge score at each time point taken, with "
                  "the mean", figures.paired(ev)),
            Chart("evaluation-attitudes", "Attitude scale scores at each time point (not externally validated)",
                  figures.attitudes(ev, values))]


def render(ev: analysis.Evaluation, bank: Bank, charts: list[Chart], lessons: Path | None = None,
           titles: dict[str, str] | None = None) -> Markup:
    """The section's HTML (autoescaped)."""
    folder = lessons or course_mod.lessons_dir()
    texts = {}
    for les in {i.lesson for i in bank.items}:
        for n, text in enumerate(lesson_objectives(folder / les / LESSON_NOTEBOOK), 1):
            texts[(les, n)] = text if text.endswith((".", ";")) else f"{text} …"  # its first line only
    html = _environment().get_template("evaluation.html.j2").render(
        ev=ev, timepoints=TIMEPOINTS, names=TIMEPOINT_NAMES, charts=charts, titles=titles or {},
        objective_texts=texts, conclude_from=analysis.CONCLUDE_FROM, uninformative=analysis.UNINFORMATIVE,
        n_statements=len(bank.attitudes), n_reverse=sum(a.reverse for a in bank.attitudes),
        reaction_texts={"relevance": bank.reaction.relevance, "confidence": bank.reaction.confidence},
        csv_name=course_mod.CourseFolder(Path(".")).evaluation_csv.name)
    return Markup(html)


def section(root: str | Path, titles: dict[str, str] | None = None) -> Section | None:
    """The evaluation section of the class report (drawn, nothing written), or None when no learner has handed in
    any part of the evaluation."""
    cohort = coded_cohort(root)
    if not cohort:
        return None
    bank = load_bank()
    ev = analysis.analyse(bank, cohort)
    charts = _charts(ev, bank, cohort)
    return Section(render(ev, bank, charts, titles=titles), charts, ev, paired_rows(bank, cohort))


def paired_rows(bank: Bank, cohort: analysis.Cohort) -> list[dict[str, str]]:
    """One row per pseudonymous code: knowledge percent and attitude score at each time point. Fewer than
    MIN_CELL codes: no row at all; a column with fewer than MIN_CELL values: left empty (small groups can point
    at a person)."""
    if len(cohort) < MIN_CELL:
        return []
    rows = []
    for c in sorted(cohort):
        row = {"code": c}
        for tp in TIMEPOINTS:
            k, a = analysis.score(bank, cohort[c].get(tp)), analysis.attitude_score(bank, cohort[c].get(tp))
            row[f"knowledge_{tp}"] = "" if k is None else f"{k:.1f}"
            row[f"attitude_{tp}"] = "" if a is None else f"{a:.2f}"
        rows.append(row)
    for col in CSV_COLUMNS[1:]:
        if sum(1 for r in rows if r[col]) < MIN_CELL:
            for r in rows:
                r[col] = ""
    return rows

