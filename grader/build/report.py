"""What building and checking a zip report, and the constants both share."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Collection

SCRIPTS = ("run_autograder", "setup.sh")
ROOT_FILES = ("README.md", "pyproject.toml", "run_autograder", "setup.sh")
PACKAGE = "grader"
PROBLEMS = "problems"
BUILD_INFO = "BUILD_INFO.json"
"""At the zip root: the commit the zip was built from and whether it was dirty (informational: nothing reads
it when grading)."""
REQUIRED = (*ROOT_FILES, f"{PACKAGE}/__init__.py", f"{PACKAGE}/__main__.py", f"{PACKAGE}/cli.py")
SOURCE_ROOT = Path(__file__).resolve().parents[2]
"""The checkout (or unpacked source) this package sits in: where the zip's files come from."""

FIXED_TIME = (1980, 1, 1, 0, 0, 0)
EXECUTABLE, REGULAR = 0o755, 0o644
UNIX = 3
SAFE_PATH = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./+-]*")
"""Zip paths we write: safe inside the double quotes of ``PROBLEM_SET="..."`` and in any shell."""
PROBLEM_SET_LINE = re.compile(r"^PROBLEM_SET=(.*)$", re.MULTILINE)
FALLBACK = re.compile(r"<<\s*'?JSON'?\n(.*?)\nJSON$", re.MULTILINE | re.DOTALL)
VENV_PYTHON = re.compile(r"\$\{GRADER_VENV:-[^}]+\}/bin/python3?")
GRADESCOPE_ARGS = ["-m", "grader", "gradescope", "--root", "/autograder",
                   "--problems", "/autograder/source/$PROBLEM_SET"]
OUTPUT_TAIL = 4000

METADATA = {
    "id": 123456789,
    "created_at": "2024-03-01T12:00:00.000000-08:00",
    "assignment": {"id": 424242, "title": "autograder check", "due_date": "2024-03-08T23:59:00.000000-08:00",
                   "late_due_date": None, "release_date": "2024-02-23T00:00:00.000000-08:00",
                   "total_points": "100.0", "group_size": None, "group_submission": False, "course_id": 4242},
    "submission_method": "upload",
    "users": [{"email": "student@example.edu", "id": 1001, "name": "A Student", "sid": "S1001"}],
    "previous_submissions": [],
}
"""A plausible, on-time Gradescope submission_metadata.json for the check's runs."""



class BuildError(Exception):
    """The input cannot be packaged or checked (an invalid problem file, a missing source file, not a zip):
    the CLI reports ``errors`` and exits 2."""

    def __init__(self, errors: Collection[str]):
        self.errors = tuple(errors)
        super().__init__("\n".join(self.errors))


@dataclass(frozen=True)
class Check:
    """One thing verified: what, whether it held, and why not (or what was seen)."""

    what: str
    passed: bool
    detail: str = ""

    def lines(self) -> list[str]:
        head = f"{'ok  ' if self.passed else 'FAIL'} {self.what}"
        return [head, *(f"       {line}" for line in self.detail.splitlines())]


@dataclass(frozen=True)
class BuildReport:
    zip_path: Path
    problem_set_id: str
    problem_path: str
    """The problem file's path inside the zip (what ``PROBLEM_SET`` names)."""
    entries: tuple[str, ...]
    size: int
    sha256: str
    notes: tuple[str, ...] = ()
    commit: str | None = None
    """HEAD of the git work tree the files were checked against (None when they could not be)."""
    dirty: bool | None = None
    """Whether the zip holds uncommitted changes (built with allow_dirty); None when not checked."""

    @property
    def _state(self) -> str:
        return "with uncommitted changes" if self.dirty else "clean"

    @property
    def ok(self) -> bool:
        return True  # a build either writes a zip or raises BuildError

    def lines(self) -> list[str]:
        problems = [name for name in self.entries if name.startswith(f"{PROBLEMS}/")]
        return [f"wrote {self.zip_path}: {len(self.entries)} files, {self.size / 1024:.1f} KiB, "
                f"sha256 {self.sha256[:16]}",
                f"  problem set {self.problem_set_id}: run_autograder grades {self.problem_path}",
                f"  from {PROBLEMS}/: {', '.join(problems)}",
                *([f"  built from commit {self.commit} ({self._state})"] if self.commit else []),
                *(f"  note: {note}" for note in self.notes)]


@dataclass(frozen=True)
class CheckReport:
    zip_path: Path
    problem_set_id: str
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(check.passed for check in self.checks)

    @property
    def failures(self) -> tuple[Check, ...]:
        return tuple(check for check in self.checks if not check.passed)

    def lines(self) -> list[str]:
        lines = [f"check of {self.zip_path} for problem set {self.problem_set_id}:"]
        for check in self.checks:
            lines += check.lines()
        verdict = ("ready to upload" if self.ok else
                   f"{len(self.failures)} of {len(self.checks)} checks failed: do not upload it")
        return [*lines, f"{self.zip_path}: {verdict}"]


