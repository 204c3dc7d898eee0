"""Throughput and peak memory (the whole process tree) of `grader regrade` on N answers-file submissions.

    python benchmarks/regrade.py [--sizes 250 1000 4000] [--runs 3] [--workers N] [--dask]

The batch is N copies of the Problem Set 3 examples (submissions_example/ps3/*/submission: full marks,
typical mistakes, format errors, an alias bomb, nested JSON, ...), varied: every copy's answers file gets
its own comment line and every third full-marks copy a wrong answer. Each run is a fresh process calling
grader.regrade.regrade on the batch with the default local workers (interpreter start-up, imports, the
problem set, the worker pool, grading, every results.json, scores.csv, summary.md and the histogram).
Memory is sampled every 20 ms as the sum of the resident sets of that process and all its descendants.
Prints the median (min, max) of the submissions per second, end to end and inside regrade(), and the
largest peak. Targets on 2 cores: >= 50 submissions/s, linear in N, peak memory flat in N. ``--dask`` runs
the same batch on a Dask LocalCluster (each task hands its submission to a kept grading child process).
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

from bytecode_cache import keep_bytecode  # benchmarks/ is on sys.path when a script here runs
from process_tree import tree_rss_mb

ROOT = Path(__file__).resolve().parent.parent
PROBLEMS = ROOT / "problems" / "ps3.yaml"
EXAMPLES = sorted((ROOT / "submissions_example" / "ps3").glob("*/submission"))
CHILD = """
import json, sys, time
from pathlib import Path
from grader.regrade import regrade

def grade(**options):
    started = time.perf_counter()
    summary = regrade(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), progress=False, **options)
    print("RESULT " + json.dumps({{"seconds": time.perf_counter() - started, "count": summary.count,
                                  "statuses": summary.statuses, "mean": summary.mean}}))

if __name__ == "__main__":
    if {dask}:
        import logging, os
        from distributed import LocalCluster
        workers = {workers} or len(os.sched_getaffinity(0))
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                          silence_logs=logging.ERROR) as cluster:
            grade(scheduler=cluster.scheduler_address)
    else:
        grade(workers={workers})
"""


def make_batch(folder: Path, count: int) -> None:
    for index in range(count):
        example = EXAMPLES[index % len(EXAMPLES)]
        target = folder / f"s{index:05d}_{example.parent.name}"
        shutil.copytree(example, target)
        answers = target / "answers.yaml"
        if answers.is_file():
            text = answers.read_text(encoding="utf-8")
            if example.parent.name == "full_marks" and index % 3 == 0:
                text = text.replace("model_size.conv_layer_count: 36", "model_size.conv_layer_count: 35")
            answers.write_text(text + f"\n# copy {index}\n", encoding="utf-8")


def one_run(batch: Path, out: Path, workers: int | None, dask: bool) -> tuple[float, float, float, dict]:
    """(process seconds, regrade() seconds, peak RSS of the tree in MB, the child's figures)."""
    shutil.rmtree(out, ignore_errors=True)
    script = out.parent / "child.py"  # a file, not -c: Dask's worker processes re-import the main module
    script.write_text(CHILD.format(workers=workers, dask=dask), encoding="utf-8")
    command = [sys.executable, str(script), str(batch), str(PROBLEMS), str(out)]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    peak = 0.0
    while process.poll() is None:
        peak = max(peak, tree_rss_mb(process.pid))
        time.sleep(0.02)
    elapsed = time.perf_counter() - started
    output = process.stdout.read() if process.stdout else ""
    if process.returncode != 0:
        raise SystemExit(f"regrade failed with status {process.returncode}:\n{output[-2000:]}")
    figures = json.loads(next(line for line in output.splitlines() if line.startswith("RESULT "))[7:])
    return elapsed, figures["seconds"], peak, figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[250, 1000, 4000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=None, help="local workers (default: one per core)")
    parser.add_argument("--dask", action="store_true",
                        help="grade on a Dask LocalCluster of that many single-threaded worker processes (started "
                             "in each run, outside the regrade() figure)")
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0))
    where = "Dask workers on a LocalCluster" if args.dask else "workers"
    print(f"regrade N answers-file submissions (Problem Set 3 examples, varied; {args.runs} fresh processes each, "
          f"{args.workers or cores} {where}, {cores} cores, Python {sys.version.split()[0]})")
    with tempfile.TemporaryDirectory(prefix="bench-regrade-") as folder:
        keep_bytecode(Path(folder) / "bytecode")
        for size in args.sizes:
            batch = Path(folder) / f"batch{size}"
            make_batch(batch, size)
            out = Path(folder) / "out"
            one_run(batch, out, args.workers, args.dask) if size == args.sizes[0] else None  # warm caches
            runs = [one_run(batch, out, args.workers, args.dask) for _ in range(args.runs)]
            ends = [size / seconds for seconds, _, _, _ in runs]
            inner = [size / seconds for _, seconds, _, _ in runs]
            peak = max(rss for _, _, rss, _ in runs)
            if runs[0][3]["count"] != size:
                raise SystemExit(f"graded {runs[0][3]['count']} of {size}")
            print(f"  N={size:5d}  end to end: median {statistics.median(ends):6.1f}/s (min {min(ends):.1f}, "
                  f"max {max(ends):.1f}; {statistics.median(s for s, _, _, _ in runs):.2f} s)   "
                  f"in regrade(): median {statistics.median(inner):6.1f}/s   peak RSS of the tree: {peak:.0f} MB"
                  "   target >= 50/s")
            shutil.rmtree(batch, ignore_errors=True)


if __name__ == "__main__":
    main()
