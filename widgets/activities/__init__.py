"""The activity kinds, one unit each, in one registry (`pathways.activities.registry`).

Each kind is one module or small package here that declares its record, file format and loader, grader(s),
model answers, view, excusal items, `pathways check` rules and report section, and registers them as a `Kind`:
`roleplay`, `checks`, `sorting`, `reflection`. Below them: `registry` (the declarations, nothing else), `responses`
(responses.json and the record base), `excusal` (skipping for wellbeing), `testcells` (the one reader of lesson
and test cells), `modes` (formative or hidden-key files) and `common` (what every grader shares).

Importing this package registers the four kinds (no two of their file formats recognise the same file, so
their order does not matter). A new kind: see README.md in this folder.
"""

from __future__ import annotations

from . import checks, reflection, registry, roleplay, sorting
from .registry import Kind, kinds

__all__ = ["Kind", "checks", "kinds", "reflection", "registry", "roleplay", "sorting"]
