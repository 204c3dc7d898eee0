"""``grader regrade``: grade a whole batch, write every results.json and the batch's tables and summary.

    input (folder | export zip | unpacked export) → jobs → workers (local pool or Dask) → outcomes
        → scores.csv, summary.md, histogram.png, parts.png, changes.csv → the summary on the terminal
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from grader.problems.loader import load_problem_set
from grader.problems.model import ProblemSet
from grader.regrade.due import DueDates, apply_due_dates, due_dates, unpenalized_note
from grader.regrade.inputs import Batch, Submission, discover
from grader.regrade.local import default_workers, run_local
from grader.regrade.plots import histogram_png, parts_png
from grader.regrade.summary import RegradeSummary, markdown, print_summary, summarize
from grader.regrade.tables import Row, changes_csv, columns, compare, read_scores, scores_csv
from grader.regrade.work import Job, Outcome, PartScore, Settings, failed, write_crash
from grader.results.write import write_text_atomic

if TYPE_CHECKING:
    from rich.console import Console

SCORES, SUMMARY, HISTOGRAM, PARTS, CHANGES = "scores.csv", "summary.md", "histogram.png", "parts.png", "changes.csv"
RESERVED = {SCORES, SUMMARY, HISTOGRAM, PARTS, CHANGES}
UNFINISHED = ("worker_crashed", "timeout", "refused")


def regrade(path: Path, problems: Path, out: Path, *, workers: int | None = None, against: Path | None = None,
            scheduler: str | None = None, progress: bool = True, timeout: float | None = 600.0,
            due: datetime | None = None, late_due: datetime | None = None, extensions: Path | None = None,
            console: Console | None = None) -> RegradeSummary:
    """Grade every submission under ``path`` against ``problems`` into ``out``, as ``grader regrade``.

    ``path`` is a folder of submission folders, a Gradescope export zip, or its unpacked folder. Each
    submission's results.json goes to ``out/<folder>/``; ``out`` also receives scores.csv, summary.md,
    histogram.png, parts.png and, with ``against`` (a previous run's output folder), changes.csv. ``scheduler``
    (``tcp://host:port``) runs the batch on a Dask cluster instead of ``workers`` local processes.
    ``due``, ``late_due`` (aware datetimes) and ``extensions`` (a CSV of per-student dates) give the
    submissions their due dates for the late policy (grader/regrade/due.py).

    Raises ProblemSetError for an invalid problem set and RegradeError when the batch cannot start
    (missing input, unusable archive, no submissions, unreadable previous scores, unusable due dates or
    extensions, unreachable cluster);
    nothing a single submission does stops the batch. ``timeout`` bounds each submission's grading
    (seconds; None for no bound) and ``console`` is where the summary is printed (stdout by default)."""
    from rich.console import Console

    started = time.perf_counter()
    console = console or Console(highlight=False)
    problem_set = load_problem_set(problems)
    dates = due_dates(due, late_due, Path(extensions) if extensions is not None else None,
                      policy=problem_set.late_policy)
    out = Path(out).resolve()
    previous = read_scores(Path(against) / SCORES) if against is not None else None
    out.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".unpacked-", dir=out))
    try:
        batch = _dated(discover(Path(path).resolve(), scratch=scratch, skip=out), dates, problem_set)
        settings = Settings(problems=str(Path(problems).resolve()), timeout=timeout)
        rows = _grade(batch, settings, out, workers=workers, scheduler=scheduler, progress=progress)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    _report_unfinished(rows, problem_set, out)
    cols = columns(problem_set, (row.outcome for row in rows))
    table = scores_csv(rows, cols, late=problem_set.late_policy is not None)
    write_text_atomic(out / SCORES, table)
    summary = summarize(f"{problem_set.title} ({problem_set.id})", rows, cols, batch.notes)
    changes = compare(previous, table) if previous is not None else None
    if changes is not None:
        write_text_atomic(out / CHANGES, changes_csv(changes))
    drawn = histogram_png(summary, out / HISTOGRAM) and parts_png(summary, out / PARTS)
    notes = summary.notes + (() if drawn else ("histogram.png and parts.png were not drawn: matplotlib is not "
                                              "installed (pip install 'cnn-autograder[regrade]')",))
    summary = replace(summary, notes=notes, changes=changes, seconds=time.perf_counter() - started, out=out,
                      scores_csv=out / SCORES, summary_md=out / SUMMARY, histogram=out / HISTOGRAM if drawn else None,
                      parts_png=out / PARTS if drawn else None,
                      changes_csv=out / CHANGES if changes is not None else None)
    write_text_atomic(out / SUMMARY, markdown(summary))
    print_summary(summary, console)
    return summary


def _dated(batch: Batch, dates: DueDates | None, problem_set: ProblemSet) -> Batch:
    submissions, notes = apply_due_dates(batch.submissions, dates)
    return Batch(submissions, batch.notes + notes + unpenalized_note(submissions, problem_set.late_policy))


def _grade(batch: Batch, settings: Settings, out: Path, *, workers: int | None, scheduler: str | None,
           progress: bool) -> list[Row]:
    by_index = dict(enumerate(batch.submissions))
    outcomes: dict[int, Outcome] = {}
    shared: dict[PartScore, PartScore] = {}  # equal part scores kept once: memory stays flat in the batch size
    jobs = []
    for index, submission in by_index.items():
        job = Job(index, submission.folder, str(submission.path), str(out / _out_folder(submission) / "results.json"),
                  submission.metadata)
        if submission.refused is not None:
            outcomes[index] = failed(job, "refused", submission.refused)
        else:
            jobs.append(job)
    with _progress_bar(len(by_index), len(outcomes), enabled=progress) as advance:
        def done(outcome: Outcome) -> None:
            outcomes[outcome.index] = replace(outcome, parts=tuple(shared.setdefault(part, part)
                                                                   for part in outcome.parts))
            advance()

        if scheduler:
            from grader.regrade.cluster import run_cluster

            run_cluster(jobs, settings, address=scheduler, on_done=done)
        elif jobs:
            run_local(jobs, settings, workers=max(1, workers or default_workers()), on_done=done)
    missing = [job for job in jobs if job.index not in outcomes]
    for job in missing:  # cannot happen unless a runner loses a job; never let it pass silently
        outcomes[job.index] = failed(job, "grader_error", "the batch runner returned no outcome for it")
    return [Row(submission, outcomes[index]) for index, submission in by_index.items()]


def _report_unfinished(rows: list[Row], problem_set: ProblemSet, out: Path) -> None:
    """Every submission gets a results.json of this run: one whose grading never finished (a dead or killed
    worker, a refused folder) says why, instead of the fallback, nothing, or a previous run's file."""
    for row in rows:
        if row.outcome.status in UNFINISHED:
            write_crash(out / _out_folder(row.submission) / "results.json", problem_set,
                        f"{row.outcome.status}: {row.outcome.message}", time.perf_counter())


def _out_folder(submission: Submission) -> str:
    return submission.folder + ".submission" if submission.folder in RESERVED else submission.folder


class _progress_bar:
    """A rich progress bar (count, rate, ETA) on a terminal; nothing otherwise."""

    def __init__(self, total: int, done: int, *, enabled: bool) -> None:
        from rich.console import Console

        self._console = Console(stderr=True)
        self._enabled = enabled and self._console.is_terminal
        self._total, self._done = total, done
        self._progress = None

    def __enter__(self) -> Callable[[], None]:
        if not self._enabled:
            return lambda: None
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn, TextColumn,
                                   TimeElapsedColumn, TimeRemainingColumn)

        self._progress = Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
                                  TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("ETA"),
                                  TimeRemainingColumn(), console=self._console, transient=False)
        self._progress.start()
        task = self._progress.add_task("grading", total=self._total, completed=self._done, rate="")
        progress = self._progress

        def advance() -> None:
            progress.advance(task)
            speed = progress.tasks[0].speed
            progress.update(task, rate=f"{speed:.1f}/s" if speed else "")

        return advance

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()


