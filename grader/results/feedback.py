"""Markdown feedback for students: what was read, whether it is right, and a hint why not."""

from __future__ import annotations

from grader.results.model import PartResult, Report
from grader.text import code

_JUDGED = {"correct": ("✅", "Correct."), "partial": ("🟡", "Partly correct."), "wrong": ("❌", "Not correct.")}
_UNJUDGED = {
    "format_error": "⚠️ Your answer could not be read, so it was not graded. This is not counted as a wrong "
                    "answer: fix the format and resubmit.",
    "missing": "⚠️ Not answered.",
    "internal_error": "⚠️ The autograder hit an internal error on this part; staff have the details and "
                      "will regrade it. This is not your fault.",
}


def part_markdown(part: PartResult) -> str:
    lines = []
    if part.answer_shown is not None:
        lines.append(f"**Read:** {code(part.answer_shown, 200)}")
    if part.status in _JUDGED:
        mark, default = _JUDGED[part.status]
        lines.append(f"{mark} {part.feedback or default}")
    else:
        lines.append(_UNJUDGED[part.status])
        if part.feedback:
            lines.append(part.feedback)
    if part.hint:
        lines.append(f"*Hint:* {part.hint}")
    if part.expected_shown is not None:
        lines.append(f"**Expected:** {code(part.expected_shown, 400)}")
    if part.status in _JUDGED:
        lines.append(f"Score: {_num(part.earned)} / {_num(part.points)}")
    return "\n\n".join(lines)


def summary_markdown(report: Report) -> str:
    lines = []
    if report.answers_file:
        answered = sum(1 for part in report.parts if part.status not in ("missing", "internal_error"))
        lines.append(f"Read {code(report.answers_file, 120)}: {answered} of {len(report.parts)} questions answered.")
    lines += report.messages
    lines += report.notices
    if report.late is not None and report.late_points:
        lines.append(f"{report.late.message} −{report.late_points:g} points.")
    if report.warnings:
        lines.append("Warnings:\n" + "\n".join(f"- {warning}" for warning in report.warnings))
    if report.internal_error or any(part.status == "internal_error" for part in report.parts):
        lines.append("The autograder hit an internal error; staff have the details and will regrade. "
                     "This is not your fault.")
    return "\n\n".join(lines)


def _num(value: float) -> str:
    return f"{value:g}"
