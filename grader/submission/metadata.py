"""Gradescope's ``submission_metadata.json``, read leniently: it changes between releases, fields may be
missing or null, and a regrade must give the same answer as the first run, so only the submission's own
``created_at`` is used for anything time-dependent, never the clock.

Extensions are per student (``users[].assignment.due_date``); a group submission gets the latest due
date any of its members has, the reading most favourable to the group.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

MAX_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Submitter:
    name: str = ""
    email: str = ""
    sid: str = ""


@dataclass(frozen=True)
class SubmissionMetadata:
    created_at: datetime | None = None
    due_date: datetime | None = None
    late_due_date: datetime | None = None
    users: tuple[Submitter, ...] = ()
    extended: bool = False
    """Whether a member's extension moved the due date."""


def read_metadata(path: Path) -> SubmissionMetadata | None:
    """The metadata beside a submission, or None when there is none or it cannot be read (never raises)."""
    try:
        if not path.is_file() or path.stat().st_size > MAX_BYTES:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    return parse_metadata(data)


def parse_metadata(data: Any) -> SubmissionMetadata:
    data = data if isinstance(data, dict) else {}
    assignment = _mapping(data.get("assignment"))
    users = [_mapping(user) for user in data.get("users", []) if isinstance(user, dict)] \
        if isinstance(data.get("users"), list) else []
    due, late_due = parse_time(assignment.get("due_date")), parse_time(assignment.get("late_due_date"))
    own_due = [parse_time(_mapping(user.get("assignment")).get("due_date")) for user in users]
    own_late = [parse_time(_mapping(user.get("assignment")).get("late_due_date")) for user in users]
    best_due = latest([due, *own_due])
    best_late = latest([late_due, *own_late])
    return SubmissionMetadata(
        created_at=parse_time(data.get("created_at")),
        due_date=best_due,
        late_due_date=best_late,
        users=tuple(Submitter(_text(user.get("name")), _text(user.get("email")), _text(user.get("sid")))
                    for user in users),
        extended=best_due is not None and due is not None and best_due > due,
    )


_FRACTION = re.compile(r"(\.\d+)")


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 time as an aware datetime (UTC when no offset is given); None when unreadable."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    text = value.strip().replace("Z", "+00:00").replace(" ", "T", 1)
    text = _FRACTION.sub(lambda match: (match.group(1) + "000000")[:7], text, count=1)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def latest(times: list[datetime | None]) -> datetime | None:
    """The latest of the known times (None when none is known): a group's due date is its members' latest."""
    known = [moment for moment in times if moment is not None]
    return max(known) if known else None


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str:
    return str(value)[:200] if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
