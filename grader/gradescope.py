"""The Gradescope entry point: the container's fixed paths, and a results.json whatever happens.

``run_autograder`` writes a fallback results.json in shell before Python starts, so even an import error
here leaves a valid file; this module writes its own fallback again before any grading starts.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from pathlib import Path

from grader.pipeline import crash_report, grade_and_write
from grader.problems.loader import load_problem_set
from grader.results.gradescope import render
from grader.results.table import score_table
from grader.results.write import write_fallback, write_results
from grader.submission.metadata import read_metadata


def run_in_container(*, root: Path, problems: Path) -> int:
    """Grade ``root/submission`` against ``problems`` into ``root/results/results.json``. Returns 0 always:
    Gradescope reads only the results file, and it is valid on every path through here."""
    out = root / "results" / "results.json"
    started = time.perf_counter()
    write_fallback(out)
    lock_down(root)
    try:
        problem_set = load_problem_set(problems)
        metadata = read_metadata(root / "submission_metadata.json")
        report = grade_and_write(problem_set, root / "submission", out, metadata)
        print(score_table(report))
    except Exception:
        detail = traceback.format_exc()
        print(detail, file=sys.stderr)
        write_results(out, render(crash_report("unknown", "unknown", detail, started)))
    return 0


PRIVATE = ("source", "results", "submission", "submission_metadata.json")


def lock_down(root: Path) -> None:
    """Make the answer key, the results and the upload unreadable to the sandbox user before any student
    code runs (student code gets its own copy of the upload). Only root can, and only root needs to."""
    if os.geteuid() != 0:
        return
    os.chmod(root, 0o711)
    for name in PRIVATE:
        path = root / name
        if path.exists() and not path.is_symlink():
            os.chmod(path, 0o700 if path.is_dir() else 0o600)
