"""A process's exit status in words, for feedback and reports: "exited with code 3", "crashed with a
segmentation fault", "was killed by the system, most likely for running out of memory" (a container at its
memory limit sends SIGKILL)."""

from __future__ import annotations

import signal

_DEATHS = {signal.SIGKILL: "was killed by the system, most likely for running out of memory",
           signal.SIGSEGV: "crashed with a segmentation fault", signal.SIGBUS: "crashed with a bus error",
           signal.SIGABRT: "aborted", signal.SIGXCPU: "ran out of CPU time"}


def exit_in_words(status: int | None) -> str:
    """``status`` as ``Popen.returncode`` gives it (negative: the signal that killed the process) in words;
    "" when unknown."""
    if status is None:
        return ""
    if status >= 0:
        return f"exited with code {status}"
    try:
        killer = signal.Signals(-status)
    except ValueError:
        return f"was killed by signal {-status}"
    return _DEATHS.get(killer, f"was killed by {killer.name}")
