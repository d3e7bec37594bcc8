"""Rule: a name written twice in one block. YAML keeps only the last of two equal keys, silently, so a copied
node or choice field would vanish without a word."""

from __future__ import annotations

import yaml

from ..problems import Problem, dotted


def duplicate_key_problems(root: yaml.Node | None, filename: str) -> list[Problem]:
    """Every key that appears twice in one mapping of the YAML node tree, at the line of the second."""
    problems: list[Problem] = []

    def walk(node: yaml.Node, path: tuple) -> None:
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for k, v in node.value:
                name = str(k.value)
                if name in seen:
                    where = f"under '{dotted(path)}'" if path else "at the top of the file"
                    problems.append(Problem(filename, k.start_mark.line + 1, dotted((*path, name)),
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
