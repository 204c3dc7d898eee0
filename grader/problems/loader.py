"""Load a problem-set YAML file, reporting every error at once as ``file:line: path: message``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import yaml
from pydantic import ValidationError

from grader.problems.locations import duplicate_keys, locate
from grader.problems.model import Problem, ProblemSet
from grader.problems.semantics import check_problem, check_semantics

_FastLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class LoadError:
    file: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.path}: {self.message}"


class ProblemSetError(Exception):
    """A problem file that cannot be used; ``errors`` holds every problem found, in file order."""

    def __init__(self, errors: Sequence[LoadError]):
        self.errors = tuple(sorted(errors, key=lambda error: (error.file, error.line)))
        super().__init__("\n".join(str(error) for error in self.errors))


def load_problem_set(path: str | Path) -> ProblemSet:
    return _load(path)[0]


def validate_file(path: str | Path) -> list[LoadError]:
    """Every error of a problem file, including ``grader validate``'s deeper checks that run the solvers."""
    from grader.problems.verify import verify_problem_set

    try:
        problem_set, root = _load(path)
    except ProblemSetError as error:
        return list(error.errors)
    return [_at(str(path), root, loc, message) for loc, message in verify_problem_set(problem_set)]


def _load(path: str | Path) -> tuple[ProblemSet, yaml.Node | None]:
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ProblemSetError([LoadError(name, 1, "(file)", f"cannot read the file: {error}")]) from None
    root, data = _parse_yaml(name, text)
    errors = [
        LoadError(name, line, locate(root, loc).path, f"duplicate key '{key}'")
        for loc, line, key in duplicate_keys(root)
    ]
    try:
        problem_set = ProblemSet.model_validate(data)
    except ValidationError as error:
        errors += [_from_pydantic(name, root, detail) for detail in _root_causes(error.errors())]
        errors += [_at(name, root, loc, message) for loc, message in _semantics_of_valid_problems(data)]
        raise ProblemSetError(errors) from None
    errors += [_at(name, root, loc, message) for loc, message in check_semantics(problem_set)]
    errors += [_at(name, root, ("unittests", index, "file"), f"no such file: {suite.file}")
               for index, suite in enumerate(problem_set.unittests)
               if not (Path(path).parent / suite.file).is_file()]
    if errors:
        raise ProblemSetError(errors)
    return problem_set.located(Path(path).parent), root


def _semantics_of_valid_problems(data: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    """When the file as a whole is invalid, still check the problems that are valid on their own,
    so that one pass reports every error."""
    problems = data.get("problems")
    if not isinstance(problems, list):
        return []
    issues = []
    for index, raw in enumerate(problems):
        try:
            problem = Problem.model_validate(raw)
        except ValidationError:
            continue
        issues += check_problem(problem, ("problems", index))
    return issues


def _parse_yaml(name: str, text: str) -> tuple[yaml.Node | None, Any]:
    """Compose once (libyaml when available) and build the data from the same node tree."""
    try:
        root = yaml.compose(text, Loader=_FastLoader)
        data = yaml.constructor.SafeConstructor().construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        raise ProblemSetError([LoadError(name, line, "(yaml)", str(error.problem or error))]) from None
    except yaml.YAMLError as error:
        raise ProblemSetError([LoadError(name, 1, "(yaml)", str(error))]) from None
    if not isinstance(data, dict):
        raise ProblemSetError([LoadError(name, 1, "(top level)", "a problem set must be a mapping")])
    return root, data


def _at(name: str, root: yaml.Node | None, loc: Sequence[Any], message: str) -> LoadError:
    where = locate(root, loc)
    return LoadError(name, where.line, where.path, message)


def _from_pydantic(name: str, root: yaml.Node | None, detail: Any) -> LoadError:
    return _at(name, root, detail["loc"], _message(detail))


def _root_causes(details: list[Any]) -> list[Any]:
    """Drop "too short" errors that only echo a failing item below them (pydantic reports both)."""
    def echoes(detail: Any) -> bool:
        loc = tuple(detail["loc"])
        return detail["type"] == "too_short" and any(
            tuple(other["loc"])[: len(loc)] == loc and len(other["loc"]) > len(loc) for other in details)

    return [detail for detail in details if not echoes(detail)]


def _message(detail: Any) -> str:
    kind = detail["type"]
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return f"missing required key '{detail['loc'][-1]}'"
    if kind == "union_tag_invalid":
        context = detail.get("ctx", {})
        return f"unknown kind {context.get('tag')!r}; expected one of {context.get('expected_tags')}"
    if kind == "union_tag_not_found":
        return "missing 'kind' (one of integer, real, shape, matrix, formula, choice)"
    return detail["msg"]
