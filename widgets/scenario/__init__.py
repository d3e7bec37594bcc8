"""Scenario files: the data format of a role-play, its schema, its loader and its checks.

A role-play is a graph written in YAML (or JSON, which is YAML too). The loader checks it
against the pydantic models below and against the graph rules, and every problem it reports
names the file, the line and what is wrong, in words an author who does not program can act on.

`check_text` / `check_file` find every problem at once, errors and style warnings alike; the
loader (`parse`, `load`) runs the very same checks and refuses a file with any error, so what
`pathways check` accepts is exactly what a lesson can play and grade.

This module imports nothing from Jupyter: the engine, the grader and the `pathways check`
command all use it.
"""

from __future__ import annotations

import operator
import re
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..checklist import checklist_ids
from ..principles import principle_ids
from ..yamlload import LOADER

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


def _check_tag(tag: str) -> str:
    if not CHECKLIST_ID.match(tag):
        raise ValueError(f"tag {tag!r} is not a checklist id like 'TI-01'")
    if tag not in checklist_ids():
        raise ValueError(f"unknown checklist id {tag!r}; use an id of the coverage checklist "
                         "(`pathways check --list` shows them all)")
    return tag


def _check_tags(value: list[str]) -> list[str]:
    for tag in value:
        _check_tag(tag)
    return value


#: A coverage-checklist id such as 'TI-01' (one of widgets/data/checklist.yaml).
ChecklistId = Annotated[str, AfterValidator(_check_tag),
                        Field(json_schema_extra={"enum": sorted(checklist_ids())})]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Feedback(_Strict):
    """What the learner reads after a choice: the likely reaction, and the principle behind it."""

    reaction: str = Field(min_length=1, description="What the other person likely felt or did next.")
    principle: str = Field(description="Id of the trauma-informed principle (see principles.yaml).",
                           json_schema_extra={"enum": sorted(principle_ids())})
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

    when: str | None = Field(default=None, description="A condition such as 'trust >= 2'; leave it out on the "
                             "last branch.")
    goto: Identifier = Field(description="The node this branch leads to.")

    _when = field_validator("when")(lambda v: _check_condition(v))


class Choice(_Strict):
    """One option the learner can pick at a node."""

    id: Identifier = Field(description="A short name for the choice, unique within its node.")
    text: str = Field(min_length=1, description="What the learner does or says (the button text).")
    next: Identifier | list[Branch] = Field(description="The node it leads to, or a list of branches "
                                            "tested in order.")
    score: int = Field(ge=0, le=10, description="Points for taking this choice (0 to 10).")
    feedback: Feedback
    when: str | None = Field(default=None, description="Only offered when this condition holds.")
    set: dict[Identifier, int] = Field(default_factory=dict, description="Add these amounts to variables.")
    tags: list[ChecklistId] = Field(default_factory=list, description="Checklist ids this choice teaches.")
    review: str | None = Field(default=None, description="What to read again if this choice was taken.")


class Ending(_Strict):
    """Marks a node as an ending of the story."""

    outcome: Literal["hopeful", "open", "concerning"] = Field(description="How the story ends; the diagram "
                                                                 "colours endings by outcome.")
    title: str = Field(min_length=1, description="A short title shown at the end.")
    score: int | None = Field(default=None, ge=0, description="Optional: the best score a learner can have "
                              "when the story ends here; `pathways check` confirms it.")


class Node(_Strict):
    """A moment in the conversation: narrative text, then choices or an ending."""

    speaker: str | None = Field(default=None, description="Who speaks (leave out for narration).")
    text: str = Field(min_length=1, description="What happens or is said at this moment.")
    choices: list[Choice] = Field(default_factory=list)
    ending: Ending | None = None


class Scenario(_Strict):
    """A whole role-play."""

    id: Identifier = Field(description="The scenario's name; a learner's saved answers refer to it.")
    version: int = Field(ge=1, description="Raise it when you change the story.")
    title: str = Field(min_length=1)
    role: str = Field(min_length=1, description="Who the learner plays, e.g. 'an ER nurse'.")
    setting: str = Field(min_length=1, description="Where and when the scene happens.")
    language: str = Field(default="en", description="Language code of the text, e.g. 'en' or 'es'.")
    checklist: list[ChecklistId] = Field(default_factory=list, description="Checklist ids the role-play teaches.")
    variables: dict[Identifier, int] = Field(default_factory=dict, description="Variables such as trust or "
                                             "safety, with their starting values.")
    good_direction: dict[Identifier, Literal["up", "down"]] = Field(
        default_factory=dict, description="Optional: for a variable, which way is good ('up': better higher, such "
        "as trust; 'down': better lower, such as risk). `pathways check` warns about a choice whose feedback says "
        "the opposite of how it moves the variable.")
    start: Identifier = Field(description="The node the story starts at.")
    nodes: dict[Identifier, Node] = Field(min_length=1)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario file, located for its author."""

    file: str
    line: int | None
    path: str
    message: str
    severity: Literal["error", "warning"] = "error"
    rule: str = ""  # for the assessment rules: which one (pathways.assessment.RULES)

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

_TYPE_MESSAGES = {
    "int_parsing": "this must be a whole number, such as 2",
    "int_type": "this must be a whole number, such as 2",
    "int_from_float": "this must be a whole number, such as 2",
    "bool_parsing": "this must be true or false",
    "bool_type": "this must be true or false",
    "string_type": "this must be text; put it in double quotes",
    "string_too_short": "this text is empty; write something here",
    "dict_type": "this must be a block of 'name: value' lines",
    "model_type": "this must be a block of 'field: value' lines",
    "list_type": "this must be a list, one item per line starting with '- '",
    "too_short": "this list is empty; add at least one entry",
}


def _friendly(error: dict) -> str:
    kind = error["type"]
    if kind in _PLAIN_MESSAGES:
        return _PLAIN_MESSAGES[kind]
    if kind in _TYPE_MESSAGES:
        return _TYPE_MESSAGES[kind]
    ctx = error.get("ctx") or {}
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == ID_PATTERN:
        return (f"{error.get('input')!r} is not a valid name: use only lowercase letters, digits, '-' and '_', "
                "starting with a letter or digit (for example 'front-desk')")
    if kind == "string_too_long":
        return f"this is too long: at most {ctx.get('max_length')} characters"
    if kind in ("less_than_equal", "greater_than_equal"):
        bound = "at most" if kind == "less_than_equal" else "at least"
        return f"this must be {bound} {ctx.get('le', ctx.get('ge'))}"
    if kind == "literal_error":
        return f"this must be one of {ctx.get('expected')}"
    msg = error["msg"]
    return msg.removeprefix("Value error, ")


def _clean_loc(loc: tuple) -> tuple:
    # pydantic adds the union member name ('str', 'list[Branch]') to the location of union errors.
    return tuple(p for p in loc if not (isinstance(p, str) and ("[" in p or p in {"str", "function-after",
                                                                                  "constrained-str"})))


#: What to write instead, for a missing field whose absence is a fault of its own.
_MISSING_FIX = {
    "feedback": "this choice has no feedback: add 'feedback:' with reaction, principle, honours and why "
                "(every choice needs feedback)",
}
_NEXT_HELP = ("'next' must be the name of a node, or a list of branches such as "
              "'- {when: \"trust >= 1\", goto: node-name}'")


def _schema_problems(exc: ValidationError, smap: SourceMap, filename: str) -> list[Problem]:
    """Turn pydantic's errors into located, plain problems (one per place and kind)."""
    errors = [(e, _clean_loc(e["loc"])) for e in exc.errors()]
    problems, seen = [], set()
    for err, loc in errors:
        raw = err["loc"]
        union_member = len(raw) > len(loc) and raw[-1] in ("constrained-str", "str", "list[Branch]")
        if union_member and loc and loc[-1] == "next":
            # `next` is a name or a list of branches: pydantic reports one error per alternative.
            if any(len(other) > len(loc) and other[:len(loc)] == loc for _, other in errors):
                continue  # a branch inside the list has its own, more precise, error
            pattern = [e for e, other in errors if other == loc and e["type"] == "string_pattern_mismatch"]
            message = _friendly(pattern[0]) if pattern else _NEXT_HELP
            key = (loc, "next")
        elif err["type"] == "missing" and loc and loc[-1] in _MISSING_FIX:
            message, key = _MISSING_FIX[loc[-1]], (loc, "missing")
        elif err["type"] == "model_type" and loc and loc[-1] == "feedback" and err.get("input") is None:
            message, key = _MISSING_FIX["feedback"], (loc, "missing")
        else:
            message, key = _friendly(err), (loc, err["type"])
        if key in seen:
            continue
        seen.add(key)
        problems.append(Problem(filename, smap.line(loc), _dotted(loc), message))
    return problems


def _duplicate_keys(root: yaml.Node | None, filename: str) -> list[Problem]:
    """YAML keeps only the last of two equal keys, silently: a copied node would vanish."""
    problems: list[Problem] = []

    def walk(node: yaml.Node, path: tuple) -> None:
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for k, v in node.value:
                name = str(k.value)
                if name in seen:
                    where = f"under '{_dotted(path)}'" if path else "at the top of the file"
                    problems.append(Problem(filename, k.start_mark.line + 1, _dotted((*path, name)),
                                            f"the name {name!r} appears twice {where}; YAML keeps only the last "
                                            "one, so rename or remove one of them"))
                seen.add(name)
                walk(v, (*path, name))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, (*path, i))

    if root is not None:
        walk(root, ())
    return problems


#: PyYAML's words for common slips, and what they usually mean to an author.
_YAML_HINTS = (
    ("found character '\\t'", "there is a tab character here; indent with spaces only"),
    ("mapping values are not allowed here", "a text containing ': ' must be put in double quotes"),
    ("could not find expected ':'", "a line is missing its ':' or a quote opened earlier is not closed"),
    ("expected <block end>, but found", "the indentation changes unexpectedly here, or a quote opened earlier "
     "is not closed"),
    ("found unexpected end of stream", "a quote is opened but never closed"),
    ("found duplicate anchor", "the same &anchor is defined twice"),
)


def yaml_problem(exc: yaml.YAMLError) -> str:
    """PyYAML's complaint, in plain words where we know them."""
    problem = getattr(exc, "problem", None) or str(exc)
    for needle, plain in _YAML_HINTS:
        if needle in problem:
            return plain
    return problem


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


#: PyYAML's C parser when it is built (about twice as fast), else the pure-Python one.
_LOADER = LOADER


def read_yaml(text: str) -> tuple[yaml.Node | None, object]:
    """Parse YAML text once: its node tree (for line numbers and duplicate keys) and its data.

    One pass of the C loader instead of three pure-Python parses (measured: a scenario's `load()` went from
    220 to 127 ms). Raises yaml.YAMLError on a syntax error."""
    try:
        return _read_yaml(text, _LOADER)
    except yaml.YAMLError:
        if _LOADER is yaml.SafeLoader:
            raise
        return _read_yaml(text, yaml.SafeLoader)  # a broken file: the pure-Python parser words its errors better


def _read_yaml(text: str, loader_class: type) -> tuple[yaml.Node | None, object]:
    loader = loader_class(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    finally:
        loader.dispose()
    return root, data


def analyse(text: str, filename: str = "<scenario>", warnings: bool = True,
            parsed: tuple[yaml.Node | None, object] | None = None) -> Checked:
    """Check scenario text completely: schema, graph, conditions, scores and style, all at once.

    `warnings=False` skips the rules that only warn (assessment and style advice for authors): a lesson
    loading its role-play needs to know only that nothing is broken. `parsed` is the text's `read_yaml`."""
    try:
        root, data = parsed if parsed is not None else read_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        return Checked(filename, None, SourceMap(None), [
            Problem(filename, line, "", f"the file is not valid YAML: {yaml_problem(exc)} (check indentation and "
                    "quotes)")])
    smap = SourceMap(root)
    if not isinstance(data, dict):
        return Checked(filename, None, smap, [
            Problem(filename, 1, "", "a scenario file must be a block of 'name: value' lines (id, version, "
                    "title, role, setting, start, nodes), not a list or a single value")])
    problems = _duplicate_keys(root, filename)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        # The schema failed, but the shape of the graph can still be checked: report it too.
        problems += _schema_problems(exc, smap, filename) + _structure_problems(data, smap, filename)
        return Checked(filename, None, smap, _sorted(problems))
    problems += graph_problems(scenario, smap, filename)
    if not any(p.severity == "error" for p in problems):
        problems += flow_problems(scenario, smap, filename)
    if not any(p.severity == "error" for p in problems):
        problems += score_problems(scenario, smap, filename)
    if warnings and not any(p.severity == "error" for p in problems):
        from ..assessment import assessment_problems  # the assessment rules build on this module

        problems += assessment_problems(scenario, smap, filename)
    if warnings:
        problems += style_problems(scenario, smap, filename)
    return Checked(filename, scenario, smap, _sorted(problems))


def _sorted(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: p.line or 0)


def check_text(text: str, filename: str = "<scenario>") -> list[Problem]:
    """Every problem of a scenario text (errors and warnings), in the order of the file."""
    return analyse(text, filename).problems


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([Problem(str(path), None, "", "scenario file not found")]) from None
    except IsADirectoryError:
        raise ScenarioError([Problem(str(path), None, "", "this is a folder, not a scenario file")]) from None
    except UnicodeDecodeError:
        raise ScenarioError([Problem(str(path), None, "", "the file is not UTF-8 text")]) from None


def check_file(path: str | Path) -> list[Problem]:
    """Every problem of a scenario file (errors and warnings); an unreadable file is one problem."""
    try:
        text = _read(Path(path))
    except ScenarioError as exc:
        return exc.problems
    return check_text(text, str(path))


def parse(text: str, filename: str = "<scenario>",
          parsed: tuple[yaml.Node | None, object] | None = None) -> tuple[Scenario, SourceMap]:
    """Parse and validate scenario text; raise ScenarioError listing every error found (authors' warnings are
    not looked for: `analyse` and `pathways check` give them)."""
    checked = analyse(text, filename, warnings=False, parsed=parsed)
    if checked.errors:
        raise ScenarioError(checked.errors)
    return checked.scenario, checked.smap


def is_translation(text: str, data: object = None) -> bool:
    """True for a translation file (it names the scenario it translates), which `load` accepts too.
    `data` is the text's parsed YAML when the caller has it already."""
    if data is None:
        try:
            data = read_yaml(text)[1]
        except yaml.YAMLError:
            return False
    return isinstance(data, dict) and "translates" in data and "nodes" in data and "start" not in data


def load(path: str | Path) -> Scenario:
    """Load and validate a scenario file; raise ScenarioError naming file and line on any problem.

    A translation file (such as `er_visit.es.yaml`) loads as its scenario with the translated text.
    """
    path = Path(path)
    text = _read(path)
    try:
        parsed = read_yaml(text)
    except yaml.YAMLError:
        parsed = None  # parse() reports it with its line
    if parsed is not None and is_translation(text, parsed[1]):
        from ..i18n import load_translated  # i18n builds on this module

        return load_translated(path)
    return parse(text, str(path), parsed=parsed)[0]


def load_model(path: str | Path, model: type[BaseModel]):
    """Read a YAML file and validate it against a pydantic model; errors name the file, line and field.

    Knowledge-check and sorting files use this; scenario files go through `parse`, which adds the
    graph rules.
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    try:
        root, data = read_yaml(text)
        smap = SourceMap(root)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise ScenarioError([Problem(str(path), line, "", f"not valid YAML: {exc}")]) from None
    try:
        return model.model_validate(data), smap
    except ValidationError as exc:
        raise ScenarioError([Problem(str(path), smap.line(_clean_loc(e["loc"])), _dotted(_clean_loc(e["loc"])),
                                     _friendly(e)) for e in exc.errors()]) from None


def targets(choice: Choice) -> list[str]:
    """Every node a choice can lead to."""
    return [choice.next] if isinstance(choice.next, str) else [b.goto for b in choice.next]


# --- the graph: targets exist, nodes are reachable, the story ends ---------------------------------


def graph_problems(scenario: Scenario, smap: SourceMap, filename: str) -> list[Problem]:
    """The rules a schema cannot express: targets exist, nodes are reachable, the story ends."""
    return _structure_problems(scenario.model_dump(), smap, filename)


def _structure_problems(data: dict, smap: SourceMap, filename: str) -> list[Problem]:
    """Graph rules over plain data, so they also run on a file whose schema check failed.

    Parts that are malformed are skipped (the schema check reports them); reachability is only
    judged when every choice's destination could be read.
    """
    problems: list[Problem] = []

    def add(path: tuple, message: str, severity: str = "error") -> None:
        problems.append(Problem(filename, smap.line(path), _dotted(path), message, severity))

    nodes = data.get("nodes") if isinstance(data.get("nodes"), dict) else {}
    variables = data.get("variables") if isinstance(data.get("variables"), dict) else {}
    complete = bool(nodes)
    edges: dict[str, list[str]] = {}
    directions = data.get("good_direction") if isinstance(data.get("good_direction"), dict) else {}
    for var in directions:
        if var not in variables:
            add(("good_direction", var), f"'good_direction' names variable {var!r}, which is not declared under "
                "'variables'")
    start = data.get("start")
    if isinstance(start, str) and nodes and start not in nodes:
        add(("start",), f"the start node {start!r} does not exist; add it under 'nodes' or fix the name")
        complete = False
    for nid, node in nodes.items():
        edges[nid] = []
        if not isinstance(node, dict):
            complete = False
            continue
        choices = node.get("choices") or []
        if not isinstance(choices, list):
            complete = False
            continue
        if node.get("ending") and choices:
            add(("nodes", nid), f"node {nid!r} is an ending but also has choices; remove one of the two")
        if not node.get("ending") and not choices and "text" in node:
            add(("nodes", nid), f"node {nid!r} has no choices and is not an ending: the story stops here; "
                "add choices or an 'ending:'")
        ids = [c.get("id") for c in choices if isinstance(c, dict)]
        for dup in sorted({i for i in ids if isinstance(i, str) and ids.count(i) > 1}):
            add(("nodes", nid, "choices"), f"two choices at node {nid!r} share the id {dup!r}; give each its own id")
        for ci, choice in enumerate(choices):
            if not isinstance(choice, dict):
                complete = False
                continue
            cid = choice.get("id")
            for var in _raw_condition_vars(choice):
                if var not in variables:
                    add(("nodes", nid, "choices", ci), f"choice {cid!r} uses variable {var!r}, "
                        "which is not declared under 'variables'")
            changes = choice.get("set") if isinstance(choice.get("set"), dict) else {}
            for var in changes:
                if var not in variables:
                    add(("nodes", nid, "choices", ci, "set"), f"choice {cid!r} changes variable {var!r}, "
                        "which is not declared under 'variables'")
            dests = _raw_targets(choice.get("next"))
            if dests is None:
                complete = False
                continue
            for target in dests:
                edges[nid].append(target)
                if target not in nodes:
                    add(("nodes", nid, "choices", ci, "next"),
                        f"choice {cid!r} leads to {target!r}, which is not a node; fix the name or add the node")
            nxt = choice.get("next")
            if isinstance(nxt, list) and nxt and isinstance(nxt[-1], dict) and nxt[-1].get("when") is not None:
                add(("nodes", nid, "choices", ci, "next"),
                    f"choice {cid!r}: the last branch of 'next' must have no 'when', "
                    "so that some branch always applies")
    if problems or not complete or not isinstance(start, str):
        return problems
    reachable = _reach(edges, start)
    for nid in nodes:
        if nid not in reachable:
            add(("nodes", nid), f"node {nid!r} can never be reached from the start; link a choice to it or remove it")
    endings = {nid for nid, n in nodes.items() if isinstance(n, dict) and n.get("ending")}
    if not endings:
        add(("nodes",), "the scenario has no ending; mark at least one node with 'ending:'")
    for nid in nodes:
        if nid in reachable and endings and not (_reach(edges, nid) & endings):
            add(("nodes", nid), f"from node {nid!r} no ending can be reached: the learner would be stuck in a loop; "
                "give one of its choices a way out towards an ending")
    return problems


def _raw_targets(nxt: Any) -> list[str] | None:
    """The destinations of a choice's `next` in plain data, or None if it cannot be read."""
    if isinstance(nxt, str):
        return [nxt]
    if isinstance(nxt, list) and nxt and all(isinstance(b, dict) and isinstance(b.get("goto"), str) for b in nxt):
        return [b["goto"] for b in nxt]
    return None


def _raw_condition_vars(choice: dict) -> list[str]:
    nxt = choice.get("next")
    conds = [choice.get("when")] + ([b.get("when") for b in nxt if isinstance(b, dict)] if isinstance(nxt, list)
                                    else [])
    return [m.group(1) for c in conds if isinstance(c, str) and (m := CONDITION.match(c))]


def _reach(edges: dict[str, list[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        nid = todo.pop()
        if nid in seen or nid not in edges:
            continue
        seen.add(nid)
        todo.extend(edges[nid])
    return seen


def _condition_vars(choice: Choice) -> list[str]:
    conds = [choice.when] + ([b.when for b in choice.next] if isinstance(choice.next, list) else [])
    return [CONDITION.match(c).group(1) for c in conds if c]


def _reachable(scenario: Scenario, start: str) -> set[str]:
    return _reach({nid: [t for c in n.choices for t in targets(c)] for nid, n in scenario.nodes.items()}, start)


# --- conditions: what a learner can really meet, given the variables ------------------------------

#: Above this many (node, variables) states the condition checks give up with a warning.
MAX_STATES = 100_000


@dataclass
class StateGraph:
    """Every situation (node, variable values) a learner can reach, and where each choice leads from it.

    Variable values are clamped to a window around the numbers the conditions compare them with,
    which keeps the graph finite; for a variable that only ever goes up (or only down) this is exact.
    """

    states: dict[tuple, list[tuple[int, int | None, tuple]]]  # state -> [(choice index, branch index, next)]
    complete: bool

    def nodes(self) -> set[str]:
        """Nodes met in some reachable state."""
        return {s[0] for s in self.states}


_OPS = {">=": operator.ge, "<=": operator.le, "==": operator.eq, "!=": operator.ne, ">": operator.gt,
        "<": operator.lt}


def _holds(condition: str | None, values: dict[str, int]) -> bool:
    if condition is None:
        return True
    name, op, value = CONDITION.match(condition).groups()
    return _OPS[op](values.get(name, 0), int(value))


def state_graph(scenario: Scenario) -> StateGraph:
    """Explore every (node, variables) state reachable from the start (see StateGraph)."""
    names = sorted(scenario.variables)
    consts: dict[str, list[int]] = {v: [] for v in names}
    ups = {v: 0 for v in names}
    downs = {v: 0 for v in names}
    for node in scenario.nodes.values():
        for choice in node.choices:
            for cond in [choice.when] + ([b.when for b in choice.next] if isinstance(choice.next, list) else []):
                if cond:
                    name, _op, value = CONDITION.match(cond).groups()
                    consts.setdefault(name, []).append(int(value))
            for var, delta in choice.set.items():
                if delta > 0:
                    ups[var] = ups.get(var, 0) + delta
                else:
                    downs[var] = downs.get(var, 0) - delta
    window = {}
    for v in names:
        if consts[v]:
            window[v] = (min(consts[v]) - 1 - ups[v], max(consts[v]) + 1 + downs[v])
        else:
            window[v] = (0, 0)  # never tested: its value cannot change what the learner meets

    def clamp(values: dict[str, int]) -> tuple:
        return tuple(min(max(values.get(v, 0), window[v][0]), window[v][1]) for v in names)

    start = (scenario.start, clamp(scenario.variables))
    states: dict[tuple, list] = {}
    todo = deque([start])
    complete = True
    while todo:
        state = todo.popleft()
        if state in states:
            continue
        if len(states) >= MAX_STATES:
            complete = False
            break
        nid, vals = state
        values = dict(zip(names, vals, strict=True))
        moves = []
        for ci, choice in enumerate(scenario.nodes[nid].choices):
            if not _holds(choice.when, values):
                continue
            after = dict(values)
            for var, delta in choice.set.items():
                after[var] = after.get(var, 0) + delta
            if isinstance(choice.next, str):
                dest, bi = choice.next, None
            else:
                bi, dest = next((i, b.goto) for i, b in enumerate(choice.next) if _holds(b.when, after))
            nxt = (dest, clamp(after))
            moves.append((ci, bi, nxt))
            todo.append(nxt)
        states[state] = moves
    return StateGraph(states, complete)


def _when(names: list[str], vals: tuple) -> str:
    """', when trust = 1, safety = 0,' (empty without variables), to say which situation is meant."""
    values = ", ".join(f"{n} = {v}" for n, v in zip(names, vals, strict=True))
    return f", when {values}," if values else ""


def flow_problems(scenario: Scenario, smap: SourceMap, filename: str) -> list[Problem]:
    """What the conditions ('when') do to the story: nodes, choices and endings a learner can never meet,
    moments with no choice on offer, and loops a learner cannot leave."""
    problems: list[Problem] = []

    def add(path: tuple, message: str, severity: str = "error") -> None:
        problems.append(Problem(filename, smap.line(path), _dotted(path), message, severity))

    graph = state_graph(scenario)
    if not graph.complete:
        add(("variables",), f"the variables can take too many combinations (over {MAX_STATES}) for the "
            "conditions to be checked; use fewer variables or smaller steps", "warning")
        return problems
    names = sorted(scenario.variables)
    met = graph.nodes()
    offered = {(s[0], ci) for s, moves in graph.states.items() for ci, _bi, _n in moves}
    taken_branches = {(s[0], ci, bi) for s, moves in graph.states.items() for ci, bi, _n in moves if bi is not None}
    for nid, node in scenario.nodes.items():
        if nid not in met:
            what = "ending" if node.ending else "node"
            add(("nodes", nid), f"{what} {nid!r} can never be reached: the conditions ('when') on the way to it "
                "never hold; change a condition or the amounts that choices 'set'")
            continue
        for ci, choice in enumerate(node.choices):
            if (nid, ci) not in offered:
                add(("nodes", nid, "choices", ci, "when"), f"choice {choice.id!r} is never offered: its condition "
                    f"{choice.when!r} never holds when the learner is at {nid!r}; change or remove the condition")
            elif isinstance(choice.next, list):
                for bi, branch in enumerate(choice.next):
                    if (nid, ci, bi) not in taken_branches and branch.goto in scenario.nodes:
                        add(("nodes", nid, "choices", ci, "next", bi), f"choice {choice.id!r}: the branch to "
                            f"{branch.goto!r} is never taken (an earlier branch always applies, or its condition "
                            "never holds)", "warning")
    stuck_reported: set[str] = set()
    for state, moves in graph.states.items():
        nid, vals = state
        if not moves and not scenario.nodes[nid].ending and nid not in stuck_reported:
            stuck_reported.add(nid)
            add(("nodes", nid), f"at node {nid!r}{_when(names, vals)} no choice is offered (every choice "
                "has a 'when' that does not hold): the learner is stuck; add a choice without 'when'")
    # States from which no ending can be reached: a loop with no way out once the variables are taken into account.
    reverse: dict[tuple, set] = {s: set() for s in graph.states}
    for state, moves in graph.states.items():
        for _ci, _bi, nxt in moves:
            reverse.setdefault(nxt, set()).add(state)
    good = {s for s in graph.states if scenario.nodes[s[0]].ending}
    todo = list(good)
    while todo:
        for prev in reverse.get(todo.pop(), ()):
            if prev not in good:
                good.add(prev)
                todo.append(prev)
    # States that lead only to a moment with no choice are already explained by that moment.
    doomed = {s for s, moves in graph.states.items() if not moves and not scenario.nodes[s[0]].ending}
    todo = list(doomed)
    while todo:
        for prev in reverse.get(todo.pop(), ()):
            if prev not in doomed and prev not in good:
                doomed.add(prev)
                todo.append(prev)
    for state in graph.states:
        nid, vals = state
        if state not in good and state not in doomed and nid not in stuck_reported:
            stuck_reported.add(nid)
            add(("nodes", nid), f"from node {nid!r}{_when(names, vals)} no ending can be reached: the "
                "learner would go round a loop for ever; let a choice lead out without a condition that "
                "cannot hold")
    return problems


def score_problems(scenario: Scenario, smap: SourceMap, filename: str) -> list[Problem]:
    """Scores as grading sees them: some path earns points, and each ending's declared score is reachable."""
    from .. import engine  # the engine builds on this module

    problems: list[Problem] = []

    def add(path: tuple, message: str, severity: str = "error") -> None:
        problems.append(Problem(filename, smap.line(path), _dotted(path), message, severity))

    try:
        walks = engine.all_walks(scenario)
    except (ValueError, RecursionError):
        add(("nodes",), "the scenario has too many different paths for grading to find the best score; "
            "split it into smaller role-plays or merge branches")
        return problems
    best = max((w.score for w in walks), default=0)
    if walks and best == 0:
        add(("nodes",), "no path earns any points, so the role-play cannot be graded; give the good choices a "
            "score above 0")
    by_ending: dict[str, list[int]] = {}
    for walk in walks:
        by_ending.setdefault(walk.node, []).append(walk.score)
    for nid, node in scenario.nodes.items():
        if not node.ending or node.ending.score is None:
            continue
        scores = by_ending.get(nid, [])
        if not scores:
            continue  # unreachable endings are reported by the condition checks
        top = max(scores)
        if node.ending.score > top:
            add(("nodes", nid, "ending", "score"), f"ending {nid!r} declares score {node.ending.score}, but no path "
                f"that ends here earns more than {top}; change the score to {top} or the scores of the choices "
                "on the way")
        elif node.ending.score < top:
            add(("nodes", nid, "ending", "score"), f"ending {nid!r} declares score {node.ending.score}, but a path "
                f"that ends here earns {top}; change the score to {top} or lower the scores of the choices on "
                "the way")
    return problems


# --- style: trauma-informed wording (warnings: the story still works) -----------------------------

#: Questions and phrases that put the blame on the person harmed (CONTENT-STYLE.md, TI-12, TI-13).
BLAMING = [re.compile(p, re.I) for p in (
    r"\bwhy (didn'?t|don'?t|did not|do not|wouldn'?t) (you|she|he|they) (just )?(leave|go|run|get out|say no|"
    r"tell|report|call|stop)",
    r"\bwhy (did|do|does) (you|she|he|they) (stay|go back|put up with|let)",
    r"\byou (should|shouldn'?t|could|ought to) ha(ve|d) ",
    r"\b(it'?s|it is|was) (your|her|his|their) (own )?fault",
    r"\byou (chose|asked for|brought) (this|it)",
    r"\bwhat were you (wearing|thinking|doing there)",
    r"\bhow could you (let|have|not)",
    r"\bjust leave\b",
)]
#: Words CONTENT-STYLE.md asks us not to use for a person who is trafficked, outside quoted speech.
STIGMATISING = [re.compile(p, re.I) for p in (
    r"\b(child )?prostitutes?\b", r"\bwhores?\b", r"\brescued (girl|boy|woman|women|man|men)\b",
    r"\bchild sex workers?\b",
)]
#: Imagery to avoid: most control is psychological (HHS "Look Beneath the Surface").
RESTRAINT = re.compile(r"\b(chain(s|ed)?|shackle[sd]?|handcuff(s|ed)?)\b", re.I)
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”|«[^»]*»")

#: A choice is a button: past this length a learner has to read a paragraph to choose.
MAX_CHOICE_CHARS = 300


def _blaming(text: str) -> str | None:
    """The first blaming phrase in a text, if any."""
    for rx in BLAMING:
        if m := rx.search(text):
            return m.group(0)
    return None


def _unquoted(text: str) -> str:
    """Text with quoted speech removed: a character may say what the narration must not."""
    return _QUOTED.sub(" ", text.replace("’", "'"))


def style_problems(scenario: Scenario, smap: SourceMap, filename: str) -> list[Problem]:
    """Warnings on wording and teaching design: blaming or stigmatising words, a blaming choice marked as
    good, missteps without a pointer to review, very long choices, tags missing from the checklist list."""
    if scenario.language != "en":
        return []  # the word lists are English
    problems: list[Problem] = []

    def add(path: tuple, message: str) -> None:
        problems.append(Problem(filename, smap.line(path), _dotted(path), message, "warning"))

    def wording(path: tuple, text: str | None, quoted_ok: bool = True) -> None:
        if not text:
            return
        plain = _unquoted(text) if quoted_ok else text.replace("’", "'")
        for rx in STIGMATISING:
            if m := rx.search(plain):
                add(path, f"{m.group(0)!r} is a stigmatising word for a person who is trafficked; say "
                    "'a person who is being trafficked' or 'a sexually exploited child' (CONTENT-STYLE.md)")
        if m := RESTRAINT.search(plain):
            add(path, f"{m.group(0)!r}: avoid images of physical restraint; most control is psychological "
                "(CONTENT-STYLE.md)")

    for key in ("title", "role", "setting"):
        wording((key,), getattr(scenario, key))
    listed = set(scenario.checklist)
    for nid, node in scenario.nodes.items():
        wording(("nodes", nid, "text"), node.text, quoted_ok=True)
        if node.ending:
            wording(("nodes", nid, "ending", "title"), node.ending.title)
            if m := _blaming(_unquoted(node.text)):
                add(("nodes", nid, "text"), f"the ending's narration says {m!r}, which blames the person harmed; "
                    "describe what happened next instead")
        for ci, choice in enumerate(node.choices):
            at = ("nodes", nid, "choices", ci)
            fb = choice.feedback
            if (m := _blaming(choice.text.replace("’", "'"))) and (fb.honours or choice.score > 0):
                add((*at, "text"), f"choice {choice.id!r} says {m!r}, which blames the person harmed, yet it is "
                    "marked as a good choice; mark it 'honours: false' with score 0, or reword it (TI-12, TI-13)")
            for part in ("reaction", "why"):
                # Feedback speaks to the learner: "you could have offered more" is advice, not blame.
                m = _blaming(_unquoted(getattr(fb, part)))
                if m and not m.lower().startswith("you could"):
                    add((*at, "feedback", part), f"the feedback says {m!r}, which reads as blame; say what helps "
                        "instead, or quote the phrase if you are explaining why it hurts")
            if not fb.honours and not choice.review:
                add(at, f"choice {choice.id!r} works against a principle but has no 'review:'; say which section "
                    "the learner should read again")
            if len(choice.text) > MAX_CHOICE_CHARS:
                add((*at, "text"), f"choice {choice.id!r} is {len(choice.text)} characters long; keep a choice "
                    f"under {MAX_CHOICE_CHARS} so it reads as one action")
            wording((*at, "text"), choice.text)
            wording((*at, "feedback", "reaction"), fb.reaction)
            wording((*at, "feedback", "why"), fb.why)
            for ti, tag in enumerate(choice.tags):
                if listed and tag not in listed:
                    add((*at, "tags", ti), f"choice {choice.id!r} teaches {tag}, which is not in the scenario's "
                        "'checklist:' list; add it there")
    return problems


def json_schema() -> dict:
    """The published JSON Schema of the scenario format (lessons/scenario.schema.json)."""
    schema = Scenario.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "description": "A Pathways role-play scenario. Write it in YAML; see lessons/AUTHORING.md.",
            **schema}

