"""The learner-facing widgets. Each is a thin view over the engine and the response store.

Any registered activity kind's view is also found here by its name (`from pathways.views import <view>`), through
the registry (pathways.activities.registry), so a new kind needs no line in this file."""

from .checks import KnowledgeCheck, knowledge_check
from .reflection import Reflection, reflection
from .roleplay import RolePlay, roleplay
from .safety import QuickExit, safety_panel, skip_section
from .sorting import Sorting, sorting

__all__ = ["KnowledgeCheck", "knowledge_check", "Reflection", "reflection", "RolePlay", "roleplay",
           "QuickExit", "safety_panel", "skip_section", "Sorting", "sorting"]


def __getattr__(name: str):
    """A registered kind's view factory by the name its `View` declares (imported on first use)."""
    from pathways.activities import registry

    found = registry.view(name)
    if found is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return found[1].load()
