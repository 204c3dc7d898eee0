"""A stand-in for the problem model's ``CodePart`` (same fields), and builders for hand-made reports, so the
code package is tested on its own, whatever the loader does."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from grader.code.spec import CodeSpec
from grader.problems.model import Expected, Mistake
from grader.results.model import PartResult
from grader.sandbox.outcome import CallReport, CaseOutcome, Failure, NotRun


class CodePart(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = "part"
    title: str | None = None
    prompt: str = "Write the function."
    points: float = 2.0
    extra_credit: bool = False
    code: CodeSpec
    expected: Expected | None = None
    visibility: str = "visible"
    hint: str | None = None
    mistakes: tuple[Mistake, ...] = ()
    tags: tuple[str, ...] = ()


def code_part(code: dict[str, Any], expected: dict[str, Any] | None = None, **fields: Any) -> CodePart:
    data: dict[str, Any] = {"code": {"file": "cnn.py", **code}, **fields}
    if expected is not None:
        data["expected"] = expected
    return CodePart.model_validate(data)


def base_result(points: float = 2.0) -> PartResult:
    return PartResult(key="p.part", number="1.1", title="P: part", points=points, earned=0.0, status="wrong",
                      note="")


def report(outcomes: list[CaseOutcome], total: int | None = None, failure: Failure | None = None) -> CallReport:
    """Outcomes in call order; ``total`` pads with ``NotRun`` (a batch that stopped early)."""
    padded = list(outcomes) + [NotRun("not run")] * ((total or len(outcomes)) - len(outcomes))
    return CallReport(outcomes=tuple(padded), failure=failure)
