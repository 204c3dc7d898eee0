"""Read a student's answers file (hostile input) into raw answers keyed ``<problem_id>.<part_id>``.

Keys may be flat (``model_size.fc_layer1: 1820``) or nested by problem (``model_size: {fc_layer1: 1820}``).
Values stay raw (text, numbers, lists): the part's answer kind reads them. Nothing here raises on bad input;
every problem becomes a message for the student.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

import yaml

from grader.submission.safe_yaml import UnsafeYaml, compose_answers
from grader.text import code, valid_unicode

MAX_BYTES = 256 * 1024
MAX_WARNINGS = 10


@dataclass(frozen=True)
class Missing:
    reason: str = "the key is not in your answers file"


@dataclass(frozen=True)
class Duplicate:
    where: str


@dataclass(frozen=True)
class AnswerSheet:
    answers: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def lookup(self, key: str) -> Any:
        return self.answers.get(key, Missing())


@dataclass(frozen=True)
class SheetError:
    """The file as a whole could not be used; ``message`` tells the student why."""

    message: str


@dataclass(frozen=True)
class _Entry:
    key: str
    value: Any
    line: int | None


def read_answers(path: Path, shown: str, known_keys: Iterable[str]) -> AnswerSheet | SheetError:
    text = _read_text(path, shown)
    if isinstance(text, SheetError):
        return text
    entries = _parse_json(text, shown) if path.suffix.lower() == ".json" else _parse_yaml(text, shown)
    if isinstance(entries, SheetError):
        return entries
    return _sheet(list(entries), shown, list(known_keys))


def _read_text(path: Path, shown: str) -> str | SheetError:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as error:
        return SheetError(f"{code(shown, 120)} could not be opened ({error.strerror or 'unreadable'}).")
    if len(data) > MAX_BYTES:
        return SheetError(f"{code(shown, 120)} is larger than {MAX_BYTES // 1024} KiB; an answers file is a few lines of text.")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        return SheetError(f"{code(shown, 120)} is not UTF-8 text (unreadable byte at position {error.start}); "
                          "save it as UTF-8 plain text and resubmit.")


def _parse_yaml(text: str, shown: str) -> list[_Entry] | SheetError:
    try:
        root = compose_answers(text)
    except UnsafeYaml as error:
        return SheetError(f"{code(shown, 120)} was not read: {error}.")
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f" on line {mark.line + 1}" if mark else ""
        return SheetError(f"{code(shown, 120)} is not valid YAML{where}: {error.problem or 'syntax error'}. "
                          "Check the indentation and that each line reads `key: answer`.")
    except (yaml.YAMLError, RecursionError, ValueError) as error:
        return SheetError(f"{code(shown, 120)} is not valid YAML ({type(error).__name__}).")
    if root is None:
        return []
    if not isinstance(root, yaml.MappingNode):
        return _not_a_mapping(shown, "a list" if isinstance(root, yaml.SequenceNode) else "a single value")
    return list(_yaml_entries(root, prefix=""))


def _yaml_entries(node: yaml.MappingNode, prefix: str) -> Iterator[_Entry]:
    for key_node, value_node in node.value:
        key = _join(prefix, _plain(key_node))
        line = key_node.start_mark.line + 1
        if isinstance(value_node, yaml.MappingNode) and not prefix:
            yield from _yaml_entries(value_node, prefix=key)
        else:
            yield _Entry(key, _plain(value_node), line)


def _plain(node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return valid_unicode(node.value)
    if isinstance(node, yaml.SequenceNode):
        return [_plain(item) for item in node.value]
    return {str(_plain(key)): _plain(value) for key, value in node.value}


def _parse_json(text: str, shown: str) -> list[_Entry] | SheetError:
    try:
        data = json.loads(text, object_pairs_hook=lambda pairs: _Pairs(pairs))
    except json.JSONDecodeError as error:
        return SheetError(f"{code(shown, 120)} is not valid JSON (line {error.lineno}: {error.msg}).")
    except (ValueError, RecursionError) as error:
        return SheetError(f"{code(shown, 120)} could not be read as JSON ({type(error).__name__}: nesting or numbers too large).")
    if not isinstance(data, _Pairs):
        return _not_a_mapping(shown, "a list" if isinstance(data, list) else "a single value")
    return list(_json_entries(data, prefix=""))


class _Pairs(list):
    """A JSON object kept as its (key, value) pairs so that repeated keys are seen."""


def _json_entries(pairs: _Pairs, prefix: str) -> Iterator[_Entry]:
    for key, value in pairs:
        full = _join(prefix, key)
        if isinstance(value, _Pairs) and not prefix:
            yield from _json_entries(value, prefix=full)
        else:
            yield _Entry(full, _unpair(value), None)


def _unpair(value: Any) -> Any:
    if isinstance(value, _Pairs):
        return {valid_unicode(str(key)): _unpair(item) for key, item in value}
    if isinstance(value, list):
        return [_unpair(item) for item in value]
    return valid_unicode(value) if isinstance(value, str) else value


def _join(prefix: str, key: str) -> str:
    key = valid_unicode(str(key)).strip().lower()
    return f"{prefix}.{key}" if prefix else key


def _not_a_mapping(shown: str, found: str) -> SheetError:
    return SheetError(f"{code(shown, 120)} must map question keys to answers, one per line like "
                      f"`model_size.fc_layer1: 1820`; it holds {found}.")


def _sheet(entries: list[_Entry], shown: str, known: list[str]) -> AnswerSheet:
    answers: dict[str, Any] = {}
    lines: dict[str, list[int | None]] = {}
    warnings: list[str] = []
    for entry in entries:
        lines.setdefault(entry.key, []).append(entry.line)
        if entry.key not in known:
            warnings.append(_unknown_key_warning(entry, known))
            continue
        answers[entry.key] = _blank_to_missing(entry.value)
    for key, seen in lines.items():
        if len(seen) > 1 and key in known:
            answers[key] = Duplicate(_where(seen))
    if len(warnings) > MAX_WARNINGS:
        warnings = [*warnings[:MAX_WARNINGS], f"... and {len(warnings) - MAX_WARNINGS} more unknown keys."]
    return AnswerSheet(answers=answers, warnings=tuple(warnings))


def _blank_to_missing(value: Any) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return Missing("left blank")
    return value


def _unknown_key_warning(entry: _Entry, known: list[str]) -> str:
    at = f" (line {entry.line})" if entry.line else ""
    close = difflib.get_close_matches(entry.key[:200], known, n=1)
    hint = f"; did you mean `{close[0]}`?" if close else ""
    return f"Unknown key {code(entry.key)}{at} was ignored{hint}"


def _where(lines: list[int | None]) -> str:
    if all(line is not None for line in lines):
        return "lines " + ", ".join(str(line) for line in lines)
    return f"{len(lines)} times"
