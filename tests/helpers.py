"""Shared by the tests: checking any results.json against Gradescope's field list, strictly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from grader.results.gradescope import GradescopeResults


def load_valid_results(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    data = json.loads(text, parse_constant=_refuse)
    GradescopeResults.model_validate(data)
    return data


def _refuse(name: str) -> None:
    raise AssertionError(f"results.json contains {name}, which is not strict JSON")


def scaled(examples: int) -> int:
    """Hypothesis examples for a property test: the normal count, or ten times more with ``pytest --slow``."""
    import os

    return examples * int(os.environ.get("GRADER_HYPOTHESIS_SCALE", "1"))
