"""The two modes of an activity file that carries a key (knowledge checks, sorting), and what breaks each.

A **formative** file (the default) carries every key and explanation, shown right after the learner's first
answer; a **hidden-key** file carries neither: the key lives only in the notebook's hidden autograder tests
(lessons/AUTHORING.md, "Knowledge checks and sorting"; `pathways check` reports each file's mode).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from ..scenario.problems import Problem, SourceMap

#: The longest explanation an option or sorting item may carry (a few sentences).
EXPLANATION_MAX = 600
#: The two kinds of assessment file: keys and explanations in the file, or keys only in the hidden tests.
Mode = Literal["formative", "hidden-key"]
#: What each mode means, in the words `pathways check` reports.
MODES = {"formative": "formative: right or not, and why, shown right after the learner's first answer",
         "hidden-key": "hidden-key: the key is only in the notebook's hidden tests; explanations come with feedback"}
#: What a formative file lacks, or a hidden-key file must not carry, and how to fix it.
FORMATIVE_LACKS = {"questions": "a formative file gives every question its key (`answer:`) and every option an "
                                 "explanation (or say `mode: hidden-key` at the top)",
                   "items": "a formative file gives every item its key (`category:`) and an explanation (or say "
                            "`mode: hidden-key` at the top)"}
HIDDEN_CARRIES = ("{what} carries its key or an explanation in a `mode: hidden-key` file, which learners can read; "
                  "remove them (they go in the notebook's hidden test), or make the file formative")


def mode_problems(path: str | Path, smap: SourceMap, formative: bool, field: str,
                  entries: list[tuple[str, bool, bool]]) -> list[Problem]:
    """What breaks the file's mode: entries (id, has its key, has every explanation; any explanation for hidden-key)
    of `field` ("questions" or "items") that a formative file lacks or a hidden-key file must not carry."""
    problems = []
    what = "question" if field == "questions" else "item"
    for i, (eid, keyed, explained) in enumerate(entries):
        if formative and not (keyed and explained):
            lacks = " and ".join(([] if keyed else ["its key"]) + ([] if explained else ["an explanation"]))
            message = f"{what} {eid!r} lacks {lacks}: " + FORMATIVE_LACKS[field]
        elif not formative and (keyed or explained):
            message = HIDDEN_CARRIES.format(what=f"{what} {eid!r}")
        else:
            continue
        problems.append(Problem(str(path), smap.line((field, i)), f"{field}[{i}]", message))
    return problems
