"""``grader audit``: where a homework document's printed answers disagree with the reference solvers."""

from __future__ import annotations

from dataclasses import dataclass

from grader.answers import KINDS
from grader.answers.base import FormatError
from grader.grading.reference import mistake_values, reference_value
from grader.problems.model import Part, Problem, ProblemSet, part_key, part_number


@dataclass(frozen=True)
class AuditRow:
    key: str
    number: str
    printed: str
    computed: str
    agrees: bool
    explanation: str


def audit(problem_set: ProblemSet) -> list[AuditRow]:
    """One row per part that records a published answer, in document order."""
    return [_audit_part(problem_set, problem, part)
            for problem, part in problem_set.answer_parts() if part.published is not None]


def _audit_part(problem_set: ProblemSet, problem: Problem, part: Part) -> AuditRow:
    kind = KINDS[part.answer.kind]
    expected = reference_value(problem, part)
    computed = kind.show(expected, part.answer)
    row = dict(key=part_key(problem, part), number=part_number(problem_set, problem, part), computed=computed)
    reading = kind.parse(part.published, part.answer)
    if isinstance(reading, FormatError):
        return AuditRow(**row, printed=str(part.published), agrees=False,
                        explanation=f"printed value cannot be read: {reading.message}")
    if kind.grade(reading.value, expected, part.answer).correct:
        return AuditRow(**row, printed=reading.shown, agrees=True, explanation="")
    for mistake, value in mistake_values(problem, part):
        if kind.grade(reading.value, value, part.answer).correct:
            return AuditRow(**row, printed=reading.shown, agrees=False, explanation=f"matches mistake {mistake.name}")
    return AuditRow(**row, printed=reading.shown, agrees=False, explanation="no known mistake matches")


def audit_report(problem_set: ProblemSet, rows: list[AuditRow]) -> str:
    """A Markdown report: a summary line, then a table of the disagreements."""
    wrong = [row for row in rows if not row.agrees]
    lines = [f"## {problem_set.title} (`{problem_set.document}`)", "",
             f"{len(rows)} published answers checked, {len(wrong)} disagree with the solvers."]
    if wrong:
        lines += ["", "| # | part | printed | computed | likely cause |", "|---|---|---|---|---|"]
        lines += [f"| {row.number} | `{row.key}` | `{_cell(row.printed)}` | `{_cell(row.computed)}` "
                  f"| {_cell(row.explanation)} |" for row in wrong]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    flat = " ".join(text.split()).replace("|", "\\|").replace("`", "'")
    return flat if len(flat) <= 120 else flat[:117] + "..."
