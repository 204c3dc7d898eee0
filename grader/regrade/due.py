"""Due dates for a regrade: ``--due``, ``--late-due`` and an ``--extensions`` CSV, applied to every
submission's metadata so that the problem set's late policy counts in a regrade as on Gradescope.

A Gradescope export gives each submission's ``created_at`` but no due dates; a container folder's
``submission_metadata.json`` gives both. Precedence, per submission:

- ``--due`` and ``--late-due`` replace the assignment's dates of a ``submission_metadata.json`` (with
  ``--due`` and no ``--late-due`` there is no late due date);
- extensions count from both sources, a member's date in the JSON (one later than the assignment's) and
  the CSV's rows; the latest date any member of a group has wins, as on Gradescope (see
  grader/submission/metadata.py);
- without ``--due`` the submissions keep whatever dates they came with.

Times must carry a UTC offset (``2026-10-05T23:59:00-04:00`` or ``...Z``): a guessed timezone would
shift every penalty by hours, silently. The CSV is written by hand, so it is read strictly: a bad row is
an error with ``file:line``, before anything is graded.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Iterable, Sequence

from grader.problems.model import LatePolicy
from grader.regrade.inputs import RegradeError, Submission
from grader.submission.metadata import Submitter, latest, parse_time
from grader.text import code, snippet

MAX_EXTENSIONS_BYTES = 4 * 1024 * 1024
IDENTIFIERS = ("email", "sid")
COLUMNS = (*IDENTIFIERS, "name", "due_date", "late_due_date")
"""The extensions CSV's columns (``name`` is for the TA's eyes and is ignored)."""
MAX_LISTED = 10
_OFFSET = re.compile(r"[T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}(:?\d{2})?)$", re.IGNORECASE)


@dataclass(frozen=True)
class Extension:
    """One row of the extensions CSV: a student's own due dates (None where the row leaves one out)."""

    line: int
    email: str = ""
    """Casefolded; empty when the row identifies the student by SID only."""
    sid: str = ""
    due_date: datetime | None = None
    late_due_date: datetime | None = None

    @property
    def who(self) -> str:
        return self.email or f"SID {self.sid}"


@dataclass(frozen=True)
class DueDates:
    """The due dates a regrade applies: the assignment's, and per-student extensions."""

    due_date: datetime
    late_due_date: datetime | None = None
    extensions: tuple[Extension, ...] = ()
    source: str = ""
    """The extensions file, as given, for notes."""


def parse_due(text: str) -> datetime:
    """An ISO 8601 time with a UTC offset; ValueError with a message for the TA otherwise."""
    shown = _quoted(text)
    moment = parse_time(text)
    if moment is None:
        raise ValueError(f"{shown} is not an ISO 8601 time such as 2026-10-05T23:59:00-04:00")
    if not _OFFSET.search(text.strip()):
        raise ValueError(f"{shown} has no UTC offset; write it as e.g. 2026-10-05T23:59:00-04:00 or "
                         "2026-10-06T03:59:00Z (a guessed timezone would shift every late penalty)")
    return moment


def due_dates(due: datetime | None, late_due: datetime | None = None, extensions: Path | None = None, *,
              policy: LatePolicy | None) -> DueDates | None:
    """The regrade's due dates from its options, checked; RegradeError when they cannot be used."""
    if due is None:
        if late_due is not None or extensions is not None:
            given = "--late-due" if late_due is not None else "--extensions"
            raise RegradeError(f"{given} needs --due (the due date of everyone without an extension)")
        return None
    if policy is None:
        raise RegradeError("--due has no effect: the problem set has no late_policy (add one, or drop --due)")
    for name, moment in (("--due", due), ("--late-due", late_due)):
        if moment is not None and moment.utcoffset() is None:
            raise RegradeError(f"{name} {moment.isoformat()} has no UTC offset")
    if late_due is not None and late_due < due:
        raise RegradeError(f"--late-due {late_due.isoformat()} is before --due {due.isoformat()}")
    rows = read_extensions(extensions) if extensions is not None else ()
    return DueDates(due, late_due, rows, str(extensions) if extensions is not None else "")


def read_extensions(path: Path) -> tuple[Extension, ...]:
    """The rows of an extensions CSV; RegradeError with ``file:line`` for anything wrong in it."""
    reader = csv.reader(io.StringIO(_read_text(path), newline=""), strict=True)
    try:
        header = _header(path, next(reader, []))
        rows = [_extension(path, reader.line_num, header, cells) for cells in reader if any(c.strip() for c in cells)]
    except csv.Error as error:
        raise RegradeError(f"{path}:{reader.line_num}: not valid CSV ({error})") from None
    _refuse_repeats(path, rows)
    return tuple(rows)


def _read_text(path: Path) -> str:
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_EXTENSIONS_BYTES + 1)
    except OSError as error:
        raise RegradeError(f"{path} cannot be read ({error.strerror or error})") from None
    if len(data) > MAX_EXTENSIONS_BYTES:
        raise RegradeError(f"{path} is larger than {MAX_EXTENSIONS_BYTES // 1024} KiB; an extensions file has "
                           "one short row per student")
    try:
        return data.decode("utf-8-sig")  # a spreadsheet's "CSV UTF-8" starts with a byte-order mark
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise RegradeError(f"{path}:{line}: not UTF-8 text (save it as CSV UTF-8)") from None


def _header(path: Path, cells: list[str]) -> list[str]:
    """The column names, normalised (``Due Date`` is ``due_date``); an unnamed column, which spreadsheets
    add after the last, is ignored."""
    if not cells:
        raise RegradeError(f"{path}:1: empty; the first line names the columns ({', '.join(COLUMNS)})")
    names = [" ".join(cell.split()).lower().replace(" ", "_").replace("-", "_") for cell in cells]
    unknown = [cell for cell, name in zip(cells, names) if name and name not in COLUMNS]
    if unknown:
        raise RegradeError(f"{path}:1: unknown column {_quoted(unknown[0])}; the columns are "
                           f"{', '.join(COLUMNS)} (email or sid, and due_date and/or late_due_date)")
    repeated = sorted({name for name in names if name and names.count(name) > 1})
    if repeated:
        raise RegradeError(f"{path}:1: column {repeated[0]} appears twice")
    if not set(names) & set(IDENTIFIERS):
        raise RegradeError(f"{path}:1: no email or sid column to say whose extension a row is")
    if "due_date" not in names and "late_due_date" not in names:
        raise RegradeError(f"{path}:1: no due_date or late_due_date column")
    return names


def _extension(path: Path, line: int, header: list[str], cells: list[str]) -> Extension:
    if len(cells) > len(header):
        raise RegradeError(f"{path}:{line}: {len(cells)} cells, but the header names {len(header)} columns")
    row = dict(zip(header, (cell.strip() for cell in cells)))
    email, sid = row.get("email", "").casefold(), row.get("sid", "")
    if not email and not sid:
        raise RegradeError(f"{path}:{line}: no email or sid: whose extension is it?")
    due, late = (_row_time(path, line, name, row.get(name, "")) for name in ("due_date", "late_due_date"))
    if due is None and late is None:
        raise RegradeError(f"{path}:{line}: neither due_date nor late_due_date is given")
    if due is not None and late is not None and late < due:
        raise RegradeError(f"{path}:{line}: late_due_date {_quoted(row['late_due_date'])} is before due_date "
                           f"{_quoted(row['due_date'])}")
    return Extension(line, email, sid, due, late)


def _row_time(path: Path, line: int, column: str, text: str) -> datetime | None:
    if not text:
        return None
    try:
        return parse_due(text)
    except ValueError as error:
        raise RegradeError(f"{path}:{line}: {column} {error}") from None


def _refuse_repeats(path: Path, rows: list[Extension]) -> None:
    first: dict[tuple[str, str], int] = {}
    for row in rows:
        for key in (("email", row.email), ("sid", row.sid)):
            if key[1] and first.setdefault(key, row.line) != row.line:
                raise RegradeError(f"{path}:{row.line}: {key[0]} {_quoted(key[1])} is listed twice "
                                   f"(also on line {first[key]})")


def apply_due_dates(submissions: Sequence[Submission], dates: DueDates | None
                    ) -> tuple[tuple[Submission, ...], tuple[str, ...]]:
    """The submissions with their due dates set from ``dates``, and notes for the TA (extension rows that
    match nobody, submissions without a submission time). Without ``dates`` nothing changes."""
    if dates is None:
        return tuple(submissions), ()
    index = _index(dates.extensions)
    dated = tuple(_dated(submission, dates, index) for submission in submissions)
    return dated, _unmatched_note(submissions, dates, index) + _untimed_note(dated)


_Index = dict[tuple[str, str], Extension]
"""("email", address) and ("sid", sid) → the row for that student (each is listed once)."""


def _index(extensions: Sequence[Extension]) -> _Index:
    index: _Index = {}
    for row in extensions:
        index.update({key: row for key in (("email", row.email), ("sid", row.sid)) if key[1]})
    return index


def _dated(submission: Submission, dates: DueDates, index: _Index) -> Submission:
    metadata = submission.metadata
    if metadata is None:
        return submission
    own = _extensions_of(submission.submitters, index)
    # A due date in the JSON later than the assignment's is a member's extension (see parse_metadata); it stays.
    kept = (metadata.due_date, metadata.late_due_date) if metadata.extended else (None, None)
    due = latest([dates.due_date, kept[0], *(row.due_date for row in own)]) or dates.due_date
    late = latest([dates.late_due_date, kept[1], *(row.late_due_date for row in own)])
    return replace(submission, metadata=replace(metadata, due_date=due, late_due_date=late,
                                                extended=due > dates.due_date))


def _extensions_of(people: Iterable[Submitter], index: _Index) -> list[Extension]:
    keys = {key for person in people
            for key in (("email", person.email.strip().casefold()), ("sid", person.sid.strip()))}
    return list({index[key].line: index[key] for key in keys if key in index}.values())


def _unmatched_note(submissions: Sequence[Submission], dates: DueDates, index: _Index) -> tuple[str, ...]:
    people = [person for submission in submissions for person in submission.submitters]
    matched = {row.line for row in _extensions_of(people, index)}
    unmatched = [row for row in dates.extensions if row.line not in matched]
    if not unmatched:
        return ()
    listed = ", ".join(f"line {row.line} ({code(row.who, 80)})" for row in unmatched[:MAX_LISTED])
    return (f"{len(unmatched)} extension row(s) in {dates.source} match no submitter in the batch (a typo?): "
            f"{listed}{', ...' if len(unmatched) > MAX_LISTED else ''}",)


def _untimed_note(submissions: Sequence[Submission]) -> tuple[str, ...]:
    untimed = [submission.folder for submission in submissions if submission.refused is None
               and (submission.metadata is None or submission.metadata.created_at is None)]
    if not untimed:
        return ()
    return (f"{len(untimed)} submission(s) have no submission time (created_at), so no late penalty applies "
            f"to them: {_listed(untimed)}",)


def unpenalized_note(submissions: Sequence[Submission], policy: LatePolicy | None) -> tuple[str, ...]:
    """A note when the late policy cannot apply because submissions have a time but no due date (an
    export regraded without ``--due``): the scores would otherwise disagree with Gradescope's, silently."""
    if policy is None:
        return ()
    undated = [submission.folder for submission in submissions if submission.refused is None
               and submission.metadata is not None and submission.metadata.created_at is not None
               and submission.metadata.due_date is None]
    if not undated:
        return ()
    return (f"no late penalty was applied to {len(undated)} submission(s) with no due date (a Gradescope export "
            f"carries none): {_listed(undated)}; pass --due (and --late-due, --extensions) to apply the late "
            f"policy ({describe(policy)})",)


def describe(policy: LatePolicy) -> str:
    text = f"{policy.penalty_per_day:.0%} per started day late"
    if policy.grace_minutes:
        text += f" after {policy.grace_minutes:g} min of grace"
    if policy.max_penalty < 1:
        text += f", at most {policy.max_penalty:.0%}"
    if policy.after_late_due_date == "zero":
        text += ", 0 after the late due date"
    return text


def _quoted(text: str) -> str:
    return f"'{snippet(text, 64)}'"


def _listed(folders: list[str]) -> str:
    return ", ".join(folders[:MAX_LISTED]) + (", ..." if len(folders) > MAX_LISTED else "")
