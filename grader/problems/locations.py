"""Map a validation error's location (a path of keys and indexes) to the YAML line it came from.

The problem file is composed once into PyYAML's node tree; an error's ``loc`` is walked down that tree.
Parts of a ``loc`` that are not in the YAML (pydantic's union tags such as ``integer``) are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import yaml


@dataclass(frozen=True)
class Located:
    line: int
    path: str


def locate(root: yaml.Node | None, loc: Sequence[Any]) -> Located:
    node = root
    line = _line(root)
    path: list[str] = []
    for step in loc:
        found = _child(node, step)
        if found is None:
            continue
        key_line, node = found
        line = key_line
        path.append(f"[{step}]" if isinstance(step, int) else str(step))
    return Located(line=line, path=_join(path))


def _child(node: yaml.Node | None, step: Any) -> tuple[int, yaml.Node] | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == str(step):
                return _line(key), value
    if isinstance(node, yaml.SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
        item = node.value[step]
        return _line(item), item
    return None


def _line(node: yaml.Node | None) -> int:
    return node.start_mark.line + 1 if node is not None else 1


def _join(path: list[str]) -> str:
    text = ""
    for piece in path:
        text += piece if piece.startswith("[") or not text else f".{piece}"
    return text or "(top level)"


def duplicate_keys(root: yaml.Node | None) -> list[tuple[list[Any], int, str]]:
    """Every mapping key that appears twice: (loc of the mapping, line of the repeat, key)."""
    found: list[tuple[list[Any], int, str]] = []

    def walk(node: yaml.Node | None, loc: list[Any]) -> None:
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in node.value:
                name = key.value if isinstance(key, yaml.ScalarNode) else str(key)
                if name in seen:
                    found.append((loc, _line(key), name))
                seen.add(name)
                walk(value, [*loc, name])
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, [*loc, index])

    walk(root, [])
    return found
