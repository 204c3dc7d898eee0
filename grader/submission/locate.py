"""Find the answers file in a submission folder, however the student nested or named it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from grader.text import code

ANSWER_NAMES = ("answers.yaml", "answers.yml", "answers.json")
MAX_ENTRIES = 5_000
MAX_DEPTH = 6
IGNORED_DIRS = {"__MACOSX", ".git", "__pycache__", ".ipynb_checkpoints"}
LOOKALIKE_SUFFIXES = (".yaml", ".yml", ".json", ".txt")


@dataclass(frozen=True)
class Found:
    path: Path
    shown: str


@dataclass(frozen=True)
class NotFound:
    message: str


def find_answers_file(submission: Path) -> Found | NotFound:
    files = list(_files(submission))
    matches = [path for path in files if path.name.lower() in ANSWER_NAMES]
    if len(matches) > 1:
        listed = ", ".join(code(_rel(path, submission), 120) for path in sorted(matches))
        return NotFound(f"Your submission has several answers files ({listed}). Keep exactly one and resubmit.")
    if matches:
        path = matches[0]
        if path.is_symlink():
            return NotFound(f"{code(_rel(path, submission), 120)} is a symbolic link; upload the file itself.")
        if not path.is_file():  # a FIFO or a device would block the reader forever
            return NotFound(f"{code(_rel(path, submission), 120)} is not a regular file; upload a text file.")
        return Found(path=path, shown=_rel(path, submission))
    return NotFound(_missing_message(files, submission))


def _missing_message(files: list[Path], submission: Path) -> str:
    lookalikes = [path for path in files if path.suffix.lower() in LOOKALIKE_SUFFIXES and "answer" in path.name.lower()]
    if lookalikes:
        names = ", ".join(code(_rel(path, submission), 120) for path in sorted(lookalikes)[:5])
        return (f"No file named answers.yaml, answers.yml or answers.json was found, but {names} looks like one: "
                "rename it to `answers.yaml` (or `answers.json`) and resubmit.")
    if not files:
        return "Your submission is empty. Upload your answers as `answers.yaml` (the template is on the course page)."
    names = ", ".join(code(_rel(path, submission), 120) for path in sorted(files)[:5])
    return (f"No answers file was found (your submission has {names}"
            f"{', ...' if len(files) > 5 else ''}). Upload your answers as `answers.yaml`.")


def _files(submission: Path):
    """Files and links under the folder (hidden ones skipped), bounded in count and depth."""
    count = 0
    for folder, dirs, names in os.walk(submission, followlinks=False):
        depth = len(Path(folder).relative_to(submission).parts)
        dirs[:] = sorted(d for d in dirs if d not in IGNORED_DIRS and not d.startswith(".") and depth < MAX_DEPTH)
        for name in sorted(n for n in names if not n.startswith(".")):
            count += 1
            if count > MAX_ENTRIES:
                return
            yield Path(folder) / name


def _rel(path: Path, submission: Path) -> str:
    return path.relative_to(submission).as_posix()
