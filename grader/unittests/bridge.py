"""The real ``call`` callback: one call to the student's function through a ``SandboxSession``.

``value_of`` turns the sandbox's report of a one-call batch into what the proxy expects: the rebuilt
plain value, ``StudentError`` (the function raised), ``StudentCallFailed`` (timeout, crash, no file or
function, a value that cannot cross). A sandbox that could not start is the grader's fault, not the
student's: it raises ``RuntimeError``, which the proxy records as a fault (the test becomes an internal
error with the details for staff).
"""

from __future__ import annotations

from typing import Any

from grader.sandbox import CallReport, Raised, Returned, SandboxSession, Unreadable
from grader.unittests.errors import StudentCallFailed, StudentError
from grader.unittests.proxy import Call


def sandbox_call(session: SandboxSession, *, timeout: float) -> Call:
    """A callback running each call in ``session``'s child, bounded by ``timeout`` seconds of wall time."""

    def call(file: str, function: str, args: tuple, kwargs: dict) -> Any:
        return value_of(session.call(file, function, [(args, kwargs)], timeout=timeout))

    return call


def value_of(report: CallReport) -> Any:
    outcome = report.outcomes[0] if report.outcomes else None
    if isinstance(outcome, Returned):
        return outcome.value
    if isinstance(outcome, Raised):
        raise StudentError(outcome.type_name, outcome.message, outcome.where)
    if isinstance(outcome, Unreadable):
        raise StudentCallFailed(f"Your function returned a value the grader cannot read: {outcome.reason}")
    failure = report.failure
    if failure is not None and failure.code == "SANDBOX_ERROR":
        raise RuntimeError(failure.staff_detail or failure.message)
    raise StudentCallFailed(failure.message if failure else "Your function did not run.")
