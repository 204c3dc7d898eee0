"""Grade submissions in a grading child process: how a Dask task keeps the per-submission time limit.

Dask runs tasks in worker threads, where the alarm that stops a submission at its time limit cannot be set.
So a task hands its job to a child process whose main thread grades with the alarm (the same
``grade_one``) and waits for the outcome. Children are kept and reused, one per busy worker thread, so the
problem set and the reference values are computed once per child, not once per submission. A child still
running ``KILL_GRACE_SECONDS`` past the limit (deaf to its alarm, as a stuck C call is) is killed with its
process group (status ``timeout``); a child that dies (a segfault, a memory kill) gives ``worker_crashed``
without taking the Dask worker, and the submissions it was running, with it. Either way the next task
starts a fresh child.

Parent and child are both the grader: jobs and outcomes travel as pickles over a private pipe that the
sandboxed student code never sees. The child's sandbox children start with their descriptors closed and,
when the grader is root, as another user, who cannot open the pipe through ``/proc`` either; the outcome
itself holds only what the child's trusted parent side judged (THREATS.md: nothing a student process
produced is unpickled).

    python -m grader.regrade.isolated READ_FD WRITE_FD
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import tempfile
import time
from multiprocessing.connection import Connection

from grader.regrade.work import KILL_GRACE_SECONDS, Job, Outcome, Settings, Task, failed, grade_one
from grader.sandbox.exits import exit_in_words

STDERR_TAIL_BYTES = 2000


class _Child:
    """One grading child: a process, the two ends of its pipe, and the file its stderr goes to."""

    def __init__(self) -> None:
        to_child_read, to_child_write = os.pipe()
        from_child_read, from_child_write = os.pipe()
        self._stderr = tempfile.TemporaryFile()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "grader.regrade.isolated", str(to_child_read), str(from_child_write)],
                pass_fds=(to_child_read, from_child_write), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=self._stderr, start_new_session=True)
        finally:
            os.close(to_child_read)
            os.close(from_child_write)
        self._send, self._receive = Connection(to_child_write, readable=False), Connection(from_child_read,
                                                                                           writable=False)

    def grade(self, task: Task, job: Job, settings: Settings, limit: float | None) -> Outcome | int | None:
        """The outcome; or the child's exit status when it died; or None when it outlived ``limit``."""
        try:
            self._send.send((task, job, settings))
            if not self._receive.poll(limit):
                self.kill()
                return None
            return self._receive.recv()
        except (EOFError, OSError):
            return self.process.wait()

    def last_words(self) -> str:
        """The last line the child wrote to stderr ("" when none)."""
        try:
            size = self._stderr.seek(0, os.SEEK_END)
            self._stderr.seek(max(0, size - STDERR_TAIL_BYTES))
            lines = [line for line in self._stderr.read().decode("utf-8", "replace").splitlines() if line.strip()]
        except OSError:
            return ""
        return lines[-1].strip() if lines else ""

    def kill(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()
        self.close()

    def close(self) -> None:
        for end in (self._send, self._receive, self._stderr):
            end.close()


_idle: queue.SimpleQueue[_Child] = queue.SimpleQueue()
"""Children waiting for their next job (a worker thread takes one, or starts one)."""


def grade_in_child(job: Job, settings: Settings, *, task: Task = grade_one) -> Outcome:
    """``task(job, settings)`` in a grading child, within the time limit; never raises."""
    started = time.perf_counter()
    try:
        child = _take_child()
    except OSError as error:
        return failed(job, "grader_error", f"the grading process could not start ({error})", started)
    limit = settings.timeout + KILL_GRACE_SECONDS if settings.timeout else None
    try:
        result = child.grade(task, job, settings, limit)
    except BaseException:  # the Dask task cancelled, Ctrl-C: never leave a child half-way through a job
        child.kill()
        raise
    if isinstance(result, Outcome):
        _idle.put(child)
        return result
    if result is None:
        return failed(job, "timeout", f"grading took longer than {settings.timeout:g} s; its process did not "
                      "stop and was killed", started)
    words = child.last_words()
    child.close()
    return failed(job, "worker_crashed", f"the process grading this submission {exit_in_words(result)}"
                  + (f": {words}" if words else ""), started)


def _take_child() -> _Child:
    while True:
        try:
            child = _idle.get_nowait()
        except queue.Empty:
            return _Child()
        if child.process.poll() is None:
            return child
        child.close()


def serve(jobs: Connection, outcomes: Connection) -> None:
    """The child: grade each job that arrives, in this main thread, until the parent closes the pipe."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    while True:
        try:
            task, job, settings = jobs.recv()
        except EOFError:
            return
        outcomes.send(task(job, settings))


if __name__ == "__main__":
    serve(Connection(int(sys.argv[1]), writable=False), Connection(int(sys.argv[2]), readable=False))
