"""Reading YAML: PyYAML's C parser when it is built, else the pure-Python one (same results, safe loaders only).

The data files read when a lesson starts (principles, checklist, resources, widget strings) and every scenario go
through here: on this project's 2-core machines the C parser is several times faster.
"""

from __future__ import annotations

import yaml

#: The safe loader in force: CSafeLoader when PyYAML was built with libyaml, else SafeLoader.
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> object:
    """yaml.safe_load, with the C parser when there is one."""
    return yaml.load(text, Loader=LOADER)  # noqa: S506 - LOADER is a safe loader
