"""The registry of kinds and the discriminated union; every kind passes a correct / incorrect / invalid example."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from grader.answers import (KINDS, AnswerSpec, ChoiceSpec, ConvLayerSpec, DesignedFilterSpec, FormulaSpec, IntegerSpec, MatrixSpec,
                            RealSpec, ShapeSpec)
from grader.answers.base import FormatError, Kind, Reading, SpecModel

SPECS = TypeAdapter(AnswerSpec)

# kind: (spec, solver value, correct answer, incorrect answer, invalid answer)
EXAMPLES: dict[str, tuple[dict[str, Any], Any, Any, Any, Any]] = {
    "integer": ({"kind": "integer"}, 11329414656, "11,329,414,656", "11,329,414,657", "1,5"),
    "real": ({"kind": "real", "rtol": 0.05, "unit": "MB"}, 5.12, "5.1 MB", "6 MB", "5.1 KB"),
    "shape": ({"kind": "shape"}, (46, 62, 20), "46x62x20", "(62, 46, 20)", "(46, 62"),
    "matrix": ({"kind": "matrix"}, [[1, 0], [-1, 4]], "[1 0; -1 4]", "[1 -1; 0 4]", "[[1, 0], [-1]]"),
    "formula": ({"kind": "formula", "variables": ["H", "K"]}, "H - K + 1", "1 + H - K", "H - K", "H - Q"),
    "choice": ({"kind": "choice", "options": ["CHW", "HWC"]}, "CHW", "chw", "HWC", "NCHW"),
    "designed_filter": ({"kind": "designed_filter", "size": [3, 3]}, ["sums_to_zero", "detects_vertical_edges"],
                        "[-1 0 1; -2 0 2; -1 0 1]", "[1 1 1; 1 1 1; 1 1 1]", "[1 0 1]"),
    "conv_layer": ({"kind": "conv_layer"}, {"height": 100, "width": 100, "in_channels": 1, "features": 1000,
                                            "patch": 10},
                   "kernel 10x10, stride 10, padding 0, 1000 filters", "kernel 3, stride 1, padding 1, 7 filters",
                   "kernel 3, stride 1"),
}


def test_registry_holds_the_eight_kinds_by_name() -> None:
    assert list(KINDS) == ["integer", "real", "shape", "matrix", "formula", "choice", "designed_filter", "conv_layer"]
    for name, kind in KINDS.items():
        assert isinstance(kind, Kind) and kind.name == name
        assert issubclass(kind.spec_model, SpecModel)


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_every_kind_reads_grades_and_refuses(name: str) -> None:
    data, solver_value, correct, incorrect, invalid = EXAMPLES[name]
    kind, spec = KINDS[name], SPECS.validate_python(data)
    assert isinstance(spec, kind.spec_model)
    reference = kind.expected(solver_value, spec)

    right = kind.parse(correct, spec)
    assert isinstance(right, Reading)
    assert kind.grade(right.value, reference, spec).correct

    wrong = kind.parse(incorrect, spec)
    assert isinstance(wrong, Reading)
    verdict = kind.grade(wrong.value, reference, spec)
    assert not verdict.correct and verdict.score == 0.0

    assert isinstance(kind.parse(invalid, spec), FormatError)
    shown = kind.parse(kind.show(reference, spec), spec)
    assert kind.grade(shown.value, reference, spec).correct
    assert kind.grade(kind.example(reference, spec), reference, spec).correct
    assert kind.describe(spec).endswith(".")


def test_union_dispatches_on_kind() -> None:
    expected = {"integer": IntegerSpec, "real": RealSpec, "shape": ShapeSpec, "matrix": MatrixSpec,
                "formula": FormulaSpec, "choice": ChoiceSpec, "designed_filter": DesignedFilterSpec,
                "conv_layer": ConvLayerSpec}
    for name, (data, *_rest) in EXAMPLES.items():
        assert type(SPECS.validate_python(data)) is expected[name]


@pytest.mark.parametrize("data", [
    {"kind": "number"}, {"kind": "integer", "rtol": 0.1}, {}, {"kind": "formula"}, {"kind": "choice", "options": ["a"]},
])
def test_union_rejects_unknown_kinds_and_keys(data: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        SPECS.validate_python(data)


def test_specs_are_immutable() -> None:
    spec = SPECS.validate_python({"kind": "real"})
    with pytest.raises(ValidationError):
        spec.rtol = 0.5  # type: ignore[misc]


def _nested(depth: int) -> list:
    value: list = [1]
    for _ in range(depth):
        value = [value]
    return value


class Hostile:
    def __str__(self) -> str:
        raise RuntimeError("no")

    __repr__ = __str__


HOSTILE = [
    10**5000, -(10**5000), [10**5000], [[10**5000, 1]], {"a": 10**5000}, _nested(500), Hostile(), [Hostile()],
    "\x00", "`rm -rf`", "1" * 100_000, ["1"] * 100_000, float("-inf"), b"42", (1, 2),
]


@pytest.mark.parametrize("raw", HOSTILE, ids=[f"hostile{index}" for index in range(len(HOSTILE))])
def test_hostile_raw_values_are_format_errors_or_readings(raw: Any) -> None:
    for name, (data, *_rest) in EXAMPLES.items():
        reading = KINDS[name].parse(raw, SPECS.validate_python(data))
        assert isinstance(reading, (Reading, FormatError))
        if isinstance(reading, FormatError):
            assert len(reading.message) < 600
