"""Who the child runs as, and which isolation this machine allows (probed once per grader process).

As root, the child runs as a dedicated unprivileged user (``cnn-sandbox``, created by setup.sh; ``nobody``
if it is missing), so that RLIMIT_NPROC applies and every process it leaves can be killed by uid. Without
root the child runs as the grader's own user: isolation is reduced, and the staff-only notes say so.
"""

from __future__ import annotations

import ctypes
import functools
import os
import pwd
from dataclasses import dataclass
from pathlib import Path

SANDBOX_USER = "cnn-sandbox"
FALLBACK_USER = "nobody"
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000


@dataclass(frozen=True)
class Identity:
    """``uid``/``gid`` to switch to (None: stay the grader's user), and the network namespace flags that
    work here (0: the network stays reachable)."""

    uid: int | None
    gid: int | None
    user: str
    unshare_flags: int
    notes: tuple[str, ...]

    @property
    def dropped(self) -> bool:
        return self.uid is not None


@functools.lru_cache(maxsize=None)
def current_identity(requested: str | None = None) -> Identity:
    name = requested or os.environ.get("GRADER_SANDBOX_USER") or SANDBOX_USER
    notes: list[str] = []
    if os.geteuid() != 0:
        flags = CLONE_NEWUSER | CLONE_NEWNET
        notes.append("isolation reduced: the grader is not root, so student code runs as the grader's own user "
                     "(no uid drop: RLIMIT_NPROC does not hold and files readable by this user are readable to it)")
        return _with_network(Identity(None, None, pwd.getpwuid(os.geteuid()).pw_name, flags, tuple(notes)))
    entry = _user(name) or _user(FALLBACK_USER)
    if entry is None:
        raise RuntimeError(f"neither user {name!r} nor {FALLBACK_USER!r} exists: run setup.sh as root")
    if entry.pw_name != name:
        notes.append(f"user {name!r} does not exist (setup.sh creates it); student code runs as {entry.pw_name!r}")
    return _with_network(Identity(entry.pw_uid, entry.pw_gid, entry.pw_name, CLONE_NEWNET, tuple(notes)))


def _user(name: str) -> pwd.struct_passwd | None:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        return None


def _with_network(identity: Identity) -> Identity:
    if _can_unshare(identity.unshare_flags):
        return identity
    note = ("network not blocked: this platform refuses new network namespaces (Docker's default seccomp "
            "profile does); uid drop and resource limits still apply")
    return Identity(identity.uid, identity.gid, identity.user, 0, (*identity.notes, note))


def _can_unshare(flags: int) -> bool:
    """Try ``unshare(flags)`` in a throwaway forked child: the answer without changing this process."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the forked child
        os._exit(0 if unshare(flags) == 0 else 1)
    _, status = os.waitpid(pid, 0)
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def unshare(flags: int) -> int:
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.unshare(flags)


def readable_by(path: Path, identity: Identity) -> bool:
    """Whether the sandbox user could read ``path`` (every folder above it searchable, the file readable)."""
    if not identity.dropped:
        return True
    target = path.resolve()
    for folder in reversed(target.parents):
        if not _allowed(folder, identity, 0o1):
            return False
    return _allowed(target, identity, 0o4)


def _allowed(path: Path, identity: Identity, bit: int) -> bool:
    try:
        info = path.stat()
    except OSError:
        return False
    if info.st_uid == identity.uid:
        return bool(info.st_mode & (bit << 6))
    if info.st_gid == identity.gid:
        return bool(info.st_mode & (bit << 3))
    return bool(info.st_mode & bit)
