"""Grade one submission in a fresh Python process: how a Dask task keeps the per-submission time limit.

Dask runs tasks in worker threads, where the alarm that stops a submission at its time limit cannot be set.
So the task starts a child process whose main thread grades with the alarm (the same ``grade_one``) and
waits for it. A child still running ``KILL_GRACE_SECONDS`` past the limit (deaf to its alarm, as a stuck C
call is) is killed with its process group (status ``timeout``); a child that dies (a segfault, a memory
kill) gives ``worker_crashed`` without taking the Dask worker, and the submissions it was running, with it.

Parent and child are both the grader: the job goes in, and the outcome comes back, as pickles in a private
temporary folder (mode 0700) that the sandboxed student code cannot reach.

    python -m grader.regrade.isolated JOB OUTCOME
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from grader.regrade.work import KILL_GRACE_SECONDS, Job, Outcome, Settings, Task, failed, grade_one

STDERR_TAIL_BYTES = 2000
_JOB, _OUTCOME, _STDERR = "job.pickle", "outcome.pickle", "stderr.txt"


def grade_in_child(job: Job, settings: Settings, *, task: Task = grade_one) -> Outcome:
    """``task(job, settings)`` in a child process, within the time limit; never raises."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="grader-isolated-") as private:
        folder = Path(private)
        (folder / _JOB).write_bytes(pickle.dumps((task, job, settings)))
        limit = settings.timeout + KILL_GRACE_SECONDS if settings.timeout else None
        try:
            status = _run_child(folder, limit)
        except OSError as error:
            return failed(job, "grader_error", f"the grading process could not start ({error})", started)
        if status is None:
            return failed(job, "timeout", f"grading took longer than {settings.timeout:g} s; its process did not "
                          "stop and was killed", started)
        outcome = _read_outcome(folder / _OUTCOME)
        if outcome is not None:
            return outcome
        return failed(job, "worker_crashed", f"the process grading this submission {exit_in_words(status)}"
                      + _last_words(folder / _STDERR), started)


def _run_child(folder: Path, limit: float | None) -> int | None:
    """The child's exit status, or None when it outlived ``limit`` seconds and was killed."""
    with open(folder / _STDERR, "wb") as stderr:
        child = subprocess.Popen([sys.executable, "-m", "grader.regrade.isolated", str(folder / _JOB),
                                  str(folder / _OUTCOME)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=stderr, start_new_session=True)
        try:
            return child.wait(limit)
        except subprocess.TimeoutExpired:
            _kill_group(child.pid)
            child.wait()
            return None
        except BaseException:  # the Dask task cancelled, Ctrl-C: never leave the child behind
            _kill_group(child.pid)
            child.wait()
            raise


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _read_outcome(path: Path) -> Outcome | None:
    try:
        outcome = pickle.loads(path.read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None
    return outcome if isinstance(outcome, Outcome) else None


def exit_in_words(status: int) -> str:
    """A child's exit status as "died (...)": its exit code, or the signal that killed it."""
    if status >= 0:
        return f"died (it exited with code {status})"
    try:
        name = signal.Signals(-status).name
    except ValueError:
        name = f"signal {-status}"
    if -status == signal.SIGKILL:
        return f"died (killed by {name}, most likely for running out of memory)"
    return f"died (killed by {name})"


def _last_words(path: Path) -> str:
    try:
        with open(path, "rb") as stream:
            stream.seek(max(0, path.stat().st_size - STDERR_TAIL_BYTES))
            lines = [line for line in stream.read().decode("utf-8", "replace").splitlines() if line.strip()]
    except OSError:
        return ""
    return f": {lines[-1].strip()}" if lines else ""


def main(argv: list[str]) -> int:
    job_path, outcome_path = Path(argv[0]), Path(argv[1])
    task, job, settings = pickle.loads(job_path.read_bytes())
    outcome = task(job, settings)
    partial = outcome_path.with_suffix(".partial")
    partial.write_bytes(pickle.dumps(outcome))
    os.replace(partial, outcome_path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
