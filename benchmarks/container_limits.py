"""Run a command under a Gradescope container's CPU and memory limits, and report what it used.

    sudo python benchmarks/container_limits.py [--cpus 0.5] [--memory-mb 768] [--runs 1] -- COMMAND...

Gradescope runs the autograder in a Docker container whose default limits are ½ vCPU (a CFS quota) and
768 MB of memory (a memory cgroup: at the limit the kernel's OOM killer kills the largest process). This
puts COMMAND, and every process it starts, in a fresh cgroup with the same limits (cgroup v1 or v2;
needs root) and prints, per run, the wall time, the cgroup's peak memory and the number of OOM kills.
Example: does the notebook assignment fit the default container?

    python benchmarks/container_limits.py -- .venv/bin/grader grade \\
        submissions_example/hw004_notebooks/full_marks/submission \\
        --problems problems/hw004_notebooks.yaml --out /tmp/results.json --quiet
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
PERIOD_US = 100_000


class Cgroup:
    """A fresh cgroup with a CPU quota and a memory limit; v2 when the unified hierarchy is mounted."""

    def __init__(self, cpus: float, memory_bytes: int):
        name = f"grader-limits-{uuid.uuid4().hex[:8]}"
        self.v2 = (ROOT / "cgroup.controllers").exists()
        if self.v2:
            self.cpu = self.memory = ROOT / name
            self.cpu.mkdir()
            (self.cpu / "cpu.max").write_text(f"{int(cpus * PERIOD_US)} {PERIOD_US}")
            (self.memory / "memory.max").write_text(str(memory_bytes))
            (self.memory / "memory.swap.max").write_text("0")
        else:
            self.cpu, self.memory = ROOT / "cpu" / name, ROOT / "memory" / name
            self.cpu.mkdir()
            self.memory.mkdir()
            (self.cpu / "cpu.cfs_period_us").write_text(str(PERIOD_US))
            (self.cpu / "cpu.cfs_quota_us").write_text(str(int(cpus * PERIOD_US)))
            (self.memory / "memory.limit_in_bytes").write_text(str(memory_bytes))
            swap = self.memory / "memory.memsw.limit_in_bytes"
            if swap.exists():
                swap.write_text(str(memory_bytes))

    def enter(self) -> None:
        """Move the calling process in (run in the child before exec: its descendants follow)."""
        pid = str(os.getpid())
        for folder in {self.cpu, self.memory}:
            (folder / "cgroup.procs").write_text(pid)

    def peak_bytes(self) -> int:
        name = "memory.peak" if self.v2 else "memory.max_usage_in_bytes"
        path = self.memory / name
        return int(path.read_text()) if path.exists() else 0

    def oom_kills(self) -> int:
        path = self.memory / ("memory.events" if self.v2 else "memory.oom_control")
        for line in path.read_text().splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value)
        return 0

    def remove(self) -> None:
        for folder in {self.cpu, self.memory}:
            for _ in range(50):  # the last processes may take a moment to leave
                try:
                    folder.rmdir()
                    break
                except OSError:
                    time.sleep(0.1)


def one_run(command: list[str], cpus: float, memory_mb: int) -> tuple[float, int, int, int]:
    group = Cgroup(cpus, memory_mb * 2**20)
    try:
        started = time.perf_counter()
        returncode = subprocess.run(command, preexec_fn=group.enter).returncode
        return time.perf_counter() - started, group.peak_bytes(), group.oom_kills(), returncode
    finally:
        group.remove()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cpus", type=float, default=0.5)
    parser.add_argument("--memory-mb", type=int, default=768)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to run after --")
    if os.geteuid() != 0:
        sys.exit("container_limits.py needs root to create a cgroup")
    runs = [one_run(command, args.cpus, args.memory_mb) for _ in range(args.runs)]
    times = [seconds for seconds, *_ in runs]
    print(f"under {args.cpus:g} vCPU and {args.memory_mb} MB ({args.runs} runs, Python {sys.version.split()[0]}): "
          f"{' '.join(command)}")
    print(f"  wall time: median {statistics.median(times):.1f} s (min {min(times):.1f}, max {max(times):.1f})")
    print(f"  peak memory of the cgroup: {max(peak for _, peak, _, _ in runs) / 2**20:.0f} MB"
          f"   OOM kills: {sum(kills for *_, kills, _ in runs)}"
          f"   exit codes: {sorted({code for *_, code in runs})}")


if __name__ == "__main__":
    main()
