"""Unittest outcomes as the grader's ``PartResult``s (then rendered to results.json like any other part),
and their leaderboard entries.

Mapping, decided to keep results.json valid and to match what instructors expect from Gradescope:

- ``points`` is the test's weight; a test without ``@weight`` is worth 0 points (Gradescope shows a
  score-less test as passed/failed only; a 0-point test renders the same and keeps our schema simple);
- a skipped test is worth 0 points and shown as passed with "Skipped": it leaves the total unchanged;
- status: full marks ``correct``, some credit ``partial``, none ``wrong``; a grader or test-file fault
  ``internal_error`` (the student sees an apology, staff the traceback in ``staff_detail``);
- leaderboard tests are not parts (as in gradescope-utils) unless they hit an internal error;
- a test without ``@number`` gets ``number_prefix`` + its position among the parts.

Feedback text that came from code (assertion messages, the student's exception, prints) goes into a
fenced block with backticks and control characters removed, so it cannot break out into Markdown.
"""

from __future__ import annotations

import re
from typing import Iterable

from grader.results.model import PartResult, Status
from grader.text import valid_unicode
from grader.unittests.outcome import LeaderboardEntry, TestOutcome

_CONTROL = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
BLOCK_LIMIT = 4_000


def to_part_results(outcomes: Iterable[TestOutcome], *, key_prefix: str = "unittests",
                    number_prefix: str = "") -> tuple[PartResult, ...]:
    shown = [outcome for outcome in outcomes if outcome.leaderboard is None or outcome.status == "internal_error"]
    return tuple(_part(outcome, key_prefix, outcome.number or f"{number_prefix}{position}")
                 for position, outcome in enumerate(shown, 1))


def leaderboard_entries(outcomes: Iterable[TestOutcome]) -> tuple[LeaderboardEntry, ...]:
    """The leaderboard columns that received a usable value."""
    return tuple(outcome.leaderboard for outcome in outcomes
                 if outcome.leaderboard is not None and outcome.leaderboard.value is not None
                 and outcome.status != "internal_error")


def _part(outcome: TestOutcome, key_prefix: str, number: str) -> PartResult:
    skipped = outcome.status == "skipped"
    return PartResult(
        key=f"{key_prefix}.{outcome.test_id}",
        number=number,
        title=outcome.name + (" (skipped)" if skipped else ""),
        points=0.0 if skipped else outcome.weight,
        earned=0.0 if skipped else outcome.score,
        status=_status(outcome),
        note=outcome.note,
        feedback=feedback(outcome),
        visibility=outcome.visibility,
        tags=outcome.tags,
        staff_detail=outcome.staff_detail,
    )


def _status(outcome: TestOutcome) -> Status:
    if outcome.status == "internal_error":
        return "internal_error"
    if outcome.status == "skipped" or (outcome.status == "passed" and outcome.score >= outcome.weight):
        return "correct"
    return "partial" if outcome.score > 0 else "wrong"


def feedback(outcome: TestOutcome) -> str:
    """The Markdown the student reads for this test (the renderer adds the mark and the score line)."""
    if outcome.status == "internal_error":
        return ""
    blocks = [_headline(outcome)]
    if outcome.message:
        blocks.append(fenced(outcome.message))
    if outcome.output:
        blocks += ["Printed by the test:", fenced(outcome.output)]
    return "\n\n".join(blocks)


def _headline(outcome: TestOutcome) -> str:
    if outcome.status == "skipped":
        return "Skipped: this test does not count towards your score."
    if outcome.status == "passed":
        return "Passed."
    if outcome.subtests is not None and outcome.subtests.failed:
        return f"Failed: {outcome.subtests.passed} of {outcome.subtests.total} subtests passed."
    return "Partly passed." if outcome.score > 0 else "Failed."


def fenced(text: str) -> str:
    clean = _CONTROL.sub("", valid_unicode(text)).replace("`", "'")
    if len(clean) > BLOCK_LIMIT:
        clean = clean[: BLOCK_LIMIT - 1] + "…"
    return f"```text\n{clean}\n```"
