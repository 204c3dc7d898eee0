"""What the code and notebook stages hand to the pipeline: plain immutable values.

They live apart from the stages themselves so that grading an answers file alone never imports the code
judge, the sandbox or numpy's comparison machinery (see ``grader.pipeline``).
"""

from __future__ import annotations

from dataclasses import dataclass

from grader.results.model import PartResult


@dataclass(frozen=True)
class CodeResults:
    parts: dict[str, PartResult]
    tests: tuple[PartResult, ...]
    staff_notes: tuple[str, ...]
    notices: tuple[str, ...] = ()


@dataclass(frozen=True)
class NotebookResults:
    parts: dict[str, PartResult]
    notices: tuple[str, ...] = ()
    figures: tuple[tuple[str, bytes], ...] = ()
    staff_notes: tuple[str, ...] = ()


NO_CODE = CodeResults({}, (), ())
NO_NOTEBOOKS = NotebookResults({})
