"""Scenario files: the data format of a role-play, its schema, its loader and its checks.

A role-play is a graph written in YAML (or JSON, which is YAML too). The loader checks it
against the pydantic models and against the graph rules, and every problem it reports
names the file, the line and what is wrong, in words an author who does not program can act on.

`check_text` / `check_file` find every problem at once, errors and style warnings alike; the
loader (`parse`, `load`) runs the very same checks and refuses a file with any error, so what
`pathways check` accepts is exactly what a lesson can play and grade.

The package, from the bottom up (a module imports only the ones above it in this list, and the
engine, `pathways.engine`, builds on `model` and `conditions` alone):

* `conditions`: the one parser and evaluator of conditions such as 'trust >= 2'.
* `problems`: a problem located in a file (`Problem`, `ScenarioError`, `SourceMap`).
* `model`: the pydantic models of the format, `targets`, `json_schema`.
* `wording`: pydantic's errors in an author's words.
* `source`: reading a file's text and YAML once (`read_yaml`), `load_model` for other YAML formats.
* `states`: every situation (node, variables) a learner can reach.
* `rules/`: the check rules, one module each (duplicates, graph, flow, score, style).
* `analysis`: all the rules over one parse (`analyse`, `check_text`, `check_file`, `parse`).
* `loader`: `load` a scenario or a translation of one.

This module only names what the package offers, so that `from pathways.scenario import load` keeps
working: each name is imported from its module on first use. Code inside `pathways` imports the module
that defines a name, so that the import contract (`lint-imports`) sees the real dependencies, and
importing the engine or the model does not load the rules. Nothing here imports Jupyter.
"""

from __future__ import annotations

import importlib

#: Every public name, by the module (of this package) that defines it.
_MODULES: dict[str, tuple[str, ...]] = {
    "conditions": ("CONDITION", "Condition", "check_condition", "holds", "parse_condition", "variable_of"),
    "problems": ("Problem", "Report", "ScenarioError", "SourceMap", "by_line", "dotted"),
    "model": ("CHECKLIST_ID", "ID_PATTERN", "Branch", "ChecklistId", "Choice", "Ending", "Feedback", "Identifier",
              "Node", "Scenario", "check_tag", "check_tags", "conditions_of", "json_schema", "targets"),
    "wording": ("clean_loc", "friendly", "model_problems", "schema_problems"),
    "source": ("Parsed", "load_model", "read_text", "read_yaml", "yaml_line", "yaml_problem"),
    "states": ("MAX_STATES", "StateGraph", "state_graph"),
    "rules.duplicates": ("duplicate_key_problems",),
    "rules.graph": ("graph_problems", "structure_problems"),
    "rules.flow": ("flow_problems",),
    "rules.score": ("score_problems",),
    "rules.style": ("BLAMING", "MAX_CHOICE_CHARS", "RESTRAINT", "STIGMATISING", "style_problems"),
    "analysis": ("Checked", "analyse", "check_file", "check_text", "parse"),
    "loader": ("is_translation", "load"),
}
_WHERE = {name: module for module, names in _MODULES.items() for name in names}
#: Old private names still imported outside this package: views/preview.py reads `_read` (now `read_text`).
_RENAMED = {"_read": ("source", "read_text")}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> object:
    """A name of the package, imported from its module on first use (PEP 562)."""
    module, attr = _RENAMED.get(name) or (_WHERE.get(name), name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
