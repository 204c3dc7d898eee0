"""Checks a schema cannot express: unique ids, known solver names, resolvable and valid solver arguments.

Returns ``(loc, message)`` pairs; the loader turns each into ``file:line: path: message``. Nothing here runs
a solver: computing values is ``grader validate``'s job (see ``grader.problems.verify``).
"""

from __future__ import annotations

from typing import Any, Iterator

from pydantic import ValidationError

from grader.problems.model import CodePart, NotebookPart, Part, Problem, ProblemSet
from grader.problems.resolve import ResolveError, resolve_args, resolve_given
from grader.solvers import SOLVERS, close_solver_names

Issue = tuple[tuple[Any, ...], str]


def check_semantics(problem_set: ProblemSet) -> list[Issue]:
    issues = list(_duplicate_ids(problem_set))
    for p_index, problem in enumerate(problem_set.problems):
        issues += check_problem(problem, ("problems", p_index))
    issues += list(_notebook_sources(problem_set))
    return issues


def _notebook_sources(problem_set: ProblemSet) -> Iterator[Issue]:
    known = [spec.id for spec in problem_set.notebooks]
    for index, notebook_id in enumerate(known):
        if notebook_id in known[:index]:
            yield ("notebooks", index, "id"), f"duplicate notebook id '{notebook_id}'"
    on_gpu = {spec.id for spec in problem_set.notebooks if spec.gpu_parameters}
    for p_index, problem in enumerate(problem_set.problems):
        for index, part in enumerate(problem.parts):
            if not isinstance(part, NotebookPart):
                continue
            where = ("problems", p_index, "parts", index)
            if part.notebook.source not in known:
                listed = ", ".join(f"'{name}'" for name in known) or "none"
                yield ((*where, "notebook", "source"),
                       f"unknown notebook '{part.notebook.source}' (the problem set's `notebooks`: {listed})")
            elif part.measured is not None and part.notebook.source not in on_gpu:
                yield ((*where, "measured"), f"notebook '{part.notebook.source}' has no `gpu_parameters`: a figure "
                       "compared with the grader's GPU measurement must come from a run on that GPU")


def _duplicate_ids(problem_set: ProblemSet) -> Iterator[Issue]:
    seen: set[str] = set()
    for p_index, problem in enumerate(problem_set.problems):
        if problem.id in seen:
            yield ("problems", p_index, "id"), f"duplicate problem id '{problem.id}'"
        seen.add(problem.id)
        part_ids: set[str] = set()
        for index, part in enumerate(problem.parts):
            if part.id in part_ids:
                yield ("problems", p_index, "parts", index, "id"), f"duplicate part id '{part.id}'"
            part_ids.add(part.id)


def check_problem(problem: Problem, loc: tuple[Any, ...]) -> list[Issue]:
    try:
        given = resolve_given(problem.given)
    except ResolveError as error:
        return [((*loc, "given", *error.loc), error.message)]
    issues: list[Issue] = []
    for index, part in enumerate(problem.parts):
        issues += _check_part(part, given, (*loc, "parts", index))
    return issues


def _check_part(part: Part | CodePart | NotebookPart, given: dict[str, Any], loc: tuple[Any, ...]) -> list[Issue]:
    if isinstance(part, CodePart):
        return _check_code_part(part, given, loc)
    if isinstance(part, NotebookPart):
        return _check_notebook_part(part, given, loc)
    expected_loc = (*loc, "expected")
    issues = _check_call(part.expected.solver, part.expected.args, given, expected_loc)
    for index, mistake in enumerate(part.mistakes):
        mistake_loc = (*loc, "mistakes", index)
        solver_name, args = mistake.call(part.expected.solver, part.expected.args)
        issues += _check_call(solver_name, args, given, mistake_loc)
    return issues


def _check_code_part(part: CodePart, given: dict[str, Any], loc: tuple[Any, ...]) -> list[Issue]:
    """Solver names, signature names, explicit cases (merged over ``expected.args``), generator and
    property names; the generated cases themselves are run by ``grader validate``."""
    from grader.code.cases import validate_generate
    from grader.code.properties import unknown_property_message

    code_loc = (*loc, "code")
    issues: list[Issue] = []
    if part.code.generate is not None:
        issues += [((*code_loc, "generate"), message) for message in validate_generate(part.code.generate)]
    issues += [((*code_loc, "properties", index), message) for index, name in enumerate(part.code.properties)
               for message in [unknown_property_message(name)] if message]
    if part.expected is None:
        return issues
    name = part.expected.solver
    if name not in SOLVERS:
        return [*issues, ((*loc, "expected", "solver"), unknown_solver_message(name))]
    parameters = set(SOLVERS[name].args_model.model_fields)
    issues += [((*code_loc, "signature", index), f"'{arg}' is not an argument of solver '{name}'")
               for index, arg in enumerate(part.code.signature) if arg not in parameters]
    for index, case in enumerate(part.code.cases):
        issues += _check_call(name, {**part.expected.args, **case}, given, (*code_loc, "cases", index), args_key=None)
    for index, mistake in enumerate(part.mistakes):
        solver_name = mistake.solver or name
        if solver_name not in SOLVERS:
            issues.append(((*loc, "mistakes", index, "solver"), unknown_solver_message(solver_name)))
    return issues


def _check_notebook_part(part: NotebookPart, given: dict[str, Any], loc: tuple[Any, ...]) -> list[Issue]:
    """A function part is checked as a code part; a value part's solver call as an answer part's, except
    that arguments naming notebook values (``@name``) are only known once the notebook has run."""
    if part.notebook.calls is not None:
        code_loc = len(loc)
        return [((*where[:code_loc], "notebook", "calls", *where[code_loc + 1:])
                 if where[code_loc:code_loc + 1] == ("code",) else where, message)
                for where, message in _check_code_part(part.as_code_part(), given, loc)]
    issues = _check_measured(part, given, loc)
    if part.expected is None:
        return issues
    late = any(isinstance(value, str) and value.startswith("@") for value in part.expected.args.values())
    if late:
        if part.expected.solver not in SOLVERS:
            return [*issues, ((*loc, "expected", "solver"), unknown_solver_message(part.expected.solver))]
        return issues
    issues += _check_call(part.expected.solver, part.expected.args, given, (*loc, "expected"))
    for index, mistake in enumerate(part.mistakes):
        solver, args = mistake.call(part.expected.solver, part.expected.args)
        issues += _check_call(solver, args, given, (*loc, "mistakes", index))
    return issues


def _check_measured(part: NotebookPart, given: dict[str, Any], loc: tuple[Any, ...]) -> list[Issue]:
    from grader.measure import PROBES

    if part.measured is None:
        return []
    where = (*loc, "measured")
    if part.measured.probe not in PROBES:
        return [((*where, "probe"), f"unknown probe '{part.measured.probe}' (known: {', '.join(PROBES)})")]
    return _check_call(part.measured.probe, part.measured.args, given, where, registry=PROBES)


def _check_call(name: str, args: dict[str, Any], given: dict[str, Any], loc: tuple[Any, ...],
                args_key: str | None = "args", registry: Any = SOLVERS) -> list[Issue]:
    if name not in registry:
        return [((*loc, "solver"), unknown_solver_message(name))]
    where = (*loc, args_key) if args_key else loc
    try:
        resolved = resolve_args(args, given)
    except ResolveError as error:
        return [((*where, *error.loc), error.message)]
    try:
        registry[name].validate_args(resolved)
    except ValidationError as error:
        return [((*where, *detail["loc"]), _arg_message(detail)) for detail in error.errors()]
    return []


def _arg_message(detail: Any) -> str:
    if detail["type"] == "extra_forbidden":
        return "unknown argument"
    if detail["type"] == "missing":
        return f"missing argument '{detail['loc'][-1]}'"
    return detail["msg"]


def unknown_solver_message(name: str) -> str:
    close = close_solver_names(name)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    return f"unknown solver '{name}'{hint} (see `grader solvers` for the list)"
