"""Kill every process the sandbox left behind, without relying on its cooperation.

As root the child runs under its own uid: a short-lived helper that switches to that uid and calls
``kill(-1, SIGKILL)`` reaches every process of the uid, daemons that called ``setsid`` included; repeated
until ``/proc`` shows none. Without root only the child's session (and processes carrying the run's marker
in their environment) can be found, which the staff notes report as reduced isolation.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

ROUNDS = 20
SHARED_TEMPORARY_FOLDERS = (Path("/tmp"), Path("/var/tmp"), Path("/dev/shm"))


def kill_uid(uid: int, gid: int) -> bool:
    """True when no process of ``uid`` is left."""
    for _ in range(ROUNDS):
        if not _processes(lambda pid: _uid_of(pid) == uid):
            return True
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the forked helper
            try:
                os.setgroups([])
                os.setgid(gid)
                os.setuid(uid)
                os.kill(-1, signal.SIGKILL)
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        time.sleep(0.005)
    clean = not _processes(lambda pid: _uid_of(pid) == uid)
    _wait_reaped(uid)
    return clean


def _wait_reaped(uid: int, seconds: float = 2.0) -> None:
    """Zombies still count against RLIMIT_NPROC until their parent (often init) reaps them: wait a little,
    so the next sandbox under this uid can start its processes and threads."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and _processes(lambda pid: _uid_of(pid) == uid, zombies=True):
        time.sleep(0.01)


def kill_session(session_id: int, marker: str) -> bool:
    """Kill the child's session and anything whose environment carries ``marker``; True when none is left."""
    def ours(pid: int) -> bool:
        return pid != os.getpid() and (_sid_of(pid) == session_id or _has_marker(pid, marker))

    for _ in range(ROUNDS):
        found = _processes(ours)
        if not found:
            return True
        for pid in found:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.005)
    return not _processes(ours)


def resident_bytes(uid: int | None, session_id: int | None) -> int:
    """The summed resident memory (VmRSS, shared pages each process touched included) of the processes of
    ``uid``, or without one of ``session_id``'s session."""
    def ours(pid: int) -> bool:
        return _uid_of(pid) == uid if uid is not None else _sid_of(pid) == session_id

    total = 0
    for pid in _processes(ours):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
    return total


def _processes(predicate, *, zombies: bool = False) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            pid = int(entry.name)
            try:
                if predicate(pid) and (zombies or not _is_zombie(pid)):
                    found.append(pid)
            except OSError:
                continue
    return found


def _uid_of(pid: int) -> int | None:
    try:
        return os.stat(f"/proc/{pid}").st_uid
    except OSError:
        return None


def _stat_fields(pid: int) -> list[str]:
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2:].split()


def _sid_of(pid: int) -> int | None:
    try:
        return int(_stat_fields(pid)[3])
    except (OSError, ValueError, IndexError):
        return None


def _is_zombie(pid: int) -> bool:
    try:
        return _stat_fields(pid)[0] == "Z"
    except (OSError, IndexError):
        return True


def _has_marker(pid: int, marker: str) -> bool:
    try:
        return marker.encode() in Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return False


def remove_files_of(uid: int, folders: tuple[Path, ...] = SHARED_TEMPORARY_FOLDERS) -> int:
    """Remove what ``uid`` left at the top of the world-writable folders (the only places outside its own
    folder where it can create anything); returns how many entries were removed. Call it after
    ``kill_uid``, so nothing is still writing."""
    removed = 0
    for folder in folders:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.stat(follow_symlinks=False).st_uid != uid:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)
                removed += 1
            except OSError:
                continue
    return removed
