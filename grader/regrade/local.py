"""Run a batch over the local cores: a ProcessPoolExecutor whose workers each load the problem set once.

Workers fork from a forkserver that has already imported the grader (a cheap start, and no fork of a
process with threads). A worker that dies (a segfault, a memory kill) breaks the pool: the submissions
that were running then are graded again one at a time, alone in a fresh pool, and one that kills its
worker again gets the status ``worker_crashed``; the ones not yet started go on in a fresh pool. Each
worker says which submission it starts, so the parent also knows whom to stop when a submission outlives
its time limit and the worker's own alarm did not end it (it is killed, status ``timeout``).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Sequence

from grader.regrade.inputs import RegradeError
from grader.regrade.work import (KILL_GRACE_SECONDS, Job, Outcome, Settings, Task, describe, failed, grade_one,
                                 problem_set_for)
_POLL_SECONDS = 0.25
_IN_FLIGHT_PER_WORKER = 16

_announce: Any = None  # the worker's end of the "started" queue, set by _start_worker


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def run_local(jobs: Sequence[Job], settings: Settings, *, workers: int, on_done: Callable[[Outcome], None],
              task: Task = grade_one) -> None:
    """Grade every job, calling ``on_done`` once per job (in completion order) with its outcome.

    Raises RegradeError when the workers cannot start at all (as when a script that calls regrade()
    lacks the ``if __name__ == "__main__":`` guard that multiprocessing needs)."""
    todo: deque[Job] = deque(jobs)
    suspects: deque[Job] = deque()
    count = [0]

    def done(outcome: Outcome) -> None:
        count[0] += 1
        on_done(outcome)

    while todo or suspects:
        if suspects:
            job = suspects.popleft()
            round_ = _round([job], settings, 1, done, task)
            if round_.broken and job.index not in round_.timed_out:
                done(failed(job, "worker_crashed", "the worker grading this submission died (a crash or "
                            "a memory kill) twice, the second time grading it alone"))
            continue
        batch = list(todo)
        todo.clear()
        round_ = _round(batch, settings, min(workers, len(batch)), done, task)
        if round_.broken and not round_.running and len(round_.not_started) == len(batch):
            if not count[0]:
                raise RegradeError(NO_WORKERS)
            for job in round_.not_started:  # the pool broke before any of these started: they never will
                done(failed(job, "worker_crashed", "the grading workers could not start"))
            return
        todo.extend(round_.not_started)
        suspects.extend(round_.running)


NO_WORKERS = ("the grading worker processes could not start (see the errors above); a script that calls "
              "regrade() must do so under `if __name__ == \"__main__\":`, as multiprocessing requires")


@dataclass
class _Round:
    """What one pool's life left to do: nothing, unless a worker died (``broken``)."""

    broken: bool = False
    not_started: list[Job] = field(default_factory=list)
    running: list[Job] = field(default_factory=list)
    timed_out: set[int] = field(default_factory=set)
    started: dict[int, tuple[int, float]] = field(default_factory=dict)
    """Job index → (worker pid, when the parent learnt it started)."""


def _round(jobs: list[Job], settings: Settings, workers: int, on_done: Callable[[Outcome], None],
           task: Task) -> _Round:
    """One pool's life: it ends when every job is done or when a worker dies. On any exception (Ctrl-C)
    the queued jobs are cancelled and only the running ones are waited for."""
    context = _context()
    started_queue = context.SimpleQueue()
    state = _Round()
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                               initargs=(settings.problems, started_queue))
    try:
        waiting = iter(jobs)
        pending = _drive(pool, waiting, workers, settings, task, started_queue, state, on_done)
        if state.broken:
            _drain(started_queue, state.started)
            _sort_unfinished(pending, state, on_done)
            state.not_started.extend(waiting)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        started_queue.close()
    return state


def _drive(pool: ProcessPoolExecutor, waiting: Iterator[Job], workers: int, settings: Settings, task: Task,
           started_queue: Any, state: _Round, on_done: Callable[[Outcome], None]) -> dict[Future[Outcome], Job]:
    """Keep a bounded window of jobs in the pool until all are done or the pool breaks; return the
    jobs still pending."""
    pending: dict[Future[Outcome], Job] = {}

    def refill() -> None:
        while len(pending) < workers * _IN_FLIGHT_PER_WORKER:
            job = next(waiting, None)
            if job is None:
                return
            pending[pool.submit(_run, task, job, settings)] = job

    refill()
    while pending and not state.broken:
        finished, _ = wait(pending, timeout=_POLL_SECONDS, return_when=FIRST_COMPLETED)
        _drain(started_queue, state.started)
        for future in finished:
            job = pending[future]
            outcome = _collect(future, job)
            if outcome is None:
                state.broken = True
                continue
            del pending[future]
            if job.index not in state.timed_out:  # else its outcome was given when it was stopped
                on_done(outcome)
        if not state.broken:
            _stop_overdue(pending.values(), settings, state, on_done)
            refill()
    return pending


def _sort_unfinished(pending: dict[Future[Outcome], Job], state: _Round, on_done: Callable[[Outcome], None]) -> None:
    """After a worker died: keep what finished, and tell the jobs that were running from the others."""
    for future, job in pending.items():
        if job.index in state.timed_out:
            continue
        outcome = _collect(future, job) if future.done() else None
        if outcome is not None:
            on_done(outcome)
        elif job.index in state.started:
            state.running.append(job)
        else:
            state.not_started.append(job)


def _collect(future: Future[Outcome], job: Job) -> Outcome | None:
    """The job's outcome, or None when its worker died (the pool is broken)."""
    try:
        return future.result()
    except BrokenProcessPool:
        return None
    except Exception as error:  # the task itself never raises; this is the pool failing to carry it
        return failed(job, "grader_error", describe(error))


def _stop_overdue(running: Iterable[Job], settings: Settings, state: _Round,
                  on_done: Callable[[Outcome], None]) -> None:
    """Kill the worker of a job far past its time limit (its own alarm did not stop it)."""
    if not settings.timeout:
        return
    now = time.monotonic()
    for job in list(running):
        if job.index not in state.started or job.index in state.timed_out:
            continue
        pid, since = state.started[job.index]
        if now - since > settings.timeout + KILL_GRACE_SECONDS:
            state.timed_out.add(job.index)
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            on_done(failed(job, "timeout", f"grading took longer than {settings.timeout:g} s; its worker "
                           "did not stop and was killed"))


def _drain(queue: Any, started: dict[int, tuple[int, float]]) -> None:
    while not queue.empty():
        index, pid = queue.get()
        started[index] = (pid, time.monotonic())


def _context() -> multiprocessing.context.BaseContext:
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["grader.regrade.work"])
        return context
    return multiprocessing.get_context("spawn")


def _start_worker(problems: str, started_queue: Any) -> None:
    global _announce
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _announce = started_queue
    try:
        problem_set_for(problems)
    except Exception:  # each submission then reports the error as its own grader_error
        pass


def _run(task: Task, job: Job, settings: Settings) -> Outcome:
    _announce.put((job.index, os.getpid()))
    return task(job, settings)
