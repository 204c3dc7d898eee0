"""A YAML loader for hostile text: every scalar stays text, no anchors or aliases, bounded size and depth.

Scalars are kept as strings (PyYAML's BaseLoader) so that the answer kinds decide how to read them: YAML 1.1
would otherwise turn ``46:62`` into 2822 (sexagesimal), ``no`` into False and ``1e6`` into a string anyway.
Anchors and aliases are refused outright, which stops "billion laughs" alias bombs before they expand.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.events import AliasEvent, CollectionStartEvent, ScalarEvent

MAX_DEPTH = 20
MAX_NODES = 20_000


class UnsafeYaml(ValueError):
    """The text uses a YAML feature refused for answers files; the message says which and where."""


class _AnswersLoader(yaml.BaseLoader):
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        line = event.start_mark.line + 1 if event.start_mark else "?"
        if isinstance(event, AliasEvent):
            raise UnsafeYaml(f"line {line}: YAML aliases (*name) are not allowed in answers files")
        if isinstance(event, (ScalarEvent, CollectionStartEvent)) and event.anchor is not None:
            raise UnsafeYaml(f"line {line}: YAML anchors (&name) are not allowed in answers files")
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise UnsafeYaml(f"the file has more than {MAX_NODES} values")
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise UnsafeYaml(f"line {line}: nested more than {MAX_DEPTH} levels deep")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def compose_answers(text: str) -> yaml.Node | None:
    """Compose the text into a node tree (so lines stay known); raises UnsafeYaml or yaml.YAMLError."""
    loader = _AnswersLoader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()
