"""The learner-facing widgets. Each is a thin view over the engine and the response store."""

from .checks import KnowledgeCheck, knowledge_check
from .reflection import Reflection, reflection
from .roleplay import RolePlay, roleplay
from .safety import QuickExit, safety_panel, skip_section
from .sorting import Sorting, sorting

__all__ = ["KnowledgeCheck", "knowledge_check", "Reflection", "reflection", "RolePlay", "roleplay",
           "QuickExit", "safety_panel", "skip_section", "Sorting", "sorting"]
