"""A lesson notebook read into what its page shows, without running it: readings (markdown cells as HTML) and
activities (the calls its code cells make, rendered by `kinds`).

Cells tagged `grading` (the instructor's section: model answers, hidden tests) and any cell nbgrader marks as a
solution or a test are never read: they cannot reach the page. A code cell's calls are read with `ast`
(`pathways.activities.testcells`), never executed; a call the site does not know stops the build with its cell number.
Markdown is rendered by markdown-it-py with raw HTML off (so a lesson's text cannot add a script), links to
http(s) addresses only (opened in a new tab), and images only from the lesson's own folder.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import nbformat
from markdown_it import MarkdownIt
from pathways.activities.testcells import call_arg, call_name, calls_in

from . import kinds

GRADING_TAG = "grading"


def _reading_parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")

    def valid(url: str) -> bool:
        lowered = url.strip().lower()
        return lowered.startswith(("http://", "https://", "#")) or ("://" not in lowered and ":" not in lowered
                                                                      and not lowered.startswith("//"))

    parser.validateLink = valid

    def link_open(renderer, tokens, idx, options, env):
        href = tokens[idx].attrGet("href") or ""
        if href.lower().startswith(("http://", "https://")):
            tokens[idx].attrSet("target", "_blank")
            tokens[idx].attrSet("rel", "noopener noreferrer")
        return renderer.renderToken(tokens, idx, options, env)

    def image(renderer, tokens, idx, options, env):
        src = tokens[idx].attrGet("src") or ""
        if "://" in src or src.startswith("//"):  # an image elsewhere would be a request off this site
            return renderer.renderInline(tokens[idx].children or [], options, env)
        return renderer.image(tokens, idx, options, env)

    parser.add_render_rule("link_open", link_open)
    parser.add_render_rule("image", image)
    return parser


READINGS = _reading_parser()


class LessonError(ValueError):
    """A lesson cell the static site cannot show."""


@dataclass
class Lesson:
    """One lesson page's content."""

    title: str
    summary: str
    blocks: list[kinds.Block]
    scored: list[dict]
    points: dict[str, float]  # what each graded item is worth in the notebook's grading cells, by item name


def is_instructors(cell: nbformat.NotebookNode) -> bool:
    """True for a cell that must never reach a visitor: tagged `grading`, or an nbgrader solution or test."""
    meta = cell.get("metadata", {})
    grader = meta.get("nbgrader", {})
    return GRADING_TAG in meta.get("tags", []) or bool(grader.get("solution")) or bool(grader.get("grade"))


def grading_points(cells: list) -> dict[str, float]:
    """Each graded item's points, as the notebook's grading cells give them (read, never run): a SCORM score
    weighs the activities as the lesson's grade does."""
    points = {}
    for cell in cells:
        for call in calls_in(cell.source) if cell.cell_type == "code" else []:
            name = call_name(call)
            if name == "roleplay_points":
                item = f"roleplay:{call_arg(call, 'activity', 2, 'roleplay')}"
                points[item] = call_arg(call, "points", 1, 1)
            elif name == "check_points":
                item = f"check:{call_arg(call, 'activity', 3, 'checks')}:{call_arg(call, 'question', 0)}"
                points[item] = call_arg(call, "points", 2, 1)
            elif name == "sorting_points":
                points[f"sorting:{call_arg(call, 'activity', 0)}"] = call_arg(call, "points", 2, 1)
    return {item: float(p) for item, p in points.items() if isinstance(p, int | float) and p > 0}


def _literal(node: ast.AST):
    try:
        return ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError) as exc:
        raise LessonError(f"an argument is not a literal: {ast.unparse(node)}") from exc


def read(notebook: Path, lang: str | None) -> Lesson:
    """Read a lesson notebook (`lesson.ipynb` or a translation such as `lesson.es.ipynb`) into its page."""
    from pathways.grading.delivery.dashboards.build import notebook_summary, notebook_title

    nb = nbformat.read(notebook, as_version=4)
    page = kinds.Page(notebook.parent, lang)
    blocks = []
    for number, cell in enumerate(nb.cells, start=1):
        if is_instructors(cell):
            continue
        if cell.cell_type == "markdown":
            blocks.append(kinds.Block(f'<div class="pw-reading">{READINGS.render(cell.source)}</div>'))
        elif cell.cell_type == "code":
            for call in calls_in(cell.source):
                name = call_name(call)
                if name in kinds.SILENT:
                    continue
                render = kinds.renderer(name)
                if render is None:
                    raise LessonError(f"{notebook}: cell {number} calls {name}(), which the static site cannot show "
                                      "(an activity kind without a static renderer in grading/delivery/site/kinds.py)")
                args = [_literal(a) for a in call.args]
                kwargs = {k.arg: _literal(k.value) for k in call.keywords}
                blocks.append(render(page, *args, **kwargs))
    title = notebook_title(nb) or notebook.parent.name
    return Lesson(title, notebook_summary(nb), blocks, page.scored, grading_points(nb.cells))


def read_head(notebook: Path) -> tuple[str, str]:
    """A lesson's title and the first paragraph of its overview (for the landing page)."""
    from pathways.grading.delivery.dashboards.build import notebook_summary, notebook_title

    nb = nbformat.read(notebook, as_version=4)
    return notebook_title(nb) or notebook.parent.name, notebook_summary(nb)
