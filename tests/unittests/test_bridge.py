"""The sandbox callback: a one-call report becomes a value, a StudentError or a StudentCallFailed; the
sandbox's own failure is the grader's fault."""

from __future__ import annotations

import pytest

from grader.sandbox import CallReport, Failure, NotRun, Raised, Returned, Unreadable
from grader.unittests import StudentCallFailed, StudentError
from grader.unittests.bridge import value_of


def test_a_returned_value_comes_back_as_is() -> None:
    assert value_of(CallReport(outcomes=(Returned([1, (2, 3)]),))) == [1, (2, 3)]


def test_a_raised_exception_becomes_a_student_error() -> None:
    with pytest.raises(StudentError) as error:
        value_of(CallReport(outcomes=(Raised("ValueError", "k must be odd", "cnn.py, line 4"),)))
    assert (error.value.type_name, error.value.message, error.value.where) == ("ValueError", "k must be odd",
                                                                             "cnn.py, line 4")


@pytest.mark.parametrize("report, message", [
    (CallReport(outcomes=(Unreadable("an object of class Liar"),)),
     "Your function returned a value the grader cannot read: an object of class Liar"),
    (CallReport(outcomes=(NotRun("not run"),), failure=Failure("TIMEOUT", "Your code did not finish within 5.0 s.")),
     "Your code did not finish within 5.0 s."),
    (CallReport(outcomes=(NotRun("not run"),), failure=Failure("NO_FUNCTION", "`cnn.py` has no function `f`.")),
     "`cnn.py` has no function `f`."),
    (CallReport(outcomes=()), "Your function did not run."),
])
def test_a_call_that_did_not_complete_fails_with_the_sandboxs_message(report: CallReport, message: str) -> None:
    with pytest.raises(StudentCallFailed) as error:
        value_of(report)
    assert str(error.value) == message


def test_a_sandbox_that_could_not_start_is_the_graders_fault() -> None:
    report = CallReport(outcomes=(NotRun("not run"),),
                        failure=Failure("SANDBOX_ERROR", "The grader could not start your code.", "Traceback: boom"))
    with pytest.raises(RuntimeError, match="Traceback: boom"):
        value_of(report)
