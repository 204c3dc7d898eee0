"""Wall time and peak RSS of grading one answers-file submission end to end, as a fresh process.

    python benchmarks/grade_answers.py [--runs 15] [--problems problems/ps3.yaml] [--submission DIR]

Each run starts `python -m grader grade ... --quiet` from scratch (interpreter start-up, imports, loading
the problem set, reading, grading, writing results.json), as Gradescope does per submission, with the
grader's bytecode compiled once and kept, as pip installs it there (see bytecode_cache.py). Prints the
median, min and max wall time and the largest peak RSS. Targets on a 2-core machine: median <= 0.3 s,
peak RSS <= 150 MB.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bytecode_cache import keep_bytecode  # benchmarks/ is on sys.path when a script here runs

ROOT = Path(__file__).resolve().parent.parent


def one_run(problems: Path, submission: Path, out: Path) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of one grading process."""
    command = [sys.executable, "-m", "grader", "grade", str(submission), "--problems", str(problems),
               "--out", str(out), "--quiet"]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"grading failed with status {status}")
    return elapsed, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--problems", type=Path, default=ROOT / "problems/ps3.yaml")
    parser.add_argument("--submission", type=Path, default=ROOT / "submissions_example/ps3/full_marks/submission")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        keep_bytecode(Path(folder) / "bytecode")
        out = Path(folder) / "results.json"
        one_run(args.problems, args.submission, out)  # warm the file cache and .pyc files
        runs = [one_run(args.problems, args.submission, out) for _ in range(args.runs)]
    times = [seconds for seconds, _ in runs]
    peak = max(rss for _, rss in runs)
    cores = len(os.sched_getaffinity(0))  # the cores this process may use (taskset), not the machine's
    print(f"grade one answers file ({args.runs} fresh processes, {cores} cores, "
          f"Python {sys.version.split()[0]})")
    print(f"  wall time: median {statistics.median(times):.3f} s  (min {min(times):.3f}, max {max(times):.3f})"
          f"   target <= 0.300 s")
    print(f"  peak RSS:  {peak:.1f} MB   target <= 150 MB")


if __name__ == "__main__":
    main()
