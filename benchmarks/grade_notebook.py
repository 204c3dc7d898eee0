"""Wall time and peak memory (the whole process tree) of grading each course notebook, end to end.

    python benchmarks/grade_notebook.py [--runs 3]

Each run starts `python -m grader grade ... --quiet` from scratch on a submission holding one solution
notebook of problems/hw004_notebooks.yaml (the other notebook's parts score 0 at once): loading the problem
set, staging, the kernel started as the sandbox user, every cell in grading mode with the values read back
after each, judging, figures and results.json. Memory is sampled every 20 ms as the sum of the resident
sets of the grader and all its descendants (the kernel among them). Targets on 2 cores: <= 90 s and
<= 700 MB for each notebook.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from process_tree import tree_rss_mb  # benchmarks/ is on sys.path when a script here runs

ROOT = Path(__file__).resolve().parent.parent
PROBLEMS = ROOT / "problems" / "hw004_notebooks.yaml"
SOLUTIONS = ROOT / "problems" / "notebooks" / "solutions"
POINTS = {"EdgeDetection.ipynb": 7.0, "GPUMemory.ipynb": 4.5}


def one_run(submission: Path, out: Path, expected: float) -> tuple[float, float]:
    command = [sys.executable, "-m", "grader", "grade", str(submission), "--problems", str(PROBLEMS),
               "--out", str(out), "--quiet"]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
    peak = 0.0
    while process.poll() is None:
        peak = max(peak, tree_rss_mb(process.pid))
        time.sleep(0.02)
    elapsed = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"grading failed with status {process.returncode}")
    score = json.loads(out.read_text())["score"]
    if score != expected:
        raise SystemExit(f"{submission.name}: the solution scored {score}, not {expected}")
    return elapsed, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0))  # the cores this process may use (taskset), not the machine's
    print(f"grade one notebook in grading mode ({args.runs} fresh processes each, {cores} cores, "
          f"Python {sys.version.split()[0]})")
    for name, points in POINTS.items():
        folder = Path(tempfile.mkdtemp(prefix="bench-notebook-"))
        try:
            submission = folder / name.removesuffix(".ipynb")
            submission.mkdir()
            shutil.copy(SOLUTIONS / name, submission / name)
            runs = [one_run(submission, folder / "results.json", points) for _ in range(args.runs)]
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        times = [seconds for seconds, _ in runs]
        print(f"  {name:20s} wall time: median {statistics.median(times):5.1f} s (min {min(times):.1f}, "
              f"max {max(times):.1f})   peak RSS of the tree: {max(rss for _, rss in runs):.0f} MB   "
              "targets <= 90 s, <= 700 MB")


if __name__ == "__main__":
    main()
