"""Choice answers: one of the listed options, case-insensitive."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from grader.answers.base import FormatError, Reading
from grader.answers.choice import KIND, ChoiceSpec

SPEC = ChoiceSpec(kind="choice", options=["CHW", "HWC", "Same padding"])


@pytest.mark.parametrize("raw, option", [
    ("CHW", "CHW"), ("chw", "CHW"), ("  hwc \n", "HWC"), ("same  PADDING", "Same padding"), ("ＣＨＷ", "CHW"),
])
def test_matches_ignore_case_and_spacing(raw: str, option: str) -> None:
    reading = KIND.parse(raw, SPEC)
    assert reading == Reading(value=option, shown=option)


@pytest.mark.parametrize("raw, message", [
    ("NCHW", "`NCHW` is not one of the options; answer with one of `CHW`, `HWC`, `Same padding`."),
    ("", "The answer is empty; answer with one of `CHW`, `HWC`, `Same padding`."),
    (["CHW"], "Expected one of the options (`CHW`, `HWC`, `Same padding`), got a list."),
    (None, "Expected one of the options (`CHW`, `HWC`, `Same padding`), got nothing."),
])
def test_format_errors(raw: object, message: str) -> None:
    reading = KIND.parse(raw, SPEC)
    assert isinstance(reading, FormatError) and reading.message == message


def test_numbers_and_booleans_from_json_are_read_as_text() -> None:
    spec = ChoiceSpec(kind="choice", options=["1", "2", "true", "false"])
    assert KIND.parse(2, spec).value == "2"
    assert KIND.parse(True, spec).value == "true"


def test_grade_is_exact() -> None:
    assert KIND.grade("CHW", "CHW", SPEC).correct
    verdict = KIND.grade("HWC", "CHW", SPEC)
    assert (verdict.score, verdict.note, verdict.feedback) == (0.0, "WRONG", "Incorrect choice.")


def test_expected_must_be_an_option() -> None:
    assert KIND.expected("chw", SPEC) == "CHW"
    for bad in ("NCHW", 1, None):
        with pytest.raises(ValueError):
            KIND.expected(bad, SPEC)


def test_options_are_validated() -> None:
    for options in (["A"], ["A", "a"], ["A", " a "], ["A", ""], []):
        with pytest.raises(ValidationError):
            ChoiceSpec(kind="choice", options=options)
    assert KIND.show("CHW", SPEC) == "CHW"
    assert "`HWC`" in KIND.describe(SPEC)
