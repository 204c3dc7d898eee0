"""Several sandboxes at once as root (parallel regrades, test runs) each need a uid of their own: the
clean-up kills every process of the session's uid, which must never reach another session's child.

Slot 0 is the sandbox user itself; slot k > 0 is the numeric uid ``UID_BASE + k`` (no passwd entry is
needed to run as it). A slot is held by an exclusive ``flock`` on a root-owned lock file for the session's
lifetime, so it is released even if the grader is killed. A free slot whose uid still owns processes
(zombies not yet reaped by init count against RLIMIT_NPROC) is passed over.
"""

from __future__ import annotations

import fcntl
import os
import stat
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO

from grader.sandbox.identity import Identity

UID_BASE = 1_900_000_000
SLOTS = 256
LOCK_DIRS = (Path("/run/cnn-grader"), Path("/tmp/cnn-grader-slots"))


@dataclass
class Slot:
    identity: Identity
    lock: IO[bytes] | None

    def release(self) -> None:
        if self.lock is not None:
            self.lock.close()
            self.lock = None


def claim_slot(identity: Identity) -> Slot:
    """A uid no other live session uses; the identity unchanged when there is no uid drop."""
    if not identity.dropped:
        return Slot(identity, None)
    folder = _lock_folder()
    for index in range(SLOTS):
        handle = open(folder / f"slot-{index}.lock", "ab")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        uid = identity.uid if index == 0 else UID_BASE + index
        if _has_processes(uid):  # a previous run's zombies still count against RLIMIT_NPROC
            handle.close()
            continue
        return Slot(replace(identity, uid=uid), handle)
    raise RuntimeError(f"all {SLOTS} sandbox slots are in use")


def _has_processes(uid: int) -> bool:
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and entry.stat().st_uid == uid:
                return True
        except OSError:
            continue
    return False


def _lock_folder() -> Path:
    for folder in LOCK_DIRS:
        try:
            folder.mkdir(mode=0o700, exist_ok=True)
            info = folder.lstat()
        except OSError:
            continue
        if stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid() and not info.st_mode & 0o022:
            return folder
    raise RuntimeError("no private folder for the sandbox slot locks")
