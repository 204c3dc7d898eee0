"""Sandbox overhead: starting a child (interpreter, numpy, the student's file) and one round trip.

    python benchmarks/sandbox_start.py [--runs 20] [--torch]

Each run opens a SandboxSession on a one-function submission and makes one call: staging the upload,
forking the child (new session, limits, uid drop when root), ``python -I`` start-up, importing numpy and
the student's file, the call, and killing every sandbox process at the end. ``--torch`` has the student's
file import torch as well. Prints the median, min and max, and the time of a second call on a warm child.
Target on a 2-core machine: a cold start well under 0.2 s without torch.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from grader.sandbox import Limits, SandboxSession  # noqa: E402
from grader.sandbox.limits import MIB  # noqa: E402
from grader.sandbox.identity import current_identity  # noqa: E402


def one_run(submission: Path, limits: Limits) -> tuple[float, float, float]:
    """(cold call seconds, warm call seconds, whole session seconds)."""
    started = time.perf_counter()
    with SandboxSession(submission, limits=limits) as sandbox:
        first = time.perf_counter()
        report = sandbox.call("cnn.py", "f", [((3,), {})], timeout=60)
        cold = time.perf_counter() - first
        second = time.perf_counter()
        sandbox.call("cnn.py", "f", [((4,), {})], timeout=60)
        warm = time.perf_counter() - second
    if report.failure is not None:
        raise SystemExit(f"the sandbox failed: {report.failure}")
    return cold, warm, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--torch", action="store_true", help="the student's file imports torch")
    args = parser.parse_args()
    source = ("import torch\n" if args.torch else "") + "import numpy as np\n\ndef f(x):\n    return x * 2\n"
    with tempfile.TemporaryDirectory() as folder:
        submission = Path(folder)
        (submission / "cnn.py").write_text(source)
        limits = Limits(memory_bytes=768 * MIB) if args.torch else Limits()  # torch needs ~640 MB of address space
        one_run(submission, limits)
        runs = [one_run(submission, limits) for _ in range(args.runs)]
    identity = current_identity()
    label = "with torch" if args.torch else "without torch"
    print(f"sandbox start ({args.runs} sessions, {label}; child runs as {identity.user}"
          f"{'' if identity.dropped else ' (no uid drop: not root)'}; network "
          f"{'blocked' if identity.unshare_flags else 'not blocked'})")
    for name, values in (("cold start + call", [r[0] for r in runs]), ("warm call", [r[1] for r in runs]),
                         ("whole session", [r[2] for r in runs])):
        print(f"  {name:18} median {statistics.median(values) * 1000:7.1f} ms  "
              f"(min {min(values) * 1000:.1f}, max {max(values) * 1000:.1f})")


if __name__ == "__main__":
    main()
