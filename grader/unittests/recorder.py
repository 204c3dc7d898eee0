"""A ``unittest.TestResult`` that records everything JSONTestRunner drops, for ``judge`` to score.

Each test's events (failures, errors, every subtest, a skip, the reported score) are gathered while it
runs and frozen into a ``Ran`` when it stops. Errors unittest reports against a class or module fixture
(``setUpClass (mod.Class)``, ``tearDownModule (mod)``...) arrive on a placeholder instead of a test; they
are kept as ``FixtureFailure``s and later charged to every test of that class or module, so one broken
``setUpClass`` never loses the whole report. Exceptions are classified and described here, while they
are at hand, and only text is kept: the student-facing line and a traceback for staff.
"""

from __future__ import annotations

import io
import re
import time
import traceback
import unittest
from dataclasses import dataclass, field
from typing import Any, Literal

from grader.unittests.errors import StudentCallFailed, StudentError
from grader.unittests.metadata import clear_reported, take_reported
from grader.unittests.proxy import StudentModules

Kind = Literal["failure", "error", "student_error", "call_failed"]
ExcInfo = tuple[type[BaseException], BaseException, Any]

DETAIL_LIMIT = 20_000
_FIXTURE = re.compile(r"^(setUpClass|tearDownClass|setUpModule|tearDownModule) \((.+)\)$")
_PATH = re.compile(r"(?<![\w.])(?:[A-Za-z]:)?(?:[/\\][^\s/\\'\"():,;]+){2,}")


@dataclass(frozen=True)
class Problem:
    """One failure or error. ``text`` is for the student; ``detail`` (a traceback) for staff only.
    ``subtest`` describes the failing subtest (``(n=3)``), None for the test's own body."""

    kind: Kind
    text: str
    detail: str
    subtest: str | None = None


@dataclass(frozen=True)
class Ran:
    """What happened while one test ran."""

    problems: tuple[Problem, ...]
    subtests_passed: int
    skipped: str | None
    unexpected_success: bool
    score: Any
    leaderboard_value: Any
    faults: tuple[str, ...]
    output: str
    seconds: float


@dataclass(frozen=True)
class FixtureFailure:
    """``method`` (setUpClass, ...) of ``parent`` (``module.Class`` or ``module``) raised or skipped."""

    method: str
    parent: str
    problem: Problem | None = None
    skip_reason: str | None = None
    faults: tuple[str, ...] = ()

    @property
    def module_level(self) -> bool:
        return self.method.endswith("Module")

    @property
    def setup(self) -> bool:
        return self.method.startswith("setUp")


@dataclass
class _Running:
    """The mutable builder for the test now running (frozen into ``Ran`` by ``stopTest``)."""

    test: unittest.TestCase
    started: float
    problems: list[Problem] = field(default_factory=list)
    subtests_passed: int = 0
    skipped: str | None = None
    unexpected_success: bool = False


class Sink(io.TextIOBase):
    """Where the test's prints go: kept up to ``limit`` characters per ``take``, the rest counted."""

    def __init__(self, limit: int):
        super().__init__()
        self.limit = limit
        self._parts: list[str] = []
        self._size = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        room = self.limit - self._size
        if room > 0:
            self._parts.append(text[:room])
        self._size += len(text)
        return len(text)

    def take(self) -> str:
        text = "".join(self._parts)
        if self._size > self.limit:
            text += f"\n… ({self._size - self.limit} more characters not shown)"
        self._parts, self._size = [], 0
        return text


class Recorder(unittest.TestResult):
    """Collects ``Ran`` per test (keyed by the test object's id) and the fixture failures; it opens a new
    time-budget window of ``students`` for each test and after each fixture failure."""

    def __init__(self, students: StudentModules, sink: Sink):
        super().__init__()
        self.students = students
        self.sink = sink
        self.ran: dict[int, Ran] = {}
        self.fixtures: list[FixtureFailure] = []
        self._running: _Running | None = None

    def startTest(self, test: unittest.TestCase) -> None:
        super().startTest(test)
        clear_reported(test)
        self.students.new_window()
        self.sink.take()
        self._running = _Running(test, time.perf_counter())

    def stopTest(self, test: unittest.TestCase) -> None:
        running, self._running = self._running, None
        if running is not None and running.test is test:
            score, value = take_reported(test)
            self.ran[id(test)] = Ran(
                problems=tuple(running.problems), subtests_passed=running.subtests_passed,
                skipped=running.skipped, unexpected_success=running.unexpected_success, score=score, leaderboard_value=value,
                faults=self.students.faults(), output=self.sink.take(),
                seconds=time.perf_counter() - running.started)
        self.students.new_window()
        super().stopTest(test)

    def addError(self, test: Any, err: ExcInfo) -> None:
        self._problem(test, err)

    def addFailure(self, test: Any, err: ExcInfo) -> None:
        self._problem(test, err)

    def addSubTest(self, test: Any, subtest: Any, err: ExcInfo | None) -> None:
        if self._running is None:
            return
        if err is None:
            self._running.subtests_passed += 1
        else:
            self._running.problems.append(_classify(err, subtest=_subtest_label(subtest)))

    def addSkip(self, test: Any, reason: str) -> None:
        if not isinstance(test, unittest.TestCase):
            self._fixture(test, skip_reason=reason)
        elif self._running is not None and test is self._running.test:
            self._running.skipped = reason
        # a skipped subtest counts neither way

    def addExpectedFailure(self, test: Any, err: ExcInfo) -> None:
        """An expected failure passes: nothing to record."""

    def addUnexpectedSuccess(self, test: Any) -> None:
        if self._running is not None:
            self._running.unexpected_success = True

    def _problem(self, test: Any, err: ExcInfo) -> None:
        if not isinstance(test, unittest.TestCase):
            self._fixture(test, problem=_classify(err))
        elif self._running is not None:
            self._running.problems.append(_classify(err))

    def _fixture(self, holder: Any, *, problem: Problem | None = None, skip_reason: str | None = None) -> None:
        match = _FIXTURE.match(str(getattr(holder, "description", "")))
        if match is None:  # a fixture unittest does not name (e.g. a class cleanup in a future Python)
            method, parent = "a test fixture", str(holder)
        else:
            method, parent = match.groups()
        self.fixtures.append(FixtureFailure(method, parent, problem, skip_reason, self.students.faults()))
        self.students.new_window()


def _classify(err: ExcInfo, *, subtest: str | None = None) -> Problem:
    error = err[1]
    detail = "".join(traceback.format_exception(*err))[-DETAIL_LIMIT:]
    if isinstance(error, StudentError):
        return Problem("student_error", student_text(str(error)), detail, subtest)
    if isinstance(error, StudentCallFailed):
        return Problem("call_failed", student_text(str(error)), detail, subtest)
    if isinstance(error, AssertionError):
        return Problem("failure", student_text(str(error)) or "The assertion failed.", detail, subtest)
    return Problem("error", student_text(f"{type(error).__name__}: {error}"), detail, subtest)


def student_text(text: str) -> str:
    """Text safe to show: any absolute path (of the grader, or of the sandbox's private folder) is cut
    to its last component."""
    return _PATH.sub(lambda match: re.split(r"[/\\]", match.group(0))[-1], text)


def _subtest_label(subtest: Any) -> str:
    describe = getattr(subtest, "_subDescription", None)
    return describe() if callable(describe) else str(subtest)
