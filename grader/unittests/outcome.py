"""The outcome of one instructor-written unittest, as an immutable value (rendering is elsewhere).

Vocabulary, chosen to match what instructors expect from Gradescope while keeping results.json valid:

- ``passed`` / ``failed`` as Gradescope counts them: a test is ``failed`` when it raised, a subtest
  failed, or its score is below its weight (a ``partial_credit`` score short of full marks).
- ``skipped``: listed (gradescope-utils drops it silently) with score 0, and rendered with max score 0 so
  that it leaves the total unchanged: a test skipped by ``skipIf``/``skipUnless`` says nothing about the
  student's work.
- ``internal_error``: the grader or the test file is at fault (the file does not import, a decorator
  value is invalid, a non-plain argument was passed to student code); score 0, the traceback for staff.

``message`` is what the student may read: assertion messages, the student's own exception line, never a
traceback, a grader path or a frame of the runner. It already honours ``hide_errors``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Union

from grader.results.model import Visibility
from grader.unittests.metadata import Order

OutcomeStatus = Literal["passed", "failed", "skipped", "internal_error"]
Note = Literal["PASSED", "PARTIAL", "FAILED", "ERROR", "STUDENT_ERROR", "CALL_FAILED", "SUBTESTS_FAILED",
               "FIXTURE_FAILED", "SKIPPED", "INTERNAL_ERROR"]
"""Why, in one word: the first problem's kind (``FAILED``: an assertion; ``ERROR``: another exception in
the test's code; ``STUDENT_ERROR``: the student's function raised; ``CALL_FAILED``: the call did not
complete), ``SUBTESTS_FAILED``, ``FIXTURE_FAILED`` (setUpClass/Module or tearDownClass/Module), ``PARTIAL``
(a partial_credit score below the weight with no failure)."""

LeaderboardValue = Union[int, float, str, None]


@dataclass(frozen=True)
class Subtests:
    passed: int
    failed: int

    @property
    def total(self) -> int:
        return self.passed + self.failed


@dataclass(frozen=True)
class LeaderboardEntry:
    """One leaderboard column; ``value`` is None when the test reported no usable value."""

    name: str
    value: LeaderboardValue
    order: Order


@dataclass(frozen=True)
class TestOutcome:
    __test__ = False  # not a pytest test class

    test_id: str
    """``Class.method``, unique within the file."""
    name: str
    """The docstring's first line, else ``method (Class)``."""
    number: str | None
    weight: float
    score: float
    status: OutcomeStatus
    note: Note
    message: str = ""
    output: str = ""
    """What the test printed (capped)."""
    visibility: Visibility = "visible"
    tags: tuple[str, ...] = ()
    seconds: float = 0.0
    subtests: Subtests | None = None
    leaderboard: LeaderboardEntry | None = None
    staff_detail: str | None = None
