"""A per-submission task for the tests only: it kills its worker process on the submission named
``crash_me`` (as a segfault or a memory kill would), hangs deaf to the worker's alarm on ``hang_me`` (as a
stuck C call would), and grades every other one normally. The product has no such hook; the tests hand
this function to the runners in place of the real task."""

from __future__ import annotations

import os
import signal
import time

from grader.regrade.work import Job, Outcome, Settings, grade_one


def grade_or_die(job: Job, settings: Settings) -> Outcome:
    if job.folder == "crash_me":
        os._exit(70)
    if job.folder == "hang_me":
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(600)
    return grade_one(job, settings)
