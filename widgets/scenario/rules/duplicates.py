"""Rule: a name written twice in one block. YAML keeps only the last of two equal keys, silently, so a copied
node or choice field would vanish without a word. In an item of a list (a choice), several names written twice
mostly mean that a new item was started without its '- ': that is said once, at the line where it starts."""

from __future__ import annotations

import yaml

from ..problems import Problem, dotted

#: The rule name of a list item that lost its '- ' (the analysis then holds back what follows from it).
MISSING_DASH = "missing-dash"


def duplicate_key_problems(root: yaml.Node | None, filename: str) -> list[Problem]:
    """Every key that appears twice in one mapping of the YAML node tree, at the line of the second (a list item
    with two or more: one problem, a '- ' missing)."""
    problems: list[Problem] = []

    def walk(node: yaml.Node, path: tuple, in_list: bool) -> None:
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            again: list[yaml.Node] = []
            for k, v in node.value:
                name = str(k.value)
                if name in seen:
                    again.append(k)
                seen.add(name)
                walk(v, (*path, name), False)
            problems.extend(_report(again, path, in_list, filename))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, (*path, i), True)

    if root is not None:
        walk(root, (), False)
    return problems


def _report(again: list[yaml.Node], path: tuple, in_list: bool, filename: str) -> list[Problem]:
    """The problems of one mapping's repeated names."""
    if in_list and len(again) >= 2:
        first = again[0]
        names = ", ".join(repr(str(k.value)) for k in again)
        return [Problem(filename, first.start_mark.line + 1, dotted(path),
                        f"{names} appear twice in one item of the list: a new item (a choice) probably starts here "
                        f"without its '- '; put '- ' before {str(first.value)!r} on this line, lined up with the "
                        "'- ' of the item above", rule=MISSING_DASH)]
    where = f"under '{dotted(path)}'" if path else "at the top of the file"
    return [Problem(filename, k.start_mark.line + 1, dotted((*path, str(k.value))),
                    f"the name {str(k.value)!r} appears twice {where}; YAML keeps only the last one, so rename or "
                    "remove one of them") for k in again]
