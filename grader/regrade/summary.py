"""The batch's summary: numbers (a frozen RegradeSummary), its Markdown (``summary.md``) and its terminal
rendering (rich); grader/regrade/plots.py draws it.

Statistics cover the submissions with a valid score (``graded`` and ``answers_unread``); the others (grader
errors, timeouts, crashed workers, refused folders) are counted and listed, since staff must look at them.
A part's success rate is the fraction of those submissions with full marks on it.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from grader.regrade.tables import Change, Column, Row
from grader.regrade.work import SCORED, Outcome, PartScore

MAX_LISTED = 50
_FULL = 1e-9


@dataclass(frozen=True)
class PartRate:
    name: str
    points: float
    extra_credit: bool
    full_marks: float
    """Fraction of the scored submissions with full marks on the part (0 when none was scored)."""
    mean: float


@dataclass(frozen=True)
class Breakdown:
    """How one part went, as shares of the submissions whose answers were read: full marks, a named mistake
    (or a kind's own diagnosis, such as TRANSPOSED), otherwise wrong or partly right, and not answered
    (blank, unreadable, answered twice)."""

    part: str
    full: float
    named: float
    other: float
    unanswered: float


UNANSWERED = {"MISSING", "FORMAT", "DUPLICATE"}
UNNAMED = {"WRONG", "PARTIAL", "INTERNAL_ERROR", ""}


@dataclass(frozen=True)
class Mistake:
    """How often one part was judged one way other than correct (a named mistake, blank, unreadable)."""

    part: str
    note: str
    count: int
    share: float
    """Of the submissions whose answers were read (status ``graded``)."""

    @property
    def what(self) -> str:
        return NOTE_WORDS.get(self.note, f"`{self.note}`")


NOTE_WORDS = {"WRONG": "wrong (no named mistake)", "PARTIAL": "partly right (no named mistake)",
              "MISSING": "left blank", "FORMAT": "could not be read", "DUPLICATE": "answered twice"}
NOT_MISTAKES = {"CORRECT", "INTERNAL_ERROR", ""}
MISTAKES_PER_PART = 3
MISTAKES_SHOWN = 10
"""The most frequent mistakes of the whole batch printed on the terminal; summary.md has every part's."""


@dataclass(frozen=True)
class Attention:
    submission: str
    name: str
    status: str
    message: str


@dataclass(frozen=True)
class RegradeSummary:
    problem_set: str
    count: int
    scored: int
    statuses: dict[str, int]
    possible: float
    """Full marks, extra credit not counted."""
    mean: float | None
    median: float | None
    minimum: float | None
    maximum: float | None
    parts: tuple[PartRate, ...]
    attention: tuple[Attention, ...]
    """Every submission without a plain ``graded`` status, with the reason."""
    mistakes: tuple[Mistake, ...] = ()
    """Per part (in part order), its most frequent ways of being wrong."""
    breakdown: tuple[Breakdown, ...] = ()
    """Per part (in part order), how it went (parts.png draws it)."""
    notes: tuple[str, ...] = ()
    changes: tuple[Change, ...] | None = None
    """Differences from the ``against`` run (None when there was none to compare with)."""
    seconds: float = 0.0
    out: Path = Path(".")
    scores_csv: Path = Path("scores.csv")
    summary_md: Path = Path("summary.md")
    histogram: Path | None = None
    parts_png: Path | None = None
    changes_csv: Path | None = None
    late: int = 0
    """Scored submissions the late policy penalised."""
    late_points: float = 0.0
    """Points the late policy took away, over the whole batch."""
    totals: tuple[float, ...] = field(default=(), repr=False)

    @property
    def rate(self) -> float:
        """Submissions per second, for the whole run."""
        return self.count / self.seconds if self.seconds > 0 else 0.0

    @property
    def failed(self) -> int:
        """Submissions without a valid score (staff must look at them)."""
        return self.count - self.scored


def summarize(title: str, rows: Sequence[Row], cols: Sequence[Column], notes: Sequence[str] = ()) -> RegradeSummary:
    scored = [row.outcome for row in rows if row.outcome.status in SCORED and row.outcome.total is not None]
    read = [outcome for outcome in scored if outcome.status == "graded"]
    totals = tuple(outcome.total for outcome in scored if outcome.total is not None)
    rates = []
    scored_parts = _by_key(scored)
    for column in cols:
        scores = [part.score for part in scored_parts.get(column.key, ())]
        full = sum(1 for score in scores if score >= column.points - _FULL)
        rates.append(PartRate(column.name, column.points, column.extra_credit,
                              full / len(scored) if scored else 0.0,
                              statistics.fmean(scores) if scores else 0.0))
    attention = tuple(Attention(row.submission.folder, row.submission.name, row.outcome.status, row.outcome.message)
                      for row in sorted(rows, key=lambda item: item.submission.folder)
                      if row.outcome.status != "graded")
    return RegradeSummary(
        problem_set=title,
        count=len(rows),
        scored=len(scored),
        statuses=dict(sorted(Counter(row.outcome.status for row in rows).items())),
        possible=round(sum(column.points for column in cols if not column.extra_credit), 2),
        mean=round(statistics.fmean(totals), 2) if totals else None,
        median=round(statistics.median(totals), 2) if totals else None,
        minimum=min(totals) if totals else None,
        maximum=max(totals) if totals else None,
        parts=tuple(rates),
        attention=attention,
        mistakes=_mistakes(read, cols),
        breakdown=_breakdown(read, cols),
        notes=tuple(notes),
        late=sum(1 for outcome in scored if outcome.late > 0),
        late_points=round(sum(outcome.late for outcome in scored), 2),
        totals=totals,
    )


def _by_key(outcomes: Sequence[Outcome]) -> dict[str, list[PartScore]]:
    """Every part score of ``outcomes``, by part key (one pass: batches have thousands of submissions)."""
    parts: dict[str, list[PartScore]] = {}
    for outcome in outcomes:
        for part in outcome.parts:
            parts.setdefault(part.key, []).append(part)
    return parts


def _mistakes(read: Sequence[Outcome], cols: Sequence[Column]) -> tuple[Mistake, ...]:
    """Counted over the submissions whose answers were read (an unreadable answers file says nothing about
    any one part)."""
    by_key, found = _by_key(read), []
    for column in cols:
        notes = Counter(part.note for part in by_key.get(column.key, ()) if part.note not in NOT_MISTAKES)
        found += [Mistake(column.name, note, count, count / len(read))
                  for note, count in sorted(notes.items(), key=lambda item: (-item[1], item[0]))[:MISTAKES_PER_PART]]
    return tuple(found)


def _breakdown(read: Sequence[Outcome], cols: Sequence[Column]) -> tuple[Breakdown, ...]:
    by_key, found = _by_key(read), []
    for column in cols if read else ():
        shares = Counter(_how(part, column) for part in by_key.get(column.key, ()))
        found.append(Breakdown(column.name, *(shares[how] / len(read) for how in ("full", "named", "other",
                                                                                    "unanswered"))))
    return tuple(found)


def _how(part: PartScore, column: Column) -> str:
    if part.note == "CORRECT" or part.score >= column.points - _FULL:
        return "full"
    if part.note in UNANSWERED:
        return "unanswered"
    return "other" if part.note in UNNAMED else "named"


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def _late(summary: RegradeSummary) -> str:
    return (f"{summary.late} submission{'s' if summary.late != 1 else ''} penalised, {summary.late_points:g} "
            "points deducted in all (scores.csv's `late penalty` column)")


def _cell(text: str) -> str:
    """Text made safe for a Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|") or " "


def markdown(summary: RegradeSummary) -> str:
    statuses = ", ".join(f"{status} {count}" for status, count in summary.statuses.items())
    lines = [f"# Regrade: {summary.problem_set}", "",
             f"- submissions: {summary.count} ({statuses})",
             f"- scored: {summary.scored}; total out of {summary.possible:g}: mean {_number(summary.mean)}, "
             f"median {_number(summary.median)}, min {_number(summary.minimum)}, max {_number(summary.maximum)}",
             *([f"- late: {_late(summary)}"] if summary.late else []),
             f"- time: {summary.seconds:.1f} s ({summary.rate:.1f} submissions/s)", "",
             "## Parts", "", "| part | points | full marks | mean |", "|---|---:|---:|---:|"]
    lines += [f"| {_cell(part.name)} | {part.points:g}{' EC' if part.extra_credit else ''} | "
              f"{part.full_marks:.0%} | {part.mean:.2f} |" for part in summary.parts]
    if summary.mistakes:
        lines += ["", "## Common mistakes", "", f"Per part, its {MISTAKES_PER_PART} most frequent ways of not "
                  "getting full marks, among the submissions whose answers were read.", "",
                  "| part | mistake | submissions | share |", "|---|---|---:|---:|"]
        lines += [f"| {_cell(item.part)} | {_cell(item.what)} | {item.count} | {item.share:.0%} |"
                  for item in summary.mistakes]
    if summary.attention:
        lines += ["", f"## Needing attention ({len(summary.attention)})", "",
                  "| submission | name | status | message |", "|---|---|---|---|"]
        lines += [f"| {_cell(item.submission)} | {_cell(item.name)} | {item.status} | {_cell(item.message)} |"
                  for item in summary.attention]
    if summary.changes is not None:
        lines += ["", f"## Changes since the previous run ({len(summary.changes)})", ""]
        if summary.changes:
            lines += ["| submission | name | column | before | after |", "|---|---|---|---:|---:|"]
            lines += [f"| {_cell(change.submission)} | {_cell(change.name)} | {_cell(change.column)} | "
                      f"{_cell(change.before)} | {_cell(change.after)} |" for change in summary.changes]
        else:
            lines.append("No score changed.")
    if summary.notes:
        lines += ["", "## Notes", ""] + [f"- {_cell(note)}" for note in summary.notes]
    return "\n".join(lines) + "\n"


def print_summary(summary: RegradeSummary, console) -> None:
    """The summary on the terminal, with rich."""
    from rich.markup import escape
    from rich.table import Table

    statuses = ", ".join(f"{status} {count}" for status, count in summary.statuses.items())
    console.print(f"[bold]Regrade: {escape(summary.problem_set)}[/bold]")
    console.print(f"submissions: {summary.count} ({escape(statuses)}) in {summary.seconds:.1f} s "
                  f"({summary.rate:.1f}/s)")
    console.print(f"total out of {summary.possible:g}: mean {_number(summary.mean)}, median "
                  f"{_number(summary.median)}, min {_number(summary.minimum)}, max {_number(summary.maximum)} "
                  f"({summary.scored} scored)")
    if summary.late:
        console.print(f"late: {_late(summary)}")
    parts = Table(title="Parts", title_justify="left")
    for name, justify in (("part", "left"), ("points", "right"), ("full marks", "right"), ("mean", "right")):
        parts.add_column(name, justify=justify)
    for part in summary.parts:
        parts.add_row(escape(part.name), f"{part.points:g}{' EC' if part.extra_credit else ''}",
                      f"{part.full_marks:.0%}", f"{part.mean:.2f}")
    console.print(parts)
    if summary.mistakes:
        _print_mistakes(summary, console)
    if summary.attention:
        table = Table(title=f"Needing attention ({len(summary.attention)})", title_justify="left")
        for name in ("submission", "name", "status", "message"):
            table.add_column(name, overflow="fold")
        for item in summary.attention[:MAX_LISTED]:
            table.add_row(escape(item.submission), escape(item.name), item.status, escape(item.message))
        console.print(table)
        if len(summary.attention) > MAX_LISTED:
            console.print(f"... and {len(summary.attention) - MAX_LISTED} more in {summary.summary_md}")
    if summary.changes is not None:
        _print_changes(summary, console)
    for note in summary.notes:
        console.print(f"note: {escape(note)}")
    written = [summary.scores_csv, summary.summary_md, summary.histogram, summary.parts_png, summary.changes_csv]
    console.print("wrote " + ", ".join(escape(str(path)) for path in written if path is not None))


def _print_mistakes(summary: RegradeSummary, console) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="Common mistakes", title_justify="left")
    for name, justify in (("part", "left"), ("mistake", "left"), ("submissions", "right"), ("share", "right")):
        table.add_column(name, justify=justify, overflow="fold")
    ranked = sorted(summary.mistakes, key=lambda item: -item.count)
    for item in ranked[:MISTAKES_SHOWN]:
        table.add_row(escape(item.part), escape(item.what.replace("`", "")), str(item.count), f"{item.share:.0%}")
    console.print(table)
    if len(ranked) > MISTAKES_SHOWN:
        console.print(f"... and {len(ranked) - MISTAKES_SHOWN} more in {summary.summary_md}")


def _print_changes(summary: RegradeSummary, console) -> None:
    from rich.markup import escape
    from rich.table import Table

    changes = summary.changes or ()
    if not changes:
        console.print("changes since the previous run: none")
        return
    table = Table(title=f"Changes since the previous run ({len(changes)})", title_justify="left")
    for name, justify in (("submission", "left"), ("name", "left"), ("column", "left"), ("before", "right"),
                          ("after", "right")):
        table.add_column(name, justify=justify, overflow="fold")
    for change in changes[:MAX_LISTED]:
        table.add_row(*(escape(value) for value in (change.submission, change.name, change.column, change.before,
                                                     change.after)))
    console.print(table)
    if len(changes) > MAX_LISTED:
        console.print(f"... and {len(changes) - MAX_LISTED} more in {summary.changes_csv}")
