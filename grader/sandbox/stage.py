"""Copy a submission into the child's private folder: regular files only, bounded in count and size.

Links are never followed (a link to /autograder/source would otherwise copy the answer key in), hidden and
tool folders are skipped, and the copy is what the child sees: the upload itself stays untouched.
"""

from __future__ import annotations

import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

SKIPPED_DIRS = {"__MACOSX", ".git", "__pycache__", ".ipynb_checkpoints"}
MAX_DEPTH = 8


@dataclass(frozen=True)
class Staged:
    files: tuple[str, ...]
    notes: tuple[str, ...]


def stage_submission(submission: Path, target: Path, *, max_files: int, max_bytes: int) -> Staged:
    copied: list[str] = []
    notes: list[str] = []
    total = 0
    for source, relative in _regular_files(submission):
        size = source.lstat().st_size
        if len(copied) >= max_files or total + size > max_bytes:
            notes.append(f"only the first {len(copied)} files ({total} bytes) of the submission were used")
            break
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, destination, follow_symlinks=False)
        copied.append(relative)
        total += size
    return Staged(tuple(copied), tuple(notes))


def _regular_files(submission: Path):
    if not submission.is_dir() or submission.is_symlink():
        return
    for folder, dirs, names in os.walk(submission, followlinks=False):
        base = Path(folder)
        depth = len(base.relative_to(submission).parts)
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and depth < MAX_DEPTH)
        for name in sorted(names):
            path = base / name
            if stat.S_ISREG(path.lstat().st_mode):
                yield path, path.relative_to(submission).as_posix()


def find_file(files: tuple[str, ...], wanted: str) -> str | None:
    """The staged file for ``wanted`` (e.g. ``cnn.py``): the exact path, else the shallowest file of that
    name anywhere (students upload folders), else a case-insensitive match."""
    if wanted in files:
        return wanted
    name = wanted.rsplit("/", 1)[-1]
    for matches in ([f for f in files if f.rsplit("/", 1)[-1] == name],
                    [f for f in files if f.rsplit("/", 1)[-1].lower() == name.lower()]):
        if matches:
            return min(matches, key=lambda f: (f.count("/"), f))
    return None
