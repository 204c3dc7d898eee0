"""The late penalty: a problem set's ``late_policy`` applied from the submission's ``created_at`` and the
(extended) due dates in its metadata, never from the clock, so a regrade gives the same answer."""

from __future__ import annotations

import math
from datetime import timedelta

from grader.problems.model import LatePolicy
from grader.results.model import Late
from grader.submission.metadata import SubmissionMetadata

DAY = timedelta(days=1)


def late_penalty(policy: LatePolicy | None, metadata: SubmissionMetadata | None) -> Late | None:
    """None when there is no policy, no usable metadata, or the submission is on time."""
    if policy is None or metadata is None or metadata.created_at is None or metadata.due_date is None:
        return None
    overdue = metadata.created_at - metadata.due_date - timedelta(minutes=policy.grace_minutes)
    if overdue <= timedelta(0):
        return None
    days = math.ceil(overdue / DAY)
    when = f"submitted {_duration(metadata.created_at - metadata.due_date)} after the due date"
    if metadata.extended:
        when += " (your extension included)"
    past_late = metadata.late_due_date is not None and metadata.created_at > metadata.late_due_date
    if past_late and policy.after_late_due_date == "zero":
        return Late(days, 1.0, f"Late: {when}, after the late due date, so this submission scores 0.")
    fraction = min(policy.max_penalty, round(days * policy.penalty_per_day, 6))
    return Late(days, fraction, f"Late: {when}; {days} day{'s' if days != 1 else ''} × "
                f"{policy.penalty_per_day:.0%} = {fraction:.0%} of the score is deducted"
                + (f" (at most {policy.max_penalty:.0%})" if fraction == policy.max_penalty < days * policy.penalty_per_day else "")
                + ".")


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [f"{days} d"] if days else []
    parts += [f"{hours} h"] if hours or days else []
    parts.append(f"{minutes} min")
    return " ".join(parts)
