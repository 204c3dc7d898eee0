"""Which files the zip is built from, and whether git has them committed.

In a git work tree the package's files are those git knows (tracked, or untracked and not ignored), and
every file going into the zip is checked against HEAD, so a zip is built from a commit. Elsewhere (an
unpacked copy, no git, no commit yet) the package folder is walked and the report says the files could not
be checked.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Collection, Iterator

from grader.build.report import BuildError, PACKAGE, REQUIRED

GIT_TIMEOUT = 60.0
LISTED_CHANGES = 20


@dataclass(frozen=True)
class Change:
    """A file whose working-tree content is not what HEAD holds: its path (relative to the source root)
    and its git status in words ("modified", "untracked", "staged", ...)."""

    path: str
    state: str

    def __str__(self) -> str:
        return f"{self.state}: {self.path}"


@dataclass(frozen=True)
class Source:
    """The source root, and the git work tree it lies in: its top folder and HEAD's commit. ``top`` and
    ``commit`` are None when the files cannot be checked against git, and ``unchecked`` says why."""

    root: Path
    top: Path | None = None
    commit: str | None = None
    unchecked: str = ""

    @property
    def checked(self) -> bool:
        return self.commit is not None


def open_source(root: Path) -> Source:
    """``root`` with its git work tree and HEAD, or with the reason the files cannot be checked."""
    root = Path(root).resolve()
    if shutil.which("git") is None:
        return Source(root, unchecked="git is not on PATH")
    found = _git(root, "rev-parse", "--show-toplevel")
    if found.returncode != 0:
        return Source(root, unchecked=f"{root} is not a git work tree ({_message(found)})")
    top = Path(os.fsdecode(found.stdout.rstrip(b"\n"))).resolve()
    head = _git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    if head.returncode != 0:
        return Source(root, unchecked=f"the git work tree {top} has no commit yet")
    return Source(root, top=top, commit=head.stdout.decode("ascii").strip())


def package_files(source: Source) -> list[str]:
    """The package's files to zip, relative to the source root: git's files under the package (tracked, or
    untracked and not ignored), or every file found there when git cannot say; never caches, compiled or
    hidden files, or links."""
    names = _git_files(source) if source.checked else _walked(source.root)
    files = sorted(name for name in set(names) if _packaged(source.root, name))
    missing = [name for name in REQUIRED if name.startswith(f"{PACKAGE}/") and name not in files]
    if missing:
        why = f"git does not list {', '.join(missing)} (ignored?)" if source.checked else \
            f"no {', '.join(missing)}"
        raise BuildError([f"{source.root}: {why}: the zip would not run"])
    return files


def uncommitted(source: Source, files: Collection[Path]) -> tuple[Change, ...]:
    """The changes relative to HEAD among ``files`` (the zip's sources) and the package's deleted files, by
    ``git status``; none when the source is not checked against git."""
    if source.top is None or not source.checked:
        return ()
    wanted = {Path(path).resolve() for path in files}
    inside = sorted(str(path) for path in wanted if path.is_relative_to(source.top))
    ran = _git(source.root, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--ignored",
               "--", str(source.root / PACKAGE), *inside)
    _require(ran, source.root, "git status")
    changes = []
    for code, name in _status_entries(ran.stdout):
        path = source.top / name
        relative = Path(os.path.relpath(path, source.root)).as_posix()
        if path in wanted or ("D" in code and _packaged_name(relative)):
            changes.append(Change(relative, _state(code)))
    return tuple(sorted(changes, key=lambda change: change.path))


def outside(source: Source, files: Collection[Path]) -> list[Path]:
    """Those of ``files`` that lie outside the git work tree, so that no commit records them."""
    if source.top is None or not source.checked:
        return []
    return sorted(Path(path) for path in files if not Path(path).resolve().is_relative_to(source.top))


def refusal(source: Source, changes: Collection[Change]) -> BuildError:
    """Why a dirty tree is not packaged: how many files, the first few with their status, what to do."""
    return BuildError([f"{source.root}: {len(changes)} of the files that would go into the zip "
                       f"{'is' if len(changes) == 1 else 'are'} not committed (HEAD is {source.commit}):",
                       *(f"  {change}" for change in listing(changes)),
                       "commit them (or delete them, or list them in .gitignore), "
                       "or pass --allow-dirty to package the working tree as it is"])


def build_info(source: Source, changes: Collection[Change]) -> bytes:
    """The zip's BUILD_INFO.json: the commit it was built from and whether the working tree differed."""
    info: dict[str, object] = {"commit": source.commit, "dirty": bool(changes) if source.checked else None}
    if changes:
        info["uncommitted"] = [str(change) for change in changes]
    if source.unchecked:
        info["unchecked"] = source.unchecked
    return (json.dumps(info, indent=2) + "\n").encode("utf-8")


def listing(changes: Collection[Change], limit: int = LISTED_CHANGES) -> list[str]:
    """Up to ``limit`` changes as text, then how many more."""
    shown = [str(change) for change in list(changes)[:limit]]
    return shown + ([f"and {len(changes) - limit} more"] if len(changes) > limit else [])


# --- git -------------------------------------------------------------------------------------------------

def _git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    """Run git in ``root``: literal pathspecs, no optional locks (a build never writes the index)."""
    command = ["git", "--no-optional-locks", "--literal-pathspecs", "-c", "core.quotepath=off", *args]
    try:
        return subprocess.run(command, cwd=root, stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=GIT_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise BuildError([f"{root}: `git {args[0]}` did not finish in {GIT_TIMEOUT:g} s"]) from None
    except OSError as error:
        raise BuildError([f"{root}: cannot run git: {error}"]) from None


def _require(ran: subprocess.CompletedProcess[bytes], root: Path, what: str) -> None:
    if ran.returncode != 0:
        raise BuildError([f"{root}: {what} failed (exit status {ran.returncode}): {_message(ran)}"])


def _message(ran: subprocess.CompletedProcess[bytes]) -> str:
    lines = ran.stderr.decode("utf-8", errors="replace").strip().splitlines()
    return lines[0] if lines else "no message"


def _git_files(source: Source) -> list[str]:
    ran = _git(source.root, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", PACKAGE)
    _require(ran, source.root, "git ls-files")
    return [os.fsdecode(name) for name in ran.stdout.split(b"\0") if name]


def _status_entries(output: bytes) -> Iterator[tuple[str, str]]:
    """(XY code, path relative to the work tree's top) from ``git status --porcelain=v1 -z``; a rename or
    copy is followed by its origin, which is skipped (its deletion is part of the staged rename)."""
    fields = iter(output.split(b"\0"))
    for field in fields:
        if not field:
            continue
        code = field[:2].decode("ascii")
        yield code, os.fsdecode(field[3:])
        if code[0] in "RC":
            next(fields, None)


_INDEX = {"M": "staged", "T": "staged", "A": "staged (new file)", "D": "staged (deleted)",
          "R": "staged (renamed)", "C": "staged (copied)"}
_WORKTREE = {"M": "modified", "T": "modified", "D": "deleted"}


def _state(code: str) -> str:
    """An ``XY`` status code in words: what is staged (X), then what is changed and not staged (Y)."""
    if code == "??":
        return "untracked"
    if code == "!!":
        return "ignored"
    if "U" in code or code in ("AA", "DD"):
        return "unmerged"
    words = [_INDEX[code[0]]] if code[0] in _INDEX else []
    words += [_WORKTREE[code[1]]] if code[1] in _WORKTREE else []
    return " and ".join(words) or f"status {code.strip()}"


# --- walking and filtering -------------------------------------------------------------------------------

def _walked(root: Path) -> Iterator[str]:
    for folder, folders, files in os.walk(root / PACKAGE):
        folders[:] = [name for name in folders if not _skipped(name)]
        for name in files:
            yield (Path(folder) / name).relative_to(root).as_posix()


def _packaged(root: Path, name: str) -> bool:
    path = root / name
    return _packaged_name(name) and not path.is_symlink() and path.is_file()


def _packaged_name(name: str) -> bool:
    """Whether a package path is one the zip takes: no hidden, cache or egg-info parts, not compiled."""
    parts = name.split("/")
    return (parts[0] == PACKAGE and len(parts) > 1 and not any(_skipped(part) for part in parts)
            and not name.endswith((".pyc", ".pyo")))


def _skipped(name: str) -> bool:
    return name.startswith(".") or name == "__pycache__" or name.endswith(".egg-info")
