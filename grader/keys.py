"""Answer keys computed by the reference solvers: JSON for machines, Markdown for people."""

from __future__ import annotations

import dataclasses
import json
from fractions import Fraction
from typing import Any

from grader.answers import KINDS
from grader.derivations import derive
from grader.grading.reference import reference_value
from grader.problems.model import CodePart, NotebookPart, ProblemSet, part_key, part_number
from grader.problems.resolve import resolve_args, resolve_given
from grader.solvers import SOLVERS


def key_values(problem_set: ProblemSet) -> dict[str, Any]:
    return {part_key(problem, part): plain(reference_value(problem, part))
            for problem, part in problem_set.answer_parts()}


def key_json(problem_set: ProblemSet) -> str:
    return json.dumps(key_values(problem_set), indent=2, allow_nan=False) + "\n"


def key_markdown(problem_set: ProblemSet) -> str:
    lines = [f"# Answer key: {problem_set.title}", "", f"Source document: `{problem_set.document}`. "
             "Every value is computed by a reference solver; beside it, its derivation (or the solver call).", ""]
    for problem in problem_set.problems:
        lines += [f"## {problem.title}", "", "| # | key | points | answer | derivation |", "|---|---|---|---|---|"]
        given = resolve_given(problem.given)
        for part in problem.parts:
            if isinstance(part, CodePart):
                lines.append(_code_row(problem_set, problem, part))
                continue
            if isinstance(part, NotebookPart):
                lines.append(_notebook_row(problem_set, problem, part))
                continue
            value = reference_value(problem, part)
            shown = KINDS[part.answer.kind].show(value, part.answer).replace("|", "\\|")
            args = resolve_args(part.expected.args, given)
            how = derive(part.expected.solver, args, plain(value)) or _call_text(part.expected.solver, args)
            points = f"{part.points:g}" + (" (extra credit)" if part.extra_credit else "")
            lines.append(f"| {part_number(problem_set, problem, part)} | `{part_key(problem, part)}` | {points} "
                         f"| `{shown}` | `{how.replace('|', chr(92) + '|')}` |")
        lines.append("")
    return "\n".join(lines)


def _code_row(problem_set: ProblemSet, problem: Any, part: CodePart) -> str:
    spec = part.code
    reference = f"solver `{part.expected.solver}`" if part.expected else "property checks"
    checks = ", ".join(spec.properties)
    how = f"runs `{spec.function}` from `{spec.file}` against {reference}" + (f"; properties: {checks}" if checks else "")
    points = f"{part.points:g}" + (" (extra credit)" if part.extra_credit else "")
    return (f"| {part_number(problem_set, problem, part)} | `{part_key(problem, part)}` | {points} "
            f"| (code) | {how} |")


def _notebook_row(problem_set: ProblemSet, problem: Any, part: NotebookPart) -> str:
    source = part.notebook
    read = f"value `{source.value}`" if source.value else f"function `{source.function}`"
    answer = f"(notebook `{source.source}`)"
    if source.value and part.expected is not None and part.answer is not None and not _late(part.expected.args):
        args = resolve_args(part.expected.args, resolve_given(problem.given))
        value = SOLVERS[part.expected.solver](**args)
        answer = "`" + KINDS[part.answer.kind].show(value, part.answer).replace("|", "\\|") + "`"
    if part.check is not None:
        judged = "check " + ", ".join(f"{name} {value}" for name, value in part.check.model_dump().items()
                                      if value is not None and name != "rtol")
    elif part.expected is not None:
        judged = f"solver `{part.expected.solver}`" + (
            f" ({', '.join(f'{k}={v}' for k, v in part.expected.args.items())})" if part.expected.args else "")
    else:
        judged = "property checks"
    points = f"{part.points:g}" + (" (extra credit)" if part.extra_credit else "")
    return (f"| {part_number(problem_set, problem, part)} | `{part_key(problem, part)}` | {points} "
            f"| {answer} | {read} against {judged} |")


def _late(args: dict[str, Any]) -> bool:
    """Whether any argument names a notebook value (known only once the notebook has run)."""
    return any(isinstance(value, str) and value.startswith("@") for value in args.values())


def plain(value: Any) -> Any:
    """A canonical answer value as plain JSON: ints stay ints, shapes and matrices become lists, a reference
    made of named fields (a designed layer's situation) a mapping."""
    if isinstance(value, bool):
        return value
    if isinstance(value, Fraction):
        return int(value) if value.denominator == 1 else float(value)
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, (int, float, str)):
        return value
    text = getattr(value, "text", None)
    if isinstance(text, str):
        return text
    if dataclasses.is_dataclass(value) and not isinstance(value, type):  # a property kind's reference
        return {field.name: plain(getattr(value, field.name)) for field in dataclasses.fields(value)}
    raise TypeError(f"no plain form for {type(value).__name__}")


def _call_text(solver: str, args: dict[str, Any]) -> str:
    inner = ", ".join(f"{name}={_short(value)}" for name, value in args.items())
    return f"{solver}({inner})"


def _short(value: Any) -> str:
    text = json.dumps(value, separators=(",", ":"), default=str)
    return text if len(text) <= 80 else text[:77] + "..."
