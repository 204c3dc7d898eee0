"""Registries keyed by name (generators, properties), and the did-you-mean for a misspelt name."""

from __future__ import annotations

import difflib
from types import MappingProxyType
from typing import Iterable, Mapping, Protocol, TypeVar


class Named(Protocol):
    @property
    def name(self) -> str: ...


T = TypeVar("T", bound=Named)


def build_registry(items: Iterable[T], plural: str) -> Mapping[str, T]:
    """A read-only mapping name → item; two items with one name are a bug, caught at import."""
    found: dict[str, T] = {}
    for item in items:
        if item.name in found:
            raise ValueError(f"two {plural} are named {item.name!r}")
        found[item.name] = item
    return MappingProxyType(found)


def unknown_name_message(name: str, known: Iterable[str], what: str) -> str:
    """``unknown WHAT 'name'; did you mean 'x'? (known: a, b, c)``."""
    names = sorted(known)
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    return f"unknown {what} '{name}'{hint} (known: {', '.join(names)})"
