"""Run a batch on a Dask distributed cluster: the same per-submission function, mapped over the jobs.

The workers must see the same paths as this machine (the problem set, the submissions, the output folder:
a shared file system) and have the grader installed. Outcomes come back as they complete.

Dask runs tasks in worker threads, where the per-submission alarm cannot be set, so each task grades its
submission in a child process (``grader.regrade.isolated``) that keeps the time limit and whose death costs
only its own submission. Should a worker itself die, Dask retries its tasks on another worker; when it
gives up (``KilledWorker``, which can also hit a task that merely shared the dead worker), the task runs
once more alone on the cluster, and a submission that kills its worker then too gets ``worker_crashed``.
"""

from __future__ import annotations

import uuid
from typing import Callable, Sequence

from grader.regrade.inputs import RegradeError
from grader.regrade.isolated import grade_in_child
from grader.regrade.work import Job, Outcome, Settings, Task, describe, failed

CONNECT_SECONDS = 30


def run_cluster(jobs: Sequence[Job], settings: Settings, *, address: str, on_done: Callable[[Outcome], None],
                task: Task = grade_in_child) -> None:
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise RegradeError("--scheduler needs Dask: pip install 'cnn-autograder[dask]'") from None
    try:
        client = Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as error:
        raise RegradeError(f"cannot reach the Dask scheduler at {address} ({describe(error)})") from None
    with client:
        batch = uuid.uuid4().hex[:12]
        futures = client.map(task, list(jobs), settings=settings, key=[f"regrade-{batch}-{job.index}" for job in jobs],
                             pure=False)
        by_key = {future.key: job for future, job in zip(futures, jobs)}
        suspects = []
        for future in as_completed(futures, loop=client.loop):
            outcome = _collect(future, by_key[future.key])
            future.release()
            if outcome is None:
                suspects.append(by_key[future.key])
            else:
                on_done(outcome)
        del futures
        for job in suspects:  # alone on the cluster, so that no other task shares the blame for a death
            future = client.submit(task, job, settings, key=f"regrade-{batch}-{job.index}-alone", pure=False)
            on_done(_collect(future, job) or failed(
                job, "worker_crashed", "every Dask worker that graded this submission died, the last ones grading "
                "it alone"))
            future.release()


def _collect(future, job: Job) -> Outcome | None:
    """The outcome, or None when the workers running it died (Dask's KilledWorker)."""
    try:
        return future.result()
    except Exception as error:
        if type(error).__name__ == "KilledWorker":
            return None
        return failed(job, "grader_error", describe(error))
