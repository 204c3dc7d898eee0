"""Write results.json atomically, and the fallback that stands in case grading never finishes."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from grader.results.gradescope import apology_test, dumps

FALLBACK_MESSAGE = ("The autograder did not finish grading this submission (it was stopped or crashed). "
                    "Staff have been notified through the logs; this is not your fault. Please resubmit, "
                    "and contact course staff if this message persists.")


def fallback_results(message: str = FALLBACK_MESSAGE) -> dict[str, Any]:
    return {
        "score": 0.0,
        "execution_time": 0.0,
        "output": message,
        "output_format": "md",
        "test_output_format": "md",
        "test_name_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "extra_data": {"fallback": True},
        "tests": [apology_test(message)],
    }


def write_results(path: Path, results: dict[str, Any]) -> None:
    """Validate and write atomically: a reader never sees half a file, and an invalid dict never lands."""
    write_text_atomic(path, dumps(results))


def write_figures(folder: Path, figures: tuple[tuple[str, bytes], ...]) -> None:
    """A notebook's figures as PNG files for TAs (names were made safe by the notebook runner)."""
    if not figures:
        return
    folder.mkdir(parents=True, exist_ok=True)
    for name, png in figures:
        (folder / Path(name).name).write_bytes(png)


def write_fallback(path: Path) -> None:
    write_text_atomic(path, json.dumps(fallback_results(), allow_nan=False, indent=2) + "\n")


def write_text_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".results-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
