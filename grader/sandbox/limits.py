"""The resource limits of a sandboxed child, with defaults that fit Gradescope's 768 MB, ½ vCPU container."""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Per child process. ``memory_bytes`` is address space (RLIMIT_AS), kept well below the container's
    768 MB so that a memory bomb kills the child, not the whole grading run."""

    cpu_seconds: int = 30
    memory_bytes: int = 512 * MIB
    processes: int = 64
    file_bytes: int = 16 * MIB
    open_files: int = 64
    stdout_bytes: int = 64 * 1024
    reply_bytes: int = 16 * MIB
    start_seconds: float = 10.0
    max_files: int = 500
    max_upload_bytes: int = 50 * MIB
