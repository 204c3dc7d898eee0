"""Grading one submission of a batch: the function every worker runs, locally or on a Dask cluster.

It takes and returns small plain values (a Job, an Outcome), writes ``results.json`` itself with the real
pipeline, and never raises: a grader exception or a submission that grades for longer than the time limit
becomes the outcome's status, with a results.json that says so. The problem set is loaded once per
process and kept while its file is unchanged.
"""

from __future__ import annotations

import functools
import json
import os
import signal
import threading
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Literal

from grader.pipeline import crash_report, grade_and_write
from grader.problems.loader import load_problem_set
from grader.problems.model import ProblemSet
from grader.results.gradescope import render
from grader.results.model import Report
from grader.results.write import write_results
from grader.submission.metadata import SubmissionMetadata

Status = Literal["graded", "answers_unread", "grader_error", "timeout", "worker_crashed", "refused"]
SCORED: tuple[Status, ...] = ("graded", "answers_unread")
"""Statuses whose total is the student's score (an unreadable answers file scores what it scores)."""
MESSAGE_CHARS = 300
KILL_GRACE_SECONDS = 30.0
"""How long past its time limit a submission may run, deaf to its alarm, before its process is killed."""


@dataclass(frozen=True)
class Settings:
    problems: str
    """The problem-set file, as an absolute path every worker can open."""
    timeout: float | None = 600.0
    """Seconds one submission may take; None for no limit."""


@dataclass(frozen=True, slots=True)
class Job:
    index: int
    folder: str
    submission: str
    results: str
    """Where results.json goes (absolute)."""
    metadata: SubmissionMetadata | None = None


@dataclass(frozen=True, slots=True)
class PartScore:
    key: str
    name: str
    """The Gradescope test name, e.g. ``2.1 Model size: fully connected, layer 1 parameters``."""
    number: str
    score: float
    points: float
    """What full marks are (for an extra-credit part: its most, although Gradescope's max_score is 0)."""
    extra_credit: bool = False
    note: str = ""
    """How the part was judged: a named mistake (``NO_BIAS``), ``CORRECT``, ``WRONG``, ``MISSING``, ..."""


@dataclass(frozen=True, slots=True)
class Outcome:
    index: int
    folder: str
    status: Status
    message: str = ""
    parts: tuple[PartScore, ...] = ()
    late: float = 0.0
    """Points the late penalty took away."""
    total: float | None = None
    """results.json's score; None when the submission has no valid score."""
    seconds: float = 0.0


Task = Callable[[Job, Settings], Outcome]
"""What a runner calls for each job (``grade_one``; the tests hand in stand-ins that crash or hang)."""


class SubmissionTimeout(BaseException):
    """Raised in the worker when a submission's time is up; a BaseException so that no ``except Exception``
    of the pipeline mistakes it for a grading error and carries on."""


def grade_one(job: Job, settings: Settings) -> Outcome:
    """Grade ``job`` into its results.json; never raises."""
    started = time.perf_counter()
    out = Path(job.results)
    problem_set: ProblemSet | None = None
    try:
        problem_set = problem_set_for(settings.problems)
        with deadline(settings.timeout):
            report = grade_and_write(problem_set, Path(job.submission), out, job.metadata)
        return _outcome(job, report, out, started)
    except SubmissionTimeout:
        message = f"grading took longer than {settings.timeout:g} s and was stopped"
        write_crash(out, problem_set, message, started)
        return failed(job, "timeout", message, started)
    except Exception as error:
        write_crash(out, problem_set, traceback.format_exc(), started)
        return failed(job, "grader_error", describe(error), started)


def failed(job: Job, status: Status, message: str, started: float | None = None) -> Outcome:
    seconds = time.perf_counter() - started if started is not None else 0.0
    return Outcome(job.index, job.folder, status, one_line(message), seconds=seconds)


def describe(error: BaseException) -> str:
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def one_line(text: str, limit: int = MESSAGE_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit - 3] + "..."


@functools.lru_cache(maxsize=4)
def _load(path: str, stamp: tuple[int, int]) -> ProblemSet:
    return load_problem_set(path)


def problem_set_for(path: str) -> ProblemSet:
    """The problem set of ``path``, loaded once per process while the file is unchanged."""
    stat = os.stat(path)
    return _load(path, (stat.st_mtime_ns, stat.st_size))


@contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """Raise SubmissionTimeout in this thread after ``seconds`` (SIGALRM: main thread only, else no limit)."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise SubmissionTimeout()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _outcome(job: Job, report: Report, out: Path, started: float) -> Outcome:
    results = json.loads(out.read_text(encoding="utf-8"))
    names = {test.get("extra_data", {}).get("key"): test["name"] for test in results["tests"]}
    parts = tuple(PartScore(part.key, names.get(part.key) or f"{part.number} {part.title}", part.number,
                            round(part.earned, 2), float(part.points), part.extra_credit, part.note)
                  for part in report.parts)
    status, message = _status(report)
    return Outcome(job.index, job.folder, status, message, parts, late=report.late_points,
                   total=None if report.internal_error else float(results["score"]),
                   seconds=time.perf_counter() - started)


def _status(report: Report) -> tuple[Status, str]:
    if report.internal_error:
        lines = [line for line in report.internal_error.splitlines() if line.strip()]
        return "grader_error", one_line(lines[-1] if lines else "the grading run crashed")
    broken = [part.number for part in report.parts if part.status == "internal_error"]
    if broken:
        return "grader_error", f"the grader could not check part {', '.join(broken)} (see results.json's staff test)"
    if report.messages:
        return "answers_unread", one_line(report.messages[0])
    return "graded", ""


def write_crash(out: Path, problem_set: ProblemSet | None, detail: str, started: float) -> None:
    """Write an internal-error report as results.json (over the fallback); a failure here changes nothing."""
    try:
        identity = (problem_set.id, problem_set.title) if problem_set is not None else ("unknown", "unknown")
        write_results(out, render(crash_report(*identity, detail, started)))
    except Exception:
        pass
