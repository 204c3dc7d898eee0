"""Whether the grader has a GPU to measure on, and the measurements, from the trusted child process.

``GRADER_GPU=off`` turns the GPU paths off (the notebooks then run on the CPU as on Gradescope); the
default, ``auto``, uses a CUDA GPU when the machine has an NVIDIA driver and the grader's torch can use
it. Without a driver nothing is started, so a CPU-only grader pays nothing for this. Results are cached
per process: a regrade measures once per worker, not once per submission.
"""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator, Mapping

CHILD_TIMEOUT = 300.0
"""Seconds for the child: CUDA's start plus a few training steps of each probe."""


@dataclass(frozen=True)
class ProbeCall:
    probe: str
    arguments: str
    """The arguments as canonical JSON, so that a call can be a cache key."""

    @classmethod
    def of(cls, probe: str, args: Mapping[str, Any]) -> "ProbeCall":
        return cls(probe, json.dumps(dict(args), sort_keys=True))

    @property
    def args(self) -> dict[str, Any]:
        return json.loads(self.arguments)


@dataclass(frozen=True)
class GpuReport:
    device: str | None
    """The CUDA device measured on; None when there is none to use (``reason`` says why)."""
    reason: str = ""
    values: Mapping[ProbeCall, float | str] = field(default_factory=dict)
    """Each call's measurement, or the reason it failed (text)."""


def gpu_policy() -> str:
    policy = os.environ.get("GRADER_GPU", "auto").strip().lower()
    return policy if policy in ("auto", "off") else "auto"


@contextmanager
def cpu_only() -> Iterator[None]:
    """Grading as Gradescope's CPU-only containers do, whatever this machine has: for stored example
    results, which must come out the same on a TA's GPU workstation."""
    before = os.environ.get("GRADER_GPU")
    os.environ["GRADER_GPU"] = "off"
    try:
        yield
    finally:
        if before is None:
            del os.environ["GRADER_GPU"]
        else:
            os.environ["GRADER_GPU"] = before


@lru_cache(maxsize=1)
def torch_is_cuda_build() -> bool:
    """Whether the installed torch is built for CUDA, read from its metadata (no import): such a build maps
    gigabytes of CUDA libraries even without a GPU, so no address-space limit lets a kernel import it."""
    from importlib import metadata

    try:
        version, requires = metadata.version("torch"), metadata.requires("torch") or []
    except metadata.PackageNotFoundError:
        return False
    return "+cu" in version or any(requirement.startswith("nvidia-") for requirement in requires)


def driver_present() -> bool:
    """An NVIDIA device node or driver entry, looked up without importing torch."""
    if os.environ.get("CUDA_VISIBLE_DEVICES", None) in ("", "-1"):
        return False
    gpus = Path("/proc/driver/nvidia/gpus")
    return bool(glob.glob("/dev/nvidia[0-9]*")) or (gpus.is_dir() and any(gpus.iterdir()))


def gpu_report(calls: tuple[ProbeCall, ...]) -> GpuReport:
    """The grader's GPU and the measurements ``calls`` ask for (cached per process)."""
    if gpu_policy() == "off":
        return GpuReport(None, "GRADER_GPU=off")
    if not driver_present():
        return GpuReport(None, "no NVIDIA GPU on this machine")
    return _measured(tuple(dict.fromkeys(calls)))


@lru_cache(maxsize=16)
def _measured(calls: tuple[ProbeCall, ...]) -> GpuReport:
    return run_child(calls)


def run_child(calls: tuple[ProbeCall, ...], timeout: float = CHILD_TIMEOUT) -> GpuReport:
    request = json.dumps({"calls": [{"probe": call.probe, "args": call.args} for call in calls]})
    try:
        done = subprocess.run(_child_command(), input=request, capture_output=True, text=True, timeout=timeout,
                              cwd=Path(__file__).resolve().parents[2])
    except subprocess.TimeoutExpired:
        return GpuReport(None, f"the measuring process ran past {timeout:g} s")
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return GpuReport(None, f"the measuring process failed (exit {done.returncode}): {tail}")
    try:  # the child is ours, but CUDA and its libraries may print to stdout too
        reply = json.loads(lines[-1])
        if reply["device"] is None:
            return GpuReport(None, str(reply["reason"]))
        values = {call: entry.get("value", entry.get("error", "no value"))
                  for call, entry in zip(calls, reply["values"], strict=True)}
    except (ValueError, KeyError, TypeError, AttributeError):
        return GpuReport(None, f"the measuring process gave an unexpected reply: {lines[-1][:200]}")
    return GpuReport(str(reply["device"]), values=values)


def _child_command() -> list[str]:
    return [sys.executable, "-m", "grader.measure"]
