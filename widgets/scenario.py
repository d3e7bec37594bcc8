"""Scenario files: the data format of a role-play, its schema and its loader.

A role-play is a graph written in YAML (or JSON, which is YAML too). The loader checks it
against the pydantic models below and against the graph rules, and every problem it reports
names the file, the line and what is wrong, in words an author who does not program can act on.

This module imports nothing from Jupyter: the engine, the grader and the `pathways check`
command all use it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .principles import principle_ids

ID_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
CONDITION = re.compile(r"^\s*([a-z][a-z0-9_]*)\s*(>=|<=|==|!=|>|<)\s*(-?\d+)\s*$")
CHECKLIST_ID = re.compile(r"^[A-Z]{2}-\d{2}$")

Identifier = Annotated[str, Field(pattern=ID_PATTERN, max_length=60)]


def _check_condition(value: str | None) -> str | None:
    if value is not None and not CONDITION.match(value):
        raise ValueError(
            f"condition {value!r} is not of the form 'name >= number' (operators: >=, <=, ==, !=, >, <)"
        )
    return value


def _check_tags(value: list[str]) -> list[str]:
    for tag in value:
        if not CHECKLIST_ID.match(tag):
            raise ValueError(f"tag {tag!r} is not a checklist id like 'TI-01'")
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Feedback(_Strict):
    """What the learner reads after a choice: the likely reaction, and the principle behind it."""

    reaction: str = Field(min_length=1, description="What the other person likely felt or did next.")
    principle: str = Field(description="Id of the trauma-informed principle (see principles.yaml).")
    honours: bool = Field(description="True if the choice honours the principle, false if it breaks it.")
    why: str = Field(min_length=1, description="Why, in one or two sentences, without shaming the learner.")

    @field_validator("principle")
    @classmethod
    def _known_principle(cls, value: str) -> str:
        if value not in principle_ids():
            raise ValueError(
                f"unknown principle {value!r}; use one of: {', '.join(sorted(principle_ids()))}"
            )
        return value


class Branch(_Strict):
    """One conditional destination: go to `goto` when `when` holds (no `when`: always)."""

    when: str | None = None
    goto: Identifier

    _when = field_validator("when")(lambda v: _check_condition(v))


class Choice(_Strict):
    """One option the learner can pick at a node."""

    id: Identifier
    text: str = Field(min_length=1)
    next: Identifier | list[Branch]
    score: int = Field(ge=0, le=10)
    feedback: Feedback
    when: str | None = Field(default=None, description="Only offered when this condition holds.")
    set: dict[Identifier, int] = Field(default_factory=dict, description="Add these amounts to variables.")
    tags: list[str] = Field(default_factory=list, description="Checklist ids this choice teaches.")
    review: str | None = Field(default=None, description="What to read again if this choice was taken.")

    _when = field_validator("when")(lambda v: _check_condition(v))
    _tags = field_validator("tags")(lambda v: _check_tags(v))


class Ending(_Strict):
    """Marks a node as an ending of the story."""

    outcome: Literal["hopeful", "open", "concerning"]
    title: str = Field(min_length=1)


class Node(_Strict):
    """A moment in the conversation: narrative text, then choices or an ending."""

    speaker: str | None = None
    text: str = Field(min_length=1)
    choices: list[Choice] = Field(default_factory=list)
    ending: Ending | None = None


class Scenario(_Strict):
    """A whole role-play."""

    id: Identifier
    version: int = Field(ge=1)
    title: str = Field(min_length=1)
    role: str = Field(min_length=1, description="Who the learner plays, e.g. 'an ER nurse'.")
    setting: str = Field(min_length=1, description="Where and when the scene happens.")
    language: str = "en"
    checklist: list[str] = Field(default_factory=list)
    variables: dict[Identifier, int] = Field(default_factory=dict)
    start: Identifier
    nodes: dict[Identifier, Node] = Field(min_length=1)

    _checklist = field_validator("checklist")(lambda v: _check_tags(v))


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario file, located for its author."""

    file: str
    line: int | None
    path: str
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        at = f" (at {self.path})" if self.path else ""
        return f"{where}: {self.severity}: {self.message}{at}"


class ScenarioError(ValueError):
    """Raised when a scenario file cannot be used; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class SourceMap:
    """Finds the line of a path like ('nodes', 'intro', 'choices', 0, 'next') in a YAML file."""

    root: yaml.Node | None

    def line(self, path: tuple) -> int | None:
        node = self.root
        best = node.start_mark.line + 1 if node is not None else None
        for key in path:
            if isinstance(node, yaml.MappingNode):
                for k, v in node.value:
                    if k.value == str(key):
                        best = k.start_mark.line + 1
                        node = v
                        break
                else:
                    return best
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
                node = node.value[key]
                best = node.start_mark.line + 1
            else:
                return best
        return best


def _dotted(path: tuple) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


_PLAIN_MESSAGES = {
    "missing": "this field is required but missing",
    "extra_forbidden": "this field is not part of the scenario format (check its spelling)",
}


def _friendly(error: dict) -> str:
    if error["type"] in _PLAIN_MESSAGES:
        return _PLAIN_MESSAGES[error["type"]]
    msg = error["msg"]
    return msg.removeprefix("Value error, ")


def _clean_loc(loc: tuple) -> tuple:
    # pydantic adds the union member name ('str', 'list[Branch]') to the location of union errors.
    return tuple(p for p in loc if not (isinstance(p, str) and ("[" in p or p in {"str", "function-after"})))


def parse(text: str, filename: str = "<scenario>") -> tuple[Scenario, SourceMap]:
    """Parse and validate scenario text; raise ScenarioError listing every problem found."""
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError(
            [Problem(filename, line, "", f"the file is not valid YAML: {problem} (check indentation and quotes)")]
        ) from None
    smap = SourceMap(root)
    if not isinstance(data, dict):
        raise ScenarioError([Problem(filename, 1, "", "a scenario file must be a mapping with id, title, nodes, ...")])
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        problems, seen = [], set()
        for err in exc.errors():
            loc = _clean_loc(err["loc"])
            key = (loc, err["type"])
            if key in seen:
                continue
            seen.add(key)
            problems.append(Problem(filename, smap.line(loc), _dotted(loc), _friendly(err)))
        raise ScenarioError(problems) from None
    problems = graph_problems(scenario, smap, filename)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise ScenarioError(errors)
    return scenario, smap


def load(path: str | Path) -> Scenario:
    """Load and validate a scenario file; raise ScenarioError naming file and line on any problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([Problem(str(path), None, "", "scenario file not found")]) from None
    except UnicodeDecodeError:
        raise ScenarioError([Problem(str(path), None, "", "the file is not UTF-8 text")]) from None
    return parse(text, str(path))[0]


def targets(choice: Choice) -> list[str]:
    """Every node a choice can lead to."""
    return [choice.next] if isinstance(choice.next, str) else [b.goto for b in choice.next]


def graph_problems(scenario: Scenario, smap: SourceMap, filename: str) -> list[Problem]:
    """The rules a schema cannot express: targets exist, nodes are reachable, the story ends."""
    problems: list[Problem] = []

    def add(path: tuple, message: str, severity: str = "error") -> None:
        problems.append(Problem(filename, smap.line(path), _dotted(path), message, severity))

    nodes = scenario.nodes
    if scenario.start not in nodes:
        add(("start",), f"the start node {scenario.start!r} does not exist; add it under 'nodes' or fix the name")
    for nid, node in nodes.items():
        if node.ending and node.choices:
            add(("nodes", nid), f"node {nid!r} is an ending but also has choices; remove one of the two")
        if not node.ending and not node.choices:
            add(("nodes", nid), f"node {nid!r} has no choices and is not an ending: the story stops here; "
                "add choices or an 'ending:'")
        ids = [c.id for c in node.choices]
        for dup in sorted({i for i in ids if ids.count(i) > 1}):
            add(("nodes", nid, "choices"), f"two choices at node {nid!r} share the id {dup!r}; give each its own id")
        for ci, choice in enumerate(node.choices):
            for var in _condition_vars(choice):
                if var not in scenario.variables:
                    add(("nodes", nid, "choices", ci), f"choice {choice.id!r} uses variable {var!r}, "
                        "which is not declared under 'variables'")
            for var in choice.set:
                if var not in scenario.variables:
                    add(("nodes", nid, "choices", ci, "set"), f"choice {choice.id!r} changes variable {var!r}, "
                        "which is not declared under 'variables'")
            for target in targets(choice):
                if target not in nodes:
                    add(("nodes", nid, "choices", ci, "next"),
                        f"choice {choice.id!r} leads to {target!r}, which is not a node; fix the name or add the node")
            if isinstance(choice.next, list) and choice.next[-1].when is not None:
                add(("nodes", nid, "choices", ci, "next"),
                    f"choice {choice.id!r}: the last branch of 'next' must have no 'when', "
                    "so that some branch always applies")
    if problems:
        return problems
    reachable = _reachable(scenario, scenario.start)
    for nid in nodes:
        if nid not in reachable:
            add(("nodes", nid), f"node {nid!r} can never be reached from the start; link a choice to it or remove it")
    endings = {nid for nid, n in nodes.items() if n.ending}
    if not endings:
        add(("nodes",), "the scenario has no ending; mark at least one node with 'ending:'")
    for nid in reachable:
        if endings and not (_reachable(scenario, nid) & endings):
            add(("nodes", nid), f"from node {nid!r} no ending can be reached: the learner would be stuck in a loop")
    return problems


def _condition_vars(choice: Choice) -> list[str]:
    conds = [choice.when] + ([b.when for b in choice.next] if isinstance(choice.next, list) else [])
    return [CONDITION.match(c).group(1) for c in conds if c]


def _reachable(scenario: Scenario, start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        nid = todo.pop()
        if nid in seen or nid not in scenario.nodes:
            continue
        seen.add(nid)
        for choice in scenario.nodes[nid].choices:
            todo.extend(targets(choice))
    return seen


def json_schema() -> dict:
    """The published JSON Schema of the scenario format."""
    return Scenario.model_json_schema()
