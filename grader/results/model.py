"""Grading results as immutable values. Rendering them (Gradescope JSON, Markdown, tables) is elsewhere."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Status = Literal["correct", "partial", "wrong", "format_error", "missing", "internal_error"]
Visibility = Literal["visible", "hidden", "after_due_date", "after_published"]


@dataclass(frozen=True)
class PartResult:
    key: str
    number: str
    title: str
    points: float
    earned: float
    status: Status
    note: str
    answer_shown: str | None = None
    feedback: str = ""
    hint: str | None = None
    expected_shown: str | None = None
    extra_credit: bool = False
    visibility: Visibility = "visible"
    tags: tuple[str, ...] = ()
    staff_detail: str | None = None


@dataclass(frozen=True)
class Late:
    """A late submission's penalty: ``fraction`` of the earned score, in [0, 1]."""

    days: int
    fraction: float
    message: str


@dataclass(frozen=True)
class Report:
    problem_set_id: str
    problem_set_title: str
    parts: tuple[PartResult, ...]
    answers_file: str | None = None
    messages: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    execution_time: float = 0.0
    internal_error: str | None = None
    staff_notes: tuple[str, ...] = ()
    notices: tuple[str, ...] = ()
    """Facts students should read first, e.g. how their notebook ran."""
    figures: tuple[tuple[str, bytes], ...] = ()
    """PNG files (name, bytes) a notebook made, written beside results.json for TAs."""
    late: Late | None = None

    @property
    def late_points(self) -> float:
        """Points the late penalty takes away (0 when on time)."""
        if self.late is None:
            return 0.0
        return round(self.late.fraction * max(self.earned, 0.0), 2)

    @property
    def earned(self) -> float:
        return sum(part.earned for part in self.parts)

    @property
    def possible(self) -> float:
        return sum(part.points for part in self.parts if not part.extra_credit)
