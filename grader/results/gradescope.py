"""Render a Report as Gradescope's results.json, and the strict schema every file we write must satisfy."""

from __future__ import annotations

import json
import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from grader.results.feedback import part_markdown, summary_markdown
from grader.results.model import PartResult, Report

Visibility = Literal["visible", "hidden", "after_due_date", "after_published"]
Format = Literal["text", "html", "simple_format", "md", "ansi"]

INTERNAL_ERROR_NAME = "Autograder internal error (details for staff)"
APOLOGY = ("The autograder hit an internal error; staff have the details and will regrade your submission. "
           "This is not your fault and is not counted against you.")


class GradescopeTest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    score: float
    max_score: float = Field(ge=0)
    status: Literal["passed", "failed"]
    name: str
    name_format: Format = "text"
    number: str
    output: str
    output_format: Format = "md"
    tags: list[str] = []
    visibility: Visibility = "visible"
    extra_data: dict[str, Any] = {}

    @model_validator(mode="after")
    def _score_in_range(self) -> "GradescopeTest":
        limit = math.inf if self.extra_data.get("extra_credit") else self.max_score
        lowest = -math.inf if self.extra_data.get("late_penalty") is True and self.max_score == 0 else 0
        if not (math.isfinite(self.score) and lowest <= self.score <= limit and (lowest == 0 or self.score <= 0)):
            raise ValueError(f"score {self.score} outside [0, {limit}]")
        if round(self.score, 2) != self.score:
            raise ValueError("test score not rounded to 2 decimals")
        return self


class GradescopeResults(BaseModel):
    """Gradescope's results.json, strictly: finite numbers, rounded scores, top-level score = their sum."""

    model_config = ConfigDict(extra="forbid", strict=True)

    score: float
    execution_time: float = Field(ge=0)
    output: str
    output_format: Format = "md"
    test_output_format: Format = "md"
    test_name_format: Format = "text"
    visibility: Visibility = "visible"
    stdout_visibility: Literal["hidden", "visible"] = "hidden"
    extra_data: dict[str, Any] = {}
    tests: list[GradescopeTest]

    @field_validator("score", "execution_time")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("must be finite")
        return value

    @model_validator(mode="after")
    def _score_is_sum(self) -> "GradescopeResults":
        total = round(sum(test.score for test in self.tests), 2)
        if self.score != total:
            raise ValueError(f"top-level score {self.score} is not the sum of the test scores {total}")
        return self


def render(report: Report) -> dict[str, Any]:
    tests = [_test(part) for part in report.parts]
    details = [part for part in report.parts if part.staff_detail]
    if report.late_points:
        tests.append(late_test(report))
    if report.internal_error:
        tests.append(apology_test())
    if details or report.internal_error:
        tests.append(_staff_test(report, details))
    return {
        "score": round(sum(test["score"] for test in tests), 2),
        "execution_time": round(max(report.execution_time, 0.0), 3),
        "output": summary_markdown(report),
        "output_format": "md",
        "test_output_format": "md",
        "test_name_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "extra_data": _extra_data(report),
        "tests": tests,
    }


def _extra_data(report: Report) -> dict[str, Any]:
    """Run facts for staff and tools (Gradescope does not show extra_data to students)."""
    data: dict[str, Any] = {"problem_set": report.problem_set_id, "answers_file": report.answers_file}
    if report.staff_notes:
        data["staff_notes"] = list(report.staff_notes)
    return data


def dumps(results: dict[str, Any]) -> str:
    """Validate against the strict schema and serialise as strict JSON (NaN/Infinity refused)."""
    GradescopeResults.model_validate(results)
    return json.dumps(results, allow_nan=False, ensure_ascii=False, indent=2) + "\n"


def _test(part: PartResult) -> dict[str, Any]:
    name = f"{part.number} {part.title}" + (f" (extra credit, up to {part.points:g})" if part.extra_credit else "")
    return {
        "score": round(part.earned, 2),
        "max_score": 0.0 if part.extra_credit else float(part.points),
        "status": "passed" if part.status == "correct" else "failed",
        "name": name,
        "name_format": "text",
        "number": part.number,
        "output": part_markdown(part),
        "output_format": "md",
        "tags": list(part.tags),
        "visibility": part.visibility,
        "extra_data": {"key": part.key, "status": part.status, "note": part.note,
                       "extra_credit": part.extra_credit},
    }


def late_test(report: Report) -> dict[str, Any]:
    """The late penalty as a test of its own with a negative score, so the top-level score stays the sum."""
    assert report.late is not None
    return {
        "score": -report.late_points,
        "max_score": 0.0,
        "status": "failed",
        "name": "Late penalty",
        "name_format": "text",
        "number": "98.1",
        "output": f"{report.late.message} −{report.late_points:g} points.",
        "output_format": "md",
        "tags": ["late-penalty"],
        "visibility": "visible",
        "extra_data": {"late_penalty": True, "days_late": report.late.days, "fraction": report.late.fraction},
    }


def apology_test(message: str = APOLOGY) -> dict[str, Any]:
    """The visible face of a grader failure: it scores nothing and blames nobody but the grader."""
    return {
        "score": 0.0,
        "max_score": 0.0,
        "status": "failed",
        "name": "Autograder internal error",
        "name_format": "text",
        "number": "0.1",
        "output": message,
        "output_format": "md",
        "tags": ["internal-error"],
        "visibility": "visible",
        "extra_data": {},
    }


def _staff_test(report: Report, parts: list[PartResult]) -> dict[str, Any]:
    sections = [f"### {part.key}\n```\n{part.staff_detail}\n```" for part in parts]
    if report.internal_error:
        sections.insert(0, f"### grading run\n```\n{report.internal_error}\n```")
    return {
        "score": 0.0,
        "max_score": 0.0,
        "status": "failed",
        "name": INTERNAL_ERROR_NAME,
        "name_format": "text",
        "number": "99.99",
        "output": "\n\n".join(sections),
        "output_format": "md",
        "tags": ["internal-error"],
        "visibility": "hidden",
        "extra_data": {},
    }
