"""A plain-text score table for terminals (TAs, instructors, CI logs)."""

from __future__ import annotations

from grader.results.model import Report

_STATUS = {"correct": "correct", "partial": "partial", "wrong": "wrong", "format_error": "unreadable",
           "missing": "missing", "internal_error": "GRADER ERROR"}


def score_table(report: Report) -> str:
    rows = [(part.number, part.key, _STATUS[part.status] + _note(part.note, part.status),
             f"{part.earned:g} / {part.points:g}" + (" EC" if part.extra_credit else "")) for part in report.parts]
    header = ("#", "part", "status", "score")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(4)]
    template = "  ".join("{:<%d}" % width for width in widths)

    def line_format(*cells: str) -> str:
        return template.format(*cells).rstrip()

    out = [f"{report.problem_set_title} ({report.problem_set_id})",
           f"answers file: {report.answers_file or '(none read)'}", "",
           line_format(*header), line_format(*("-" * width for width in widths))]
    out += [line_format(*row) for row in rows]
    extra = sum(part.earned for part in report.parts if part.extra_credit)
    regular = report.earned - extra
    total = f"total: {regular:g} / {report.possible:g}" + (f"  (+{extra:g} extra credit)" if extra else "")
    if report.late_points:
        total += f"  late: −{report.late_points:g} ({report.late.days} days, {report.late.fraction:.0%})"
    out += ["", total]
    out += [f"! {message}" for message in report.messages]
    out += [f"* {notice}" for notice in report.notices]
    if report.figures:
        out.append(f"figures: {len(report.figures)} PNG files in figures/ beside results.json")
    out += [f"warning: {warning}" for warning in report.warnings]
    out += [f"sandbox: {note}" for note in report.staff_notes]
    if report.internal_error:
        out.append("GRADER ERROR: the grading run crashed; see the hidden staff test in results.json")
    return "\n".join(out)


def _note(note: str, status: str) -> str:
    return f" ({note})" if note and status in ("partial", "wrong") and note not in ("WRONG", "PARTIAL") else ""
