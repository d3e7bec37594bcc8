"""The evaluation's take-home folders, the post-test's feedback pages and the reaction form's comments.

* `release`: one folder per time point under `CourseFolder.evaluation_release` (`pre-test/`, `post-test/`,
  `follow-up/`), each holding `evaluation.ipynb` (content note, quick exit and support lines, the form) and
  `items.yaml` (the learners' copy: no key, no explanation). Send each learner the folder, zipped.
* `feedback`: after the post-test is collected, one page per learner who took it,
  `CourseFolder.evaluation_feedback(id)/post-test.html`: each situation, the learner's answer, the right one and
  every option's explanation. There is none for the pre-test (the same items come again after the course), and
  none for the follow-up unless asked for (`timepoint="followup"`).
* `comments`: the reaction form's "what would you change" answers, shuffled, without ids, for the instructor's
  screen only (never written to a file).
"""

from __future__ import annotations

import random
from pathlib import Path

import nbformat
from jinja2 import Environment
from pathways.evaluation.items import ITEMS_FILE, TIMEPOINT_NAMES, TIMEPOINTS

from ... import course as course_mod
from ... import templates
from . import store
from .bank import dump, learner_copy, load_bank

NOTEBOOK = "evaluation.ipynb"
CONTENT_NOTE = """# {title}: {name}

**Content note.** The situations below mention trafficking, coercion and abuse in one plain sentence each, with
no graphic detail. You can stop at any time.

**Voluntary, and never part of your grade.** {notice}
"""
SAFETY_CELL = "from pathways.views import safety_panel\n\nsafety_panel()"  # quick exit and support lines, as lessons
FORM_CELL = "from pathways.evaluation import show\n\nshow()"


def folder_name(timepoint: str) -> str:
    """A time point's take-home folder: pre-test, post-test, follow-up."""
    return TIMEPOINT_NAMES[timepoint]


def release(course: str | Path | None = None) -> list[Path]:
    """Write the take-home folder of every time point (again, whole, each time); return them."""
    bank, out = load_bank(), []
    root = course_mod.folder(course).evaluation_release
    for tp in TIMEPOINTS:
        target = root / folder_name(tp)
        target.mkdir(parents=True, exist_ok=True)
        (target / ITEMS_FILE).write_text(dump(learner_copy(bank, tp)), encoding="utf-8")
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_markdown_cell(CONTENT_NOTE.format(title=bank.title, name=TIMEPOINT_NAMES[tp],
                                                                      notice=" ".join(bank.notice.split()))),
                    nbformat.v4.new_code_cell(SAFETY_CELL), nbformat.v4.new_code_cell(FORM_CELL)]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, target / NOTEBOOK)
        out.append(target)
    return out


def _page_env() -> Environment:
    return templates.environment(Path(__file__).parent / "templates")


def feedback(course: str | Path | None = None, timepoint: str = "post") -> list[Path]:
    """One explanations page per learner who took `timepoint` ("post" or "followup"); never the pre-test."""
    if timepoint not in ("post", "followup"):
        raise ValueError("feedback explains the post-test or the follow-up, never the pre-test (the same items "
                         "come again after the course)")
    folder, bank = course_mod.folder(course), load_bank()
    template, out = _page_env().get_template("feedback.html.j2"), []
    for lid, sittings in store.load(folder.root).items():
        answers = sittings.get(timepoint)
        if answers is None or answers.declined:
            continue
        page = folder.evaluation_feedback(lid) / f"{folder_name(timepoint)}.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(template.render(bank=bank, answers=answers.answers, name=TIMEPOINT_NAMES[timepoint]),
                        encoding="utf-8")
        out.append(page)
    return out


def comments(course: str | Path | None = None) -> list[str]:
    """What learners would change in the course, shuffled and without ids (never written anywhere)."""
    said = [a.change.strip() for sittings in store.load(course).values() for a in sittings.values()
            if not a.declined and a.change.strip()]
    random.shuffle(said)
    return said
