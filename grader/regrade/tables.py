"""The score table (``scores.csv``) and the comparison with a previous run's (``changes.csv``).

Columns: ``submission`` (the folder name, the row's key), ``name``, ``email``, ``sid``, one column per part
named by its Gradescope test name in the problem set's order (tests a run adds, such as an instructor
unittest file's, follow in number order), ``late penalty`` when the problem set has a late policy,
``total`` (results.json's score), ``status`` and ``message``. Rows are sorted by submission, so two runs
of the same batch give the same file whatever order the workers finished in. Text cells that a
spreadsheet would read as a formula are prefixed with ``'``.
"""

from __future__ import annotations

import csv
import io
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from grader.problems.model import ProblemSet, part_key, part_number
from grader.regrade.inputs import RegradeError, Submission
from grader.regrade.work import Outcome

IDENTITY = ("submission", "name", "email", "sid")
TRAILER = ("total", "status", "message")
LATE = "late penalty"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Column:
    key: str
    name: str
    number: str
    points: float
    extra_credit: bool = False


@dataclass(frozen=True)
class Row:
    submission: Submission
    outcome: Outcome


@dataclass(frozen=True)
class Change:
    submission: str
    name: str
    email: str
    sid: str
    column: str
    before: str
    after: str


def columns(problem_set: ProblemSet, outcomes: Iterable[Outcome]) -> tuple[Column, ...]:
    """One column per part: the problem set's parts in order, then any other test seen, by number."""
    seen: dict[str, Column] = {}
    for outcome in outcomes:
        for part in outcome.parts:
            seen.setdefault(part.key, Column(part.key, part.name, part.number, part.points, part.extra_credit))
    ordered = []
    for problem, part in problem_set.parts():
        key = part_key(problem, part)
        number = part_number(problem_set, problem, part)
        ordered.append(seen.pop(key, None) or Column(key, f"{number} {key}", number, part.points,
                                                     bool(getattr(part, "extra_credit", False))))
    ordered += sorted(seen.values(), key=lambda column: (_number_key(column.number), column.key))
    return tuple(ordered)


def _number_key(number: str) -> tuple[float, ...]:
    try:
        return tuple(float(piece) for piece in number.split("."))
    except ValueError:
        return (math.inf,)


def header(cols: Sequence[Column], *, late: bool) -> list[str]:
    return [*IDENTITY, *(column.name for column in cols), *([LATE] if late else []), *TRAILER]


def score_cell(value: float | None) -> str:
    if value is None:
        return ""
    text = f"{round(value, 2):.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def text_cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def scores_csv(rows: Sequence[Row], cols: Sequence[Column], *, late: bool) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header(cols, late=late))
    for row in sorted(rows, key=lambda item: item.submission.folder):
        submission, outcome = row.submission, row.outcome
        scores = {part.key: part.score for part in outcome.parts}
        writer.writerow([
            *(text_cell(value) for value in (submission.folder, submission.name, submission.email, submission.sid)),
            *(score_cell(scores.get(column.key)) for column in cols),
            *([_late_cell(outcome)] if late else []),
            score_cell(outcome.total), outcome.status, text_cell(outcome.message),
        ])
    return buffer.getvalue()


def _late_cell(outcome: Outcome) -> str:
    return "" if outcome.total is None else score_cell(-outcome.late if outcome.late else 0.0)


def read_scores(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """A previous run's scores.csv: its header and rows. Raises RegradeError when it is not one."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise RegradeError(f"cannot read the previous run's {path} ({error.strerror or error})") from None
    reader = csv.DictReader(io.StringIO(text))
    fields = list(reader.fieldnames or [])
    if "submission" not in fields or "total" not in fields:
        raise RegradeError(f"{path} is not a scores.csv written by grader regrade (no submission/total columns)")
    return fields, list(reader)


def compare(previous: tuple[list[str], list[dict[str, str]]], current: str) -> tuple[Change, ...]:
    """Every score or status that differs between the previous table and this one, by submission (or by
    email, for a submission whose folder name changed between exports)."""
    old_fields, old_rows = previous
    new_fields, new_rows = read_scores_text(current)
    compared = [field for field in new_fields if field in old_fields and field not in IDENTITY and field != "message"]
    old_by_folder = {row.get("submission", ""): row for row in old_rows}
    emails = Counter(row.get("email", "") for row in old_rows)
    old_by_email = {row["email"]: row for row in old_rows if row.get("email") and emails[row["email"]] == 1}
    matched: set[int] = set()
    changes = []
    for row in new_rows:
        before = old_by_folder.get(row["submission"]) or old_by_email.get(row.get("email", ""))
        if before is None or id(before) in matched:
            changes.append(_change(row, "(submission)", "not in the previous run", "new"))
            continue
        matched.add(id(before))
        changes += [_change(row, field, before.get(field, ""), row.get(field, ""))
                    for field in compared if _differs(before.get(field, ""), row.get(field, ""))]
    changes += [_change(row, "(submission)", "graded", "not in this run") for row in old_rows if id(row) not in matched]
    return tuple(changes)


def read_scores_text(text: str) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text))
    return list(reader.fieldnames or []), list(reader)


def _change(row: dict[str, str], column: str, before: str, after: str) -> Change:
    return Change(row.get("submission", ""), row.get("name", ""), row.get("email", ""), row.get("sid", ""),
                  column, before, after)


def _differs(before: str, after: str) -> bool:
    try:
        return abs(float(before) - float(after)) > _TOLERANCE
    except ValueError:
        return before.strip() != after.strip()


def changes_csv(changes: Sequence[Change]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["submission", "name", "email", "sid", "column", "before", "after"])
    for change in changes:
        writer.writerow([change.submission, change.name, change.email, change.sid, change.column,
                         change.before, change.after])
    return buffer.getvalue()
