"""Score what the recorder saw: pure functions from (test, decorator values, events) to a ``TestOutcome``.

The score of a test that was not skipped and hit no grader fault:

1. a score reported with ``set_score`` (partial_credit) wins, pass or fail, clamped to [0, weight]; a NaN,
   an infinity or a non-number counts 0, with a note for staff;
2. otherwise 0 if the test's own body failed or raised (outside any subtest);
3. otherwise, with subtests, weight × passed / (passed + failed) subtests: a failing subtest no longer
   removes the test (JSONTestRunner's defect), it costs its share and is listed in the message;
4. otherwise the full weight.

A class or module fixture that failed is charged to every test it covers: a failed ``setUp...`` leaves
them unrun (``failed``, 0, saying why), a failed ``tearDown...`` turns their outcomes into ``failed``, 0.
"""

from __future__ import annotations

import math
import numbers
import unittest
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterable
from unittest.util import strclass

from grader.unittests.metadata import MISSING, TestMeta
from grader.unittests.outcome import LeaderboardEntry, LeaderboardValue, Note, Subtests, TestOutcome
from grader.unittests.recorder import FixtureFailure, Problem, Ran

MAX_SUBTESTS_SHOWN = 10
MESSAGE_LIMIT = 4_000
_NOTES: dict[str, Note] = {"failure": "FAILED", "error": "ERROR", "student_error": "STUDENT_ERROR",
                           "call_failed": "CALL_FAILED"}


def id_of(test: unittest.TestCase) -> str:
    return f"{type(test).__qualname__}.{test._testMethodName}"


def judge(test: unittest.TestCase, meta: TestMeta, ran: Ran) -> TestOutcome:
    base = _base(test, meta, seconds=ran.seconds, output=ran.output)
    if meta.mistakes or ran.faults:
        return _internal(base, meta, ran.faults, ran.problems)
    if ran.skipped is not None:
        return replace(base, status="skipped", note="SKIPPED", message=ran.skipped)
    body = [problem for problem in ran.problems if problem.subtest is None]
    failing = [problem for problem in ran.problems if problem.subtest is not None]
    if ran.unexpected_success:
        body.append(Problem("failure", "This test was expected to fail, but it passed.", ""))
    subtests = Subtests(ran.subtests_passed, len(failing)) if ran.subtests_passed or failing else None
    notes: list[str] = []
    score = _score(meta.weight, ran.score, bool(body), subtests, notes)
    failed = bool(body or failing) or score < meta.weight
    note: Note = (_NOTES[body[0].kind] if body else "SUBTESTS_FAILED" if failing
                  else "PARTIAL" if failed else "PASSED")
    message = _message(body, failing, meta.hide_errors) if body or failing else ""
    leaderboard = _leaderboard_entry(meta, ran.leaderboard_value, notes)
    details = [problem.detail for problem in ran.problems if problem.detail] + notes
    return replace(base, score=score, status="failed" if failed else "passed", note=note, message=message,
                   subtests=subtests, leaderboard=leaderboard, staff_detail="\n".join(details) or None)


def not_run(test: unittest.TestCase, meta: TestMeta, fixture: FixtureFailure | None) -> TestOutcome:
    """A test unittest never started: its class or module set-up failed (or was skipped)."""
    base = _base(test, meta)
    if meta.mistakes or fixture is None or fixture.faults:
        faults = fixture.faults if fixture else ("this test never ran and no fixture failure explains it",)
        return _internal(base, meta, faults, (fixture.problem,) if fixture and fixture.problem else ())
    if fixture.problem is None:
        return replace(base, status="skipped", note="SKIPPED",
                       message=f"{fixture.method} of {_owner(test, fixture)} skipped: {fixture.skip_reason}")
    text = f"{fixture.method} of {_owner(test, fixture)} failed, so this test did not run: {fixture.problem.text}"
    return replace(base, status="failed", note="FIXTURE_FAILED", message=_hidden(text, meta.hide_errors),
                   staff_detail=fixture.problem.detail)


def after_teardown(outcome: TestOutcome, test: unittest.TestCase, meta: TestMeta,
                   fixture: FixtureFailure) -> TestOutcome:
    """A test whose class or module tear-down failed after it ran: failed, score 0."""
    if outcome.status in ("skipped", "internal_error") or fixture.problem is None:
        return outcome
    if fixture.faults:
        return _internal(outcome, meta, fixture.faults, (fixture.problem,))
    text = f"{fixture.method} of {_owner(test, fixture)} failed after this test ran: {fixture.problem.text}"
    message = "\n".join(filter(None, [outcome.message, _hidden(text, meta.hide_errors)]))
    detail = "\n".join(filter(None, [outcome.staff_detail, fixture.problem.detail]))
    return replace(outcome, score=0.0, status="failed", note="FIXTURE_FAILED", message=_cap(message),
                   staff_detail=detail)


def fixtures_of(test: unittest.TestCase, fixtures: Iterable[FixtureFailure], *, setup: bool) -> list[FixtureFailure]:
    """The class and module fixture failures (set-up or tear-down) that cover ``test``."""
    module, klass = type(test).__module__, strclass(type(test))
    return [fixture for fixture in fixtures if fixture.setup == setup
            and fixture.parent == (module if fixture.module_level else klass)]


def file_error(path: Path, detail: str, seconds: float) -> TestOutcome:
    """The whole file could not run (it does not import, defines no test...): the instructor's to fix."""
    return TestOutcome(test_id="<file>", name=f"Tests in {path.name}", number=None, weight=0.0, score=0.0,
                       status="internal_error", note="INTERNAL_ERROR", seconds=seconds, staff_detail=detail)


def _base(test: unittest.TestCase, meta: TestMeta, *, seconds: float = 0.0, output: str = "") -> TestOutcome:
    description = test.shortDescription() or f"{test._testMethodName} ({type(test).__qualname__})"
    return TestOutcome(test_id=id_of(test), name=description, number=meta.number, weight=meta.weight,
                       score=0.0, status="failed", note="FAILED", output=output, visibility=meta.visibility,
                       tags=meta.tags, seconds=seconds)


def _internal(base: TestOutcome, meta: TestMeta, faults: Iterable[str], problems: Iterable[Problem]) -> TestOutcome:
    detail = [*(f"invalid decorator value: {mistake}" for mistake in meta.mistakes), *faults,
              *(problem.detail for problem in problems)]
    return replace(base, score=0.0, status="internal_error", note="INTERNAL_ERROR", message="",
                   subtests=None, staff_detail="\n".join(detail))


def _score(weight: float, reported: Any, body_failed: bool, subtests: Subtests | None, notes: list[str]) -> float:
    if reported is not MISSING:
        if not isinstance(reported, numbers.Real) or isinstance(reported, bool) or not math.isfinite(reported):
            notes.append(f"set_score({reported!r}) is not a finite number; scored 0")
            return 0.0
        value = float(reported)
        if not 0 <= value <= weight:
            notes.append(f"set_score({value:g}) is outside [0, {weight:g}]; clamped")
        return min(max(value, 0.0), weight)
    if body_failed:
        return 0.0
    if subtests is not None:
        return weight * subtests.passed / subtests.total
    return weight


def _message(body: list[Problem], failing: list[Problem], hide_errors: str | None) -> str:
    if hide_errors is not None:
        return hide_errors
    lines = [problem.text for problem in body]
    lines += [f"subtest {problem.subtest}: {problem.text}" for problem in failing[:MAX_SUBTESTS_SHOWN]]
    if len(failing) > MAX_SUBTESTS_SHOWN:
        lines.append(f"… and {len(failing) - MAX_SUBTESTS_SHOWN} more failing subtests")
    return _cap("\n".join(lines))


def _hidden(text: str, hide_errors: str | None) -> str:
    return hide_errors if hide_errors is not None else _cap(text)


def _cap(text: str) -> str:
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 1] + "…"


def _owner(test: unittest.TestCase, fixture: FixtureFailure) -> str:
    return "the test module" if fixture.module_level else type(test).__qualname__


def _leaderboard_entry(meta: TestMeta, value: Any, notes: list[str]) -> LeaderboardEntry | None:
    if meta.leaderboard is None:
        return None
    usable: LeaderboardValue = None
    if type(value) in (int, str) or (type(value) is float and math.isfinite(value)):
        usable = value
    elif value is not MISSING:
        notes.append(f"leaderboard value {value!r} is not a finite number or a string; left out")
    return LeaderboardEntry(meta.leaderboard.column, usable, meta.leaderboard.order)
