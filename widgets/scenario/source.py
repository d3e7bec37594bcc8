"""Reading a file's text and YAML, once: its node tree (for line numbers and duplicate keys) and its data.

`read_yaml` parses with PyYAML's C loader when it is built (`pathways.yamlload`); a broken file is parsed
again with the pure-Python loader, whose error messages are better. `load_model` reads any YAML file
against a pydantic model (knowledge checks, sorting exercises); scenarios go through `pathways.scenario.load`.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError

from ..yamlload import LOADER
from .problems import Problem, ScenarioError, SourceMap
from .wording import model_problems

#: A parsed YAML text: its node tree (None for an empty text) and its data.
Parsed = tuple[yaml.Node | None, object]

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


def read_text(path: Path) -> str:
    """A file's text; ScenarioError (one located problem) if it is missing, a folder or not UTF-8."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([Problem(str(path), None, "", "scenario file not found")]) from None
    except IsADirectoryError:
        raise ScenarioError([Problem(str(path), None, "", "this is a folder, not a scenario file")]) from None
    except UnicodeDecodeError:
        raise ScenarioError([Problem(str(path), None, "", "the file is not UTF-8 text")]) from None


def read_yaml(text: str) -> Parsed:
    """Parse YAML text once: its node tree (for line numbers and duplicate keys) and its data.

    One pass of the C loader instead of three pure-Python parses (measured: a scenario's `load()` went from
    220 to 127 ms). Raises yaml.YAMLError on a syntax error."""
    try:
        return _read_yaml(text, LOADER)
    except yaml.YAMLError:
        if LOADER is yaml.SafeLoader:
            raise
        return _read_yaml(text, yaml.SafeLoader)  # a broken file: the pure-Python parser words its errors better


def _read_yaml(text: str, loader_class: type) -> Parsed:
    loader = loader_class(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    finally:
        loader.dispose()
    return root, data


def yaml_problem(exc: yaml.YAMLError) -> str:
    """PyYAML's complaint, in plain words where we know them."""
    problem = getattr(exc, "problem", None) or str(exc)
    for needle, plain in _YAML_HINTS:
        if needle in problem:
            return plain
    return problem


def yaml_line(exc: yaml.YAMLError) -> int | None:
    """The line PyYAML stopped at, if it says."""
    mark = getattr(exc, "problem_mark", None)
    return mark.line + 1 if mark else None


def yaml_error(exc: yaml.YAMLError, text: str) -> tuple[int | None, str]:
    """The line an author should look at, and what to do there. PyYAML stops where it noticed a slip, which
    can be many lines after it: an unclosed quote runs on to the next quote, and a line indented too little
    closes the block above it, which shows only where the next line no longer fits."""
    line, problem = yaml_line(exc), getattr(exc, "problem", None) or str(exc)
    lines = text.splitlines()
    if line and "found character '\\t'" not in problem:
        opened = _unclosed_quote(lines, line)
        if opened:
            return opened, ("the quote opened on this line is not closed: end the text with \" on this line (the check "
                            f"noticed it only at line {line})")
    if line and "expected <block end>" in problem:
        early = _indented_too_little(lines, line)
        if early and early != line:
            return early, ("this line is indented less than the lines it belongs with, so it ends their block "
                           f"early (the check noticed it only at line {line}); indent it like them, with spaces")
        return line, "this line's indentation matches none of the lines above it; line it up with the lines it " \
            "belongs with, using spaces"
    return line, yaml_problem(exc)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _plain_lines(lines: list[str]) -> list[int]:
    """The numbers (from 1) of the lines that are YAML structure: not blank, not comments, not inside a text
    written after '|' or '>' (whose quotes and indentation are the author's text)."""
    out, block = [], None
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if block is not None and _indent(line) > block:
            continue
        block = None
        out.append(number)
        if line.split(" #")[0].rstrip().endswith(("|", "|-", "|+", ">", ">-", ">+")):
            block = _indent(line)
    return out


def _open_quote_at_end(line: str) -> bool:
    """True when a double quote opened on this line is still open at its end (comments left out)."""
    inside = False
    for i, char in enumerate(line):
        if char == '"' and (not inside or line[i - 1] != "\\"):
            inside = not inside
        elif char == "#" and not inside and (i == 0 or line[i - 1] in " \t"):
            break
    return inside


def _unclosed_quote(lines: list[str], upto: int) -> int | None:
    """The first structure line before `upto` whose double quote is not closed on it, if any."""
    return next((n for n in _plain_lines(lines) if n < upto and _open_quote_at_end(lines[n - 1])), None)


def _indented_too_little(lines: list[str], at: int) -> int | None:
    """The line that closed a block too early: the last line before `at` indented less than `at`, when `at`'s
    indentation was a block's before it."""
    plain = [n for n in _plain_lines(lines) if n < at]
    want = _indent(lines[at - 1])
    early = next((n for n in reversed(plain) if _indent(lines[n - 1]) < want), None)
    if early is None:
        return None
    before = {_indent(lines[n - 1]) for n in plain if n < early}
    return early if want in before else None


def load_model(path: str | Path, model: type[BaseModel]):
    """Read a YAML file and validate it against a pydantic model; errors name the file, line and field.

    Knowledge-check and sorting files use this; scenario files go through `parse`, which adds the
    graph rules. Returns (the model instance, the file's SourceMap).
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    try:
        root, data = read_yaml(text)
        smap = SourceMap(root)
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem(str(path), yaml_line(exc), "", f"not valid YAML: {exc}")]) from None
    try:
        return model.model_validate(data), smap
    except ValidationError as exc:
        raise ScenarioError(model_problems(exc, smap, str(path))) from None
