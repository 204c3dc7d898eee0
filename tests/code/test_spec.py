"""The ``code:`` mapping: what an instructor may write, and the message for what they may not."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from grader.code.spec import MAX_CASES, CodeSpec, CompareSpec, GenerateSpec

MINIMAL = {"file": "cnn.py", "function": "conv_output_size", "signature": ["size"], "cases": [{"size": 3}]}


def _error(**changes) -> str:
    with pytest.raises(ValidationError) as caught:
        CodeSpec.model_validate({**MINIMAL, **changes})
    return str(caught.value)


def test_defaults_of_a_minimal_spec() -> None:
    spec = CodeSpec.model_validate(MINIMAL)
    assert spec.credit == "per_case" and spec.hide_inputs is False and spec.timeout == 5.0
    assert spec.compare == CompareSpec(rtol=1e-6, atol=1e-9) and spec.properties == () and spec.case_count == 1


@pytest.mark.parametrize("path", ["hw/cnn.py", "a-b/c_d.py", "cnn.v2.py"])
def test_relative_python_paths_are_accepted(path: str) -> None:
    assert CodeSpec.model_validate({**MINIMAL, "file": path}).file == path


@pytest.mark.parametrize("path, message", [
    ("/etc/cnn.py", "relative path"),
    ("../cnn.py", "'..' is not allowed"),
    ("hw/../../cnn.py", "'..' is not allowed"),
    ("hw\\cnn.py", "relative path"),
    ("cnn.txt", "ending in '.py'"),
    (".hidden.py", "ending in '.py'"),
    ("hw//cnn.py", "ending in '.py'"),
    ("c n.py", "ending in '.py'"),
])
def test_paths_outside_the_submission_or_not_python_are_refused(path: str, message: str) -> None:
    assert message in _error(file=path)


@pytest.mark.parametrize("name", ["1abc", "conv-size", "class", "__import__", "a.b", ""])
def test_function_must_be_a_plain_identifier(name: str) -> None:
    assert "function" in _error(function=name)


def test_signature_and_properties_names_are_unique_identifiers() -> None:
    assert "repeated: ['size']" in _error(signature=["size", "size"])
    assert "must be identifiers" in _error(signature=["size", "kernel size"])
    assert "repeated: ['iou_symmetric']" in _error(properties=["iou_symmetric", "iou_symmetric"])


def test_case_keys_must_be_identifiers() -> None:
    assert "case 0: argument names must be identifiers" in _error(cases=[{"kernel size": 3}])


def test_some_cases_are_needed_and_at_most_the_cap() -> None:
    assert "needs `cases`, `generate` or both" in _error(cases=[])
    generate = {"generator": "conv_output_size_cases", "seed": 1, "count": MAX_CASES}
    assert f"{MAX_CASES + 1} cases in all" in _error(generate=generate)
    assert CodeSpec.model_validate({**MINIMAL, "cases": [], "generate": generate}).case_count == MAX_CASES


@pytest.mark.parametrize("timeout", [0, -1, 60.5, float("inf"), float("nan"), True, "5"])
def test_timeout_is_a_number_in_zero_to_sixty(timeout) -> None:
    assert "timeout" in _error(timeout=timeout)


def test_timeout_of_sixty_and_integers_are_fine() -> None:
    assert CodeSpec.model_validate({**MINIMAL, "timeout": 60}).timeout == 60.0


@pytest.mark.parametrize("changes", [{"count": 0}, {"count": MAX_CASES + 1}, {"seed": -1}, {"seed": True},
                                     {"seed": "3"}, {"count": 2.0}, {"generator": "has space"}, {"extra": 1}])
def test_generate_spec_fields(changes) -> None:
    with pytest.raises(ValidationError):
        GenerateSpec.model_validate({"generator": "iou_cases", "seed": 1, "count": 10, **changes})


@pytest.mark.parametrize("changes", [{"rtol": -1e-9}, {"atol": float("nan")}, {"rtol": 2.0}, {"atol": True}])
def test_compare_spec_refuses_negative_or_non_finite_tolerances(changes) -> None:
    with pytest.raises(ValidationError):
        CompareSpec.model_validate(changes)


def test_unknown_keys_and_credit_values_are_refused() -> None:
    assert "Extra inputs are not permitted" in _error(tolerance=1)
    assert "per_case" in _error(credit="some")
    assert "hide_inputs" in _error(hide_inputs="yes")


def test_spec_is_immutable() -> None:
    spec = CodeSpec.model_validate(MINIMAL)
    with pytest.raises(ValidationError):
        spec.timeout = 9  # type: ignore[misc]
