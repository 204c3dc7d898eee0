"""Choice answers: one of the listed options, case-insensitive."""

from __future__ import annotations

import re

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


GROWTH = ChoiceSpec(kind="choice", options=["O(1)", "O(n)", "O(n^2)"],
                    aliases={"O(n)": ["linear", "Θ(n)", "n"], "O(n^2)": ["quadratic", "O(n²)"]})


@pytest.mark.parametrize("raw, option", [
    ("O(n)", "O(n)"), ("o( N )", "O(n)"), ("Linear", "O(n)"), ("θ(n)", "O(n)"), ("n", "O(n)"),
    ("O(n ^ 2)", "O(n^2)"), ("O(n²)", "O(n^2)"), ("QUADRATIC", "O(n^2)"), ("O(1)", "O(1)"),
])
def test_aliases_read_as_their_option(raw: str, option: str) -> None:
    assert KIND.parse(raw, GROWTH) == Reading(value=option, shown=option)
    assert KIND.expected(raw, GROWTH) == option


def test_an_unknown_spelling_lists_the_options_not_the_aliases() -> None:
    reading = KIND.parse("exponential", GROWTH)
    assert isinstance(reading, FormatError)
    assert reading.message == "`exponential` is not one of the options; answer with one of `O(1)`, `O(n)`, `O(n^2)`."


@pytest.mark.parametrize("aliases, message", [
    ({"O(n^3)": ["cubic"]}, "'O(n^3)' is not one of the options"),
    ({"O(n)": ["O(1)"]}, "'O(1)' (for 'O(n)') already stands for 'O(1)'"),
    ({"O(n)": ["linear"], "O(1)": ["LINEAR"]}, "'LINEAR' (for 'O(1)') already stands for 'O(n)'"),
    ({"O(n)": ["  "]}, "an alias of 'O(n)' is empty"),
])
def test_aliases_are_validated(aliases: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)):
        ChoiceSpec(kind="choice", options=["O(1)", "O(n)"], aliases=aliases)


def test_describe_mentions_an_alias() -> None:
    assert KIND.describe(GROWTH) == ("One of `O(1)`, `O(n)`, `O(n^2)` (case and spaces do not matter; other spellings "
                                     "such as `linear` for `O(n)` are read too).")
    assert KIND.describe(SPEC) == "One of `CHW`, `HWC`, `Same padding` (case and spaces do not matter)."
