"""The container-limits tool imposes what it says: a process past the memory limit is OOM-killed, the
CPU quota slows a busy loop, and the cgroup is gone afterwards."""

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[2] / "benchmarks"))
import container_limits  # noqa: E402


def _can_make_cgroups() -> bool:
    if os.geteuid() != 0:
        return False
    try:
        group = container_limits.Cgroup(1.0, 256 * 2**20)
    except OSError:
        return False
    group.remove()
    return True


pytestmark = pytest.mark.skipif(not _can_make_cgroups(), reason="needs root and a writable cgroup hierarchy")


def test_a_process_past_the_memory_limit_is_oom_killed():
    hog = "b = bytearray(b'x' * (400 * 2**20))"
    seconds, peak, kills, returncode = container_limits.one_run([sys.executable, "-c", hog], 1.0, 128)
    assert returncode == -9 and kills == 1
    assert 100 * 2**20 < peak <= 128 * 2**20


def test_the_cpu_quota_slows_a_busy_loop():
    spin = "import time\nend = time.process_time() + 0.4\nwhile time.process_time() < end: pass"
    seconds, _, kills, returncode = container_limits.one_run([sys.executable, "-c", spin], 0.25, 256)
    assert returncode == 0 and kills == 0
    assert seconds > 1.2  # 0.4 s of CPU at a quarter of a CPU takes at least 1.6 s


def _groups() -> set[Path]:
    root = container_limits.ROOT
    return {*root.glob("grader-limits-*"), *root.glob("*/grader-limits-*")}


def test_the_cgroup_is_removed():
    before = _groups()
    container_limits.one_run([sys.executable, "-c", "pass"], 1.0, 256)
    assert _groups() == before
