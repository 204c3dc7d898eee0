"""Judge the sandbox's replies against the plan, in the trusted parent: one verdict per case, one per
property, and the named mistake that explains the failing cases, if one does.

Only plain values from the report are looked at; expected values and mistake values are computed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from grader.code.compare import Mismatch, compare
from grader.code.plan import CallPlan, PlannedCase, PlannedMistake, PlannedProperty
from grader.code.properties import PROPERTIES
from grader.code.spec import CompareSpec
from grader.sandbox.outcome import CaseOutcome, NotRun, Raised, Returned, Unreadable
from grader.solvers import SOLVERS


@dataclass(frozen=True)
class CaseVerdict:
    """A case passes when its call returned a value that matches the reference (``mismatch`` is None)."""

    case: PlannedCase
    outcome: CaseOutcome
    mismatch: Mismatch | None = None

    @property
    def passed(self) -> bool:
        return isinstance(self.outcome, Returned) and self.mismatch is None


@dataclass(frozen=True)
class PropertyVerdict:
    """A property passes when it holds on every case it was checked on; otherwise the first failure:
    the case, and either the property's own message or the call outcome that kept it from being checked."""

    name: str
    description: str
    case: int | None = None
    message: str | None = None
    outcome: CaseOutcome | None = None

    @property
    def passed(self) -> bool:
        return self.case is None


def judge_cases(plan: CallPlan, outcomes: Sequence[CaseOutcome], spec: CompareSpec) -> tuple[CaseVerdict, ...]:
    """One verdict per case when the part has a reference; none for a part judged by properties alone."""
    if not plan.reference:
        return ()
    return tuple(_judge_case(case, outcomes[case.call], spec) for case in plan.cases)


def _judge_case(case: PlannedCase, outcome: CaseOutcome, spec: CompareSpec) -> CaseVerdict:
    if isinstance(outcome, Returned):
        return CaseVerdict(case, outcome, compare(outcome.value, case.expected, spec))
    return CaseVerdict(case, outcome)


def judge_properties(plan: CallPlan, outcomes: Sequence[CaseOutcome],
                     spec: CompareSpec) -> tuple[PropertyVerdict, ...]:
    return tuple(_judge_property(prop, plan, outcomes, spec) for prop in plan.properties)


def _judge_property(planned: PlannedProperty, plan: CallPlan, outcomes: Sequence[CaseOutcome],
                    spec: CompareSpec) -> PropertyVerdict:
    prop = PROPERTIES[planned.name]
    for check in planned.checks:
        case = plan.cases[check.case]
        replies = [outcomes[case.call], *(outcomes[index] for index in check.calls)]
        blocked = next((reply for reply in replies if not isinstance(reply, Returned)), None)
        if blocked is not None:
            return PropertyVerdict(prop.name, prop.description, case.index, outcome=blocked)
        values = [reply.value for reply in replies if isinstance(reply, Returned)]
        message = prop.check(case.args, values[0], values[1:], spec)
        if message is not None:
            return PropertyVerdict(prop.name, prop.description, case.index, message=message)
    return PropertyVerdict(prop.name, prop.description)


def matching_mistake(plan: CallPlan, failing: Sequence[CaseVerdict], spec: CompareSpec) -> Any | None:
    """The first mistake whose value equals what the student returned on every failing case.

    Only when every failing case returned a value (a crash or a timeout is no mistake of arithmetic).
    A mistake whose solver rejects one of the cases does not match.
    """
    if not failing or not all(isinstance(verdict.outcome, Returned) for verdict in failing):
        return None
    for planned in plan.mistakes:
        if all(_reproduces(planned, verdict, spec) for verdict in failing):
            return planned.mistake
    return None


def _reproduces(planned: PlannedMistake, verdict: CaseVerdict, spec: CompareSpec) -> bool:
    try:
        value = SOLVERS[planned.solver](**planned.case_args(verdict.case.args))
    except Exception:  # noqa: BLE001 - the mistake does not apply to this case
        return False
    assert isinstance(verdict.outcome, Returned)
    return compare(verdict.outcome.value, value, spec) is None


def first_failure(verdicts: Sequence[CaseVerdict]) -> CaseVerdict | None:
    """The first failing case that ran (a case not run is explained by the batch's failure instead)."""
    return next((v for v in verdicts if not v.passed and not isinstance(v.outcome, NotRun)), None)


def outcome_kind(outcome: CaseOutcome | None) -> str:
    """``returned``, ``raised``, ``unreadable`` or ``not_run``."""
    if isinstance(outcome, Raised):
        return "raised"
    if isinstance(outcome, Unreadable):
        return "unreadable"
    if isinstance(outcome, NotRun):
        return "not_run"
    return "returned"
