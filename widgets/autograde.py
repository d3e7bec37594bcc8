"""The functions that nbgrader's autograder test cells call, and the model answers of source notebooks.

The small front lesson notebooks import (`from pathways.autograde import check_points`): every grader and model
answer of every registered activity kind (`pathways.activities.registry`) is offered here by its name, looked up
in the registry, so a new kind adds nothing to this file. Every grading function prints a plain sentence for the
learner's feedback and returns the points earned as a number, which nbgrader reads as partial credit; none of them
raises (`pathways.activities.common`).
"""

from __future__ import annotations

from .activities import registry
from .activities.common import FEEDBACK_METADATA
from .activities.reflection import reflection_text
from .activities.roleplay import OLDER_VERSION, record_verdict, roleplay_verdict

__all__ = ["FEEDBACK_METADATA", "OLDER_VERSION", "record_verdict", "reflection_text", "roleplay_verdict",
           *registry.functions()]


def __getattr__(name: str):
    """A grader or model answer of a registered kind, by name (`check_points`, `model_sorting`, ...)."""
    found = registry.functions().get(name)
    if found is None:
        raise AttributeError(f"module 'pathways.autograde' has no attribute {name!r}")
    return found


def __dir__() -> list[str]:
    return sorted({*globals(), *registry.functions()})
