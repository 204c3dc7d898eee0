"""Designed filters are judged by properties; each property agrees with the filter's real responses (torch)."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.answers.base import FormatError
from grader.answers.designed_filter import KIND, PROPERTIES, DesignedFilterSpec
from grader.solvers import SOLVERS

SPEC = DesignedFilterSpec(kind="designed_filter", size=(3, 3))
BLUR = KIND.expected(SOLVERS["designed_filter_properties"](purpose="blur"), SPEC)
VERTICAL = KIND.expected(SOLVERS["designed_filter_properties"](purpose="vertical_edge"), SPEC)


def _grade(raw: str, properties: tuple[str, ...]):
    reading = KIND.parse(raw, SPEC)
    assert not isinstance(reading, FormatError), reading
    return KIND.grade(reading.value, properties, SPEC)


def test_good_filters_pass() -> None:
    unnormalised = _grade("[[1, 2, 1], [2, 4, 2], [1, 2, 1]] ", BLUR)
    assert unnormalised.score == pytest.approx(2 / 3) and "sum to 16, not 1" in unnormalised.feedback
    assert _grade("[1/16 2/16 1/16; 2/16 4/16 2/16; 1/16 2/16 1/16]", BLUR).correct
    assert _grade("[[1/9, 1/9, 1/9], [1/9, 1/9, 1/9], [1/9, 1/9, 1/9]]", BLUR).correct
    assert _grade("[-1 0 1; -2 0 2; -1 0 1]", VERTICAL).correct
    assert _grade("[-1 0 1; -1 0 1; -1 0 1]", VERTICAL).correct


def test_bad_filters_say_what_is_wrong() -> None:
    identity = _grade("[0 0 0; 0 1 0; 0 0 0]", BLUR)
    assert identity.score == pytest.approx(2 / 3) and "copies the image" in identity.feedback
    horizontal = _grade("[-1 -2 -1; 0 0 0; 1 2 1]", VERTICAL)
    assert horizontal.score == 0.5 and "no response to a vertical edge" in horizontal.feedback
    assert "sum to" in _grade("[1 1 1; 1 1 1; 1 1 1]", VERTICAL).feedback
    wrong_size = KIND.grade(KIND.parse("[1 0; 0 1]", SPEC).value, BLUR, SPEC)
    assert wrong_size.score == 0 and "3×3" in wrong_size.feedback
    assert isinstance(KIND.parse("[1, 2, 3]", SPEC), FormatError)
    assert isinstance(KIND.parse("blur", SPEC), FormatError)


def _response(weights: torch.Tensor, image: torch.Tensor) -> float:
    return float(F.conv2d(image[None, None], weights[None, None]).abs().max())


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 5), st.integers(1, 5), st.data())
def test_properties_agree_with_real_responses(rows: int, columns: int, data: st.DataObject) -> None:
    values = data.draw(st.lists(st.lists(st.integers(-3, 3), min_size=columns, max_size=columns),
                                min_size=rows, max_size=rows))
    weights = torch.tensor(values, dtype=torch.float64)
    grid = [[float(v) for v in row] for row in values]
    flat = torch.full((rows, columns), 7.0, dtype=torch.float64)
    assert (PROPERTIES["sums_to_zero"][1](grid) is None) == (_response(weights, flat) == 0)
    vertical = torch.tensor([[1.0 if 2 * j >= columns else 0.0 for j in range(columns)] for _ in range(rows)],
                            dtype=torch.float64)
    horizontal = torch.tensor([[1.0 if 2 * i >= rows else 0.0] * columns for i in range(rows)], dtype=torch.float64)
    strong, weak = _response(weights, vertical), _response(weights, horizontal)
    detects = PROPERTIES["detects_vertical_edges"][1](grid) is None
    assert detects == (strong > 1e-6 and weak <= 0.25 * strong)
    assert (PROPERTIES["nonnegative"][1](grid) is None) == bool((weights >= 0).all())


def test_validate_rejects_a_mistake_that_is_a_right_filter(tmp_path) -> None:
    from pathlib import Path

    from grader.problems.loader import validate_file

    text = Path("problems/hw004.yaml").read_text(encoding="utf-8")
    start = text.index("        answer: {kind: designed_filter, size: [3, 3]}\n        expected:\n"
                       "          solver: designed_filter_properties\n          args: {purpose: vertical_edge}")
    useless = text[:start] + text[start:].replace(
        "        hint: Weigh the columns left of the centre against the columns right of it.\n",
        "        hint: Weigh the columns left of the centre against the columns right of it.\n"
        "        mistakes:\n          - name: SAME_PURPOSE\n            args: {purpose: vertical_edge}\n"
        "            feedback: never\n", 1)
    path = tmp_path / "hw004.yaml"
    path.write_text(useless, encoding="utf-8")
    errors = [str(error) for error in validate_file(path)]
    assert len(errors) == 1 and "mistake SAME_PURPOSE gives the correct value" in errors[0], errors
