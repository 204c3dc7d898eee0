"""Turn the sandbox's report on a code part's calls into the part's result: status, points, note, feedback.

Three outcomes stay apart (as check50 keeps them): the code could not be loaded (no file, no function, an
import error: the student's to fix); it ran and some checks failed (per case, and why the batch stopped if
it did); the sandbox itself broke (``SANDBOX_ERROR``), which is the grader's fault: an internal error with
the details for staff and an apology, never a zero blamed on the student.

Checks: one per case when the part has a reference solver, plus one per property. ``per_case`` credit is the
fraction of checks passed; ``all_or_nothing`` needs all. A named mistake that reproduces every failing case
gives its feedback, its note and at least its credit.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from grader.code.feedback import case_failure, paragraphs, property_failures, stopped_early, summary
from grader.code.judge import (CaseVerdict, PropertyVerdict, first_failure, judge_cases, judge_properties,
                               matching_mistake, outcome_kind)
from grader.code.plan import CallPlan
from grader.results.model import PartResult
from grader.sandbox.outcome import CallReport, Failure

NOT_LOADED = {"NO_FILE": "missing", "NO_FUNCTION": "missing", "IMPORT_ERROR": "wrong"}
"""Failures before any call ran, with the status they give: nothing of the part could be checked."""

APOLOGY = ("The grader could not run your code for this part. This is the grader's fault, not yours: "
           "staff have the details and will regrade it.")

_FIRST_FAILURE_NOTES = {"raised": "EXCEPTION", "unreadable": "UNREADABLE"}


def grade_code_part(base: PartResult, part: Any, plan: CallPlan, report: CallReport) -> PartResult:
    """The result of a code part (``part``: a ``CodePart``) from its plan and the sandbox's report."""
    failure = report.failure
    if failure is not None and failure.code == "SANDBOX_ERROR":
        return internal_error(base, failure.staff_detail or failure.message)
    if len(report.outcomes) != len(plan.calls):
        return internal_error(base, f"the sandbox answered {len(report.outcomes)} of {len(plan.calls)} calls")
    if failure is not None and failure.code in NOT_LOADED:
        return replace(base, status=NOT_LOADED[failure.code], note=failure.code, earned=0.0, hint=part.hint,
                       feedback=f"{failure.message} None of this part's {len(plan.cases)} cases could run.")
    spec = part.code
    cases = judge_cases(plan, report.outcomes, spec.compare)
    properties = judge_properties(plan, report.outcomes, spec.compare)
    return _scored(base, part, plan, cases, properties, failure)


def internal_error(base: PartResult, detail: str) -> PartResult:
    return replace(base, status="internal_error", note="INTERNAL_ERROR", earned=0.0, feedback=APOLOGY,
                   staff_detail=detail)


def _scored(base: PartResult, part: Any, plan: CallPlan, cases: tuple[CaseVerdict, ...],
            properties: tuple[PropertyVerdict, ...], failure: Failure | None) -> PartResult:
    spec = part.code
    checks = len(cases) + len(properties)
    if checks == 0:
        return internal_error(base, "a code part with no checks (no reference and no properties)")
    passed = sum(v.passed for v in cases) + sum(v.passed for v in properties)
    failing = [v for v in cases if not v.passed]
    mistake = matching_mistake(plan, failing, spec.compare)
    score = passed / checks if spec.credit == "per_case" else float(passed == checks)
    if mistake is not None:
        score = max(score, mistake.credit)
    earned = round(part.points * min(max(score, 0.0), 1.0), 2)
    correct = passed == checks
    status = "correct" if correct else ("partial" if earned > 0 else "wrong")
    return replace(base, status=status, earned=earned, hint=None if correct else part.hint,
                   note=_note(correct, earned, failure, mistake, failing, properties),
                   feedback=_feedback(part, plan, cases, properties, failure, mistake))


def _note(correct: bool, earned: float, failure: Failure | None, mistake: Any, failing: list[CaseVerdict],
          properties: tuple[PropertyVerdict, ...]) -> str:
    if correct:
        return "CORRECT"
    if failure is not None:
        return failure.code
    if mistake is not None:
        return mistake.name
    first = first_failure(failing)
    outcome = first.outcome if first is not None else next((v.outcome for v in properties if not v.passed), None)
    return _FIRST_FAILURE_NOTES.get(outcome_kind(outcome), "PARTIAL" if earned > 0 else "WRONG")


def _feedback(part: Any, plan: CallPlan, cases: tuple[CaseVerdict, ...], properties: tuple[PropertyVerdict, ...],
              failure: Failure | None, mistake: Any) -> str:
    spec = part.code
    hidden = spec.hide_inputs
    first = first_failure(cases)
    return paragraphs(
        summary(cases, properties),
        stopped_early(failure) if failure is not None else "",
        case_failure(first, plan, spec.function, hidden=hidden) if first is not None else "",
        property_failures(properties, len(plan.cases), hidden=hidden),
        mistake.feedback if mistake is not None else "",
    )
