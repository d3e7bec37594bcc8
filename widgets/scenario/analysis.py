"""Checking a scenario text: every rule, in order, over one parse of the YAML.

`check_text` / `check_file` find every problem at once, errors and style warnings alike; `parse` runs the
very same checks and refuses a text with any error, so what `pathways check` accepts is exactly what a
lesson can play and grade.

Order: the YAML, duplicate keys, the schema (pydantic) and, when the schema fails, the graph over the plain
data; else the graph, then the conditions (`flow`) and the scores, each only when nothing before it is an
error; then the authors' warnings (assessment and style rules).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import ValidationError

from .model import Scenario
from .problems import Problem, ScenarioError, SourceMap, by_line
from .rules.assessment import assessment_problems
from .rules.duplicates import MISSING_DASH, duplicate_key_problems
from .rules.flow import flow_problems
from .rules.graph import graph_problems, structure_problems
from .rules.score import score_problems
from .rules.style import raw_wording_problems, style_problems
from .source import Parsed, read_text, read_yaml, yaml_error
from .wording import schema_problems


@dataclass
class Checked:
    """Everything `check_text` learnt about one scenario text."""

    file: str
    scenario: Scenario | None
    smap: SourceMap
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        """The problems that stop the scenario from being used."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """Style advice; the scenario still works."""
        return [p for p in self.problems if p.severity == "warning"]


def _has_error(problems: list[Problem]) -> bool:
    return any(p.severity == "error" for p in problems)


def analyse(text: str, filename: str = "<scenario>", warnings: bool = True, parsed: Parsed | None = None) -> Checked:
    """Check scenario text completely: schema, graph, conditions, scores and style, all at once.

    `warnings=False` skips the rules that only warn (assessment and style advice for authors): a lesson
    loading its role-play needs to know only that nothing is broken. `parsed` is the text's `read_yaml`,
    when the caller has parsed it already."""
    try:
        root, data = parsed if parsed is not None else read_yaml(text)
    except yaml.YAMLError as exc:
        line, problem = yaml_error(exc, text)
        return Checked(filename, None, SourceMap(None), [
            Problem(filename, line, "", f"the file is not valid YAML: {problem}")])
    smap = SourceMap(root)
    if not isinstance(data, dict):
        return Checked(filename, None, smap, [
            Problem(filename, 1, "", "a scenario file must be a block of 'name: value' lines (id, version, "
                    "title, role, setting, start, nodes), not a list or a single value")])
    problems = duplicate_key_problems(root, filename)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        # The schema failed, but the shape of the graph can still be checked: report it too.
        problems += schema_problems(exc, smap, filename) + structure_problems(data, smap, filename)
        if warnings:
            problems += raw_wording_problems(data, smap, filename)
        return Checked(filename, None, smap, by_line(problems))
    graph = graph_problems(scenario, smap, filename)
    if any(p.rule == MISSING_DASH for p in problems):
        # A choice that lost its '- ' was merged into the one above, whose link was lost: the moments it led to
        # look unreachable. That is the same slip; it is said once, where the '- ' is missing.
        graph = [p for p in graph if "can never be reached from the start" not in p.message]
    problems += graph
    for rule in (flow_problems, score_problems):
        if not _has_error(problems):
            problems += rule(scenario, smap, filename)
    if warnings and not _has_error(problems):
        problems += assessment_problems(scenario, smap, filename)
    if warnings:
        problems += _not_explained_already(style_problems(scenario, smap, filename), problems)
    return Checked(filename, scenario, smap, by_line(problems))


def _not_explained_already(advice: list[Problem], errors: list[Problem]) -> list[Problem]:
    """Advice on a part whose own error explains it: a moment with 'one choice' because a choice lost its '- '."""
    return [w for w in advice if not any(e.path.startswith(f"{w.path}[") for e in errors if w.path)]


def check_text(text: str, filename: str = "<scenario>") -> list[Problem]:
    """Every problem of a scenario text (errors and warnings), in the order of the file."""
    return analyse(text, filename).problems


def check_file(path: str | Path) -> list[Problem]:
    """Every problem of a scenario file (errors and warnings); an unreadable file is one problem."""
    try:
        text = read_text(Path(path))
    except ScenarioError as exc:
        return exc.problems
    return check_text(text, str(path))


def parse(text: str, filename: str = "<scenario>", parsed: Parsed | None = None) -> tuple[Scenario, SourceMap]:
    """Parse and validate scenario text; raise ScenarioError listing every error found (authors' warnings are
    not looked for: `analyse` and `pathways check` give them)."""
    checked = analyse(text, filename, warnings=False, parsed=parsed)
    if checked.errors:
        raise ScenarioError(checked.errors)
    return checked.scenario, checked.smap
