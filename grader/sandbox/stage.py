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
    """Copy the upload's regular files, Python sources first (shallowest first), then the rest; a file that
    would pass the byte budget is skipped, not the end of the copy, so one huge data file never hides the
    code beside it."""
    copied: list[str] = []
    skipped = 0
    total = 0
    for source, relative, size in sorted(_regular_files(submission), key=_staging_order):
        if len(copied) >= max_files or total + size > max_bytes:
            skipped += 1
            continue
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, destination, follow_symlinks=False)
        copied.append(relative)
        total += size
    notes = (f"{skipped} files of the submission were not used (at most {max_files} files and "
             f"{max_bytes // (1024 * 1024)} MB are staged); {len(copied)} files ({total} bytes) were",) if skipped else ()
    return Staged(tuple(sorted(copied)), notes)


def _staging_order(item: tuple[Path, str, int]) -> tuple[bool, int, str]:
    _, relative, _ = item
    return (not relative.endswith(".py"), relative.count("/"), relative)


def _regular_files(submission: Path):
    if not submission.is_dir() or submission.is_symlink():
        return
    for folder, dirs, names in os.walk(submission, followlinks=False):
        base = Path(folder)
        depth = len(base.relative_to(submission).parts)
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and depth < MAX_DEPTH)
        for name in sorted(names):
            path = base / name
            info = path.lstat()
            if stat.S_ISREG(info.st_mode):
                yield path, path.relative_to(submission).as_posix(), info.st_size
