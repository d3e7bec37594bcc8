"""Loading a scenario file for a lesson: a scenario, or a translation of one, each file read and parsed once."""

from __future__ import annotations

from pathlib import Path

import yaml

from .analysis import parse
from .model import Scenario
from .source import read_text, read_yaml
from .translation import load_translated


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
    The file's YAML is parsed once, and its node tree serves the line numbers, the duplicate-key rule and
    the model alike (a translation: once, and its scenario once).
    """
    path = Path(path)
    text = read_text(path)
    try:
        parsed = read_yaml(text)
    except yaml.YAMLError:
        parsed = None  # parse() reports it with its line
    if parsed is not None and is_translation(text, parsed[1]):
        return load_translated(path, parsed=parsed)
    return parse(text, str(path), parsed=parsed)[0]
