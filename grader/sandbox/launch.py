"""Start the child: a scrubbed environment, ``python -I -B``, stdin from /dev/null, and in the forked child,
before ``exec``: a new session, a network namespace where allowed, resource limits, then the uid drop.

Everything runs in ``preexec_fn`` in that order because CPython's own ``user=``/``group=`` switches happen
before ``preexec_fn`` is called, after which ``unshare`` is no longer permitted.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from grader.sandbox.identity import Identity, unshare
from grader.sandbox.limits import Limits

CHILD_SOURCE = (Path(__file__).with_name("child.py")).read_text(encoding="utf-8")


@dataclass
class Launched:
    process: subprocess.Popen
    requests: IO[bytes]
    reply_fd: int
    output: IO[bytes]


def sandbox_python() -> str:
    """The interpreter the child runs: ``GRADER_SANDBOX_PYTHON``, else this one (setup.sh makes it one the
    sandbox user can execute)."""
    return os.environ.get("GRADER_SANDBOX_PYTHON") or sys.executable


def scrubbed_environment(home: Path, marker: str) -> dict[str, str]:
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "TMPDIR": str(home / "tmp"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "MPLBACKEND": "Agg",
        "CNN_SANDBOX_RUN": marker,
    }


def launch(identity: Identity, limits: Limits, *, home: Path, staged: Path, marker: str,
           python: str | None = None) -> Launched:
    request_read, request_write = os.pipe()
    reply_read, reply_write = os.pipe()
    output = _output_file()
    command = [python or sandbox_python(), "-I", "-B", "-c", CHILD_SOURCE,
               str(request_read), str(reply_write), str(staged)]
    try:
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=output, stderr=output, cwd=str(staged),
            env=scrubbed_environment(home, marker), pass_fds=(request_read, reply_write), close_fds=True,
            preexec_fn=child_preexec(identity, limits),
        )
    finally:
        os.close(request_read)
        os.close(reply_write)
    return Launched(process, os.fdopen(request_write, "wb"), reply_read, output)


def _output_file() -> IO[bytes]:
    """The child's stdout and stderr: an unlinked file only this process can reopen; RLIMIT_FSIZE caps it."""
    import tempfile

    return tempfile.TemporaryFile()


def child_preexec(identity: Identity, limits: Limits):
    """The set-up to run in a forked child before ``exec``: a new session (unless the launcher already
    started one), the highest OOM score, a network namespace where allowed, resource limits, then the uid
    drop, and the memory limit last."""
    nproc = limits.processes if identity.dropped else limits.processes + _own_process_count()

    memory = resource.RLIMIT_AS if limits.memory_kind == "address_space" else resource.RLIMIT_DATA

    def setup() -> None:  # pragma: no cover - runs in the forked child, between fork and exec
        if os.getsid(0) != os.getpid():
            os.setsid()
        _prefer_for_oom_kill()  # before RLIMIT_NOFILE: the grader's descriptors are still open until exec
        if identity.unshare_flags and unshare(identity.unshare_flags) != 0:
            raise OSError("unshare failed")
        _limit(resource.RLIMIT_CORE, 0)
        _limit(resource.RLIMIT_CPU, limits.cpu_seconds, limits.cpu_seconds + 1)
        _limit(resource.RLIMIT_FSIZE, limits.file_bytes)
        _limit(resource.RLIMIT_NOFILE, limits.open_files)
        _limit(resource.RLIMIT_NPROC, nproc)
        if identity.dropped:
            os.setgroups([])
            os.setgid(identity.gid)
            os.setuid(identity.uid)
        os.umask(0o077)
        # Last, just before exec: until then this is a fork of the grader, whose address space (torch
        # loaded: gigabytes) may already exceed the limit, so any allocation after it would fail. Python
        # 3.10 (Gradescope's) then crashes the child with SIGSEGV before the student's code even starts.
        _limit(memory, limits.memory_bytes)

    return setup


def _prefer_for_oom_kill() -> None:  # pragma: no cover - runs in the forked child
    """Make the system's OOM killer take this process (and what it forks) before any other. A container
    at its memory limit (Gradescope: 768 MB by default) kills its largest process otherwise, which could be
    the grader when a student spreads memory over many small processes; raising one's own score is always
    permitted."""
    try:
        fd = os.open("/proc/self/oom_score_adj", os.O_WRONLY)
        try:
            os.write(fd, b"1000")
        finally:
            os.close(fd)
    except OSError:
        pass


def _limit(which: int, soft: int, hard: int | None = None) -> None:
    _, current_hard = resource.getrlimit(which)
    hard = soft if hard is None else hard
    if current_hard != resource.RLIM_INFINITY:
        soft, hard = min(soft, current_hard), min(hard, current_hard)
    resource.setrlimit(which, (soft, hard))


def _own_process_count() -> int:
    uid = os.getuid()
    count = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                count += len(list((entry / "task").iterdir())) if entry.stat().st_uid == uid else 0
            except OSError:
                continue
    return count
