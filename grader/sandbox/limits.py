"""The resource limits of a sandboxed child, with defaults that fit Gradescope's 768 MB, ½ vCPU container."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Per child process. ``memory_bytes`` is address space (RLIMIT_AS), kept well below the container's
    768 MB so that a memory bomb kills the child, not the whole grading run. A child that uses CUDA gets
    ``memory_kind="data"`` (RLIMIT_DATA, the private writable memory) instead: the CUDA driver reserves
    tens of GB of address space it never touches, so no address-space limit lets it start."""

    cpu_seconds: int = 30
    memory_bytes: int = 512 * MIB
    memory_kind: Literal["address_space", "data"] = "address_space"
    processes: int = 64
    file_bytes: int = 16 * MIB
    open_files: int = 64
    stdout_bytes: int = 64 * 1024
    reply_bytes: int = 16 * MIB
    start_seconds: float = 10.0
    max_files: int = 500
    max_upload_bytes: int = 50 * MIB
