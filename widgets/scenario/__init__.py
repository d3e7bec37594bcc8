"""Scenario files: the data format of a role-play, its engine, its loader and its checks.

A role-play is a graph written in YAML (or JSON, which is YAML too). The loader checks it
against the pydantic models and against the graph rules, and every problem it reports
names the file, the line and what is wrong, in words an author who does not program can act on.

`check_text` / `check_file` find every problem at once, errors and style warnings alike; the
loader (`parse`, `load`) runs the very same checks and refuses a file with any error, so what
`pathways check` accepts is exactly what a lesson can play and grade.

The package, from the bottom up (a module imports only modules above it in this list, and nothing of
`pathways` outside this package but the data readers `principles`, `checklist` and `yamlload`; the
import contract in pyproject.toml, `[tool.importlinter]`, checks it):

* `conditions`: the one parser and evaluator of conditions such as 'trust >= 2'.
* `problems`: a problem located in a file (`Problem`, `ScenarioError`, `SourceMap`).
* `model`: the pydantic models of the format, `targets`, `json_schema`.
* `engine`: walks, scores and replays a scenario (also known as `pathways.engine`); model and conditions only.
* `wording`: pydantic's errors in an author's words.
* `states`: every situation (node, variables) a learner can reach.
* `source`: reading a file's text and YAML once (`read_yaml`), `load_model` for other YAML formats.
* `rules/`: the check rules, one module each (duplicates, graph, flow, score, style, assessment).
* `analysis`: all the rules over one parse (`analyse`, `check_text`, `check_file`, `parse`).
* `translation`: a scenario's translation into another language: checked, applied, started from a template.
* `loader`: `load` a scenario or a translation of one.

This module offers the package's public names in one place (`from pathways.scenario import load`).
Code inside `pathways` imports the module that defines a name, so that the import contract sees the
real dependencies. Nothing here imports Jupyter.
"""

from __future__ import annotations

from . import conditions, engine, states
from .analysis import Checked, analyse, check_file, check_text, parse
from .conditions import CONDITION, Condition, check_condition, holds, parse_condition, variable_of
from .loader import is_translation, load
from .model import (
    CHECKLIST_ID,
    ID_PATTERN,
    Branch,
    ChecklistId,
    Choice,
    Ending,
    Feedback,
    Identifier,
    Node,
    Scenario,
    check_tag,
    check_tags,
    conditions_of,
    json_schema,
    targets,
)
from .problems import Problem, Report, ScenarioError, SourceMap, by_line, dotted
from .rules.duplicates import duplicate_key_problems
from .rules.flow import flow_problems
from .rules.graph import graph_problems, structure_problems
from .rules.score import score_problems
from .rules.style import BLAMING, MAX_CHOICE_CHARS, RESTRAINT, STIGMATISING, style_problems
from .source import Parsed, load_model, read_text, read_yaml, yaml_line, yaml_problem
from .states import MAX_STATES, StateGraph, state_graph
from .wording import clean_loc, friendly, model_problems, schema_problems

__all__ = [
    "BLAMING", "CHECKLIST_ID", "CONDITION", "ID_PATTERN", "MAX_CHOICE_CHARS", "MAX_STATES", "RESTRAINT",
    "STIGMATISING", "Branch", "Checked", "ChecklistId", "Choice", "Condition", "Ending", "Feedback", "Identifier",
    "Node", "Parsed", "Problem", "Report", "Scenario", "ScenarioError", "SourceMap", "StateGraph", "analyse",
    "by_line", "check_condition", "check_file", "check_tag", "check_tags", "check_text", "clean_loc", "conditions",
    "conditions_of", "dotted", "duplicate_key_problems", "engine", "flow_problems", "friendly", "graph_problems",
    "holds", "is_translation", "json_schema", "load", "load_model", "model_problems", "parse", "parse_condition",
    "read_text", "read_yaml", "schema_problems", "score_problems", "state_graph", "states", "structure_problems",
    "style_problems", "targets", "variable_of", "yaml_line", "yaml_problem",
]
