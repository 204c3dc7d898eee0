"""Real answers: input forms, units, and the three comparisons (tolerance, significant figures, magnitude)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from pydantic import ValidationError

from grader.answers.base import FormatError, Reading
from grader.answers.real import KIND, RealSpec, round_significant, same_magnitude

SPEC = RealSpec(kind="real")
MB = RealSpec(kind="real", unit="MB")


def read(raw: object, spec: RealSpec = SPEC) -> Fraction | float:
    reading = KIND.parse(raw, spec)
    assert isinstance(reading, Reading), reading
    return reading.value


def refused(raw: object, spec: RealSpec = SPEC) -> str:
    reading = KIND.parse(raw, spec)
    assert isinstance(reading, FormatError), reading
    return reading.message


@pytest.mark.parametrize("raw", [
    "5.1e6", "5.1E+06", "5.1×10^6", "5.1*10**6", "5.1 x 10^6", "5.1·10⁶", "5.1 × 10⁶", "5 100 000", "5,100,000",
    "51/10 * 10^6", 5.1e6, 5100000, "≈5.1e6", "~5.1e6",
])
def test_accepted_forms(raw: object) -> None:
    assert read(raw) == 5_100_000


def test_fractions_and_approximations() -> None:
    assert read("3/4") == Fraction(3, 4)
    assert read("≈5e6") == read("~5e6") == read("about 5e6") == 5_000_000
    assert read("-2.5e-3") == Fraction(-1, 400)


@pytest.mark.parametrize("raw", ["5.1 MB", "5.1MB", "5.1 mb", "5.1 Mb", "5.1"])
def test_optional_unit_case_insensitive(raw: str) -> None:
    assert read(raw, MB) == Fraction(51, 10)
    assert KIND.parse(raw, MB).shown == "5.1 MB"


def test_another_unit_is_a_format_error_naming_the_expected_one() -> None:
    assert refused("5.1 KB", MB) == "Expected the value in `MB`, but `5.1 KB` is in `KB`."
    assert refused("5.1 MiB", MB) == "Expected the value in `MB`, but `5.1 MiB` is in `MiB`."
    assert refused("5.1 MB", RealSpec(kind="real", unit="B")) == "Expected the value in `B`, but `5.1 MB` is in `MB`."
    assert read("12.5 %", RealSpec(kind="real", unit="%")) == Fraction(25, 2)
    assert read("3 MB/s", RealSpec(kind="real", unit="MB/s")) == 3


def test_a_unit_where_none_is_asked_for() -> None:
    assert refused("5.1 MB") == "Write only the number, without a unit or words: could not read `5.1 MB`."
    assert read("5e6") == 5_000_000  # an exponent is not a unit


@pytest.mark.parametrize("raw, message", [
    (float("inf"), "Could not read `inf` as a number: it is not a finite number."),
    (float("nan"), "Could not read `nan` as a number: it is not a finite number."),
    ("inf", "Could not read `inf` as a number: unknown name 'inf': only numbers and + - * / ^ ( ) are allowed here."),
    (True, "Expected a number, got true."),
    ([1.0], "Expected a number, got a list."),
    ("1,5", "Could not read `1,5` as a number: a comma only separates thousands, in groups of three (1,000,000); "
            "write a decimal point as '.'."),
    ("1e999", "Could not read `1e999` as a number: the number '1e999' is too large or too small."),
])
def test_format_errors(raw: object, message: str) -> None:
    assert refused(raw) == message


def test_tolerance_uses_the_reference_as_scale() -> None:
    spec = RealSpec(kind="real", rtol=0.01)
    assert KIND.grade(Fraction(101), Fraction(100), spec).correct
    assert KIND.grade(Fraction(99), Fraction(100), spec).correct
    assert not KIND.grade(Fraction(10101, 100), Fraction(100), spec).correct
    # np.isclose scales by its second argument: called as isclose(reference, answer) it accepts 101.01.
    assert np.isclose(100, 101.01, rtol=0.01, atol=0)


def test_tolerance_boundary_is_exact() -> None:
    spec = RealSpec(kind="real", rtol=0.1, atol=0.0)
    assert KIND.grade(Fraction(11, 10), Fraction(1), spec).correct
    assert KIND.grade(1.1, 1.0, spec).correct  # 1.1 is read as 11/10, not as its binary neighbour


def test_absolute_tolerance_near_zero() -> None:
    spec = RealSpec(kind="real", rtol=0.0, atol=1e-3)
    assert KIND.grade(Fraction(1, 10000), Fraction(0), spec).correct
    assert not KIND.grade(Fraction(1, 100), Fraction(0), spec).correct
    assert not KIND.grade(Fraction(1, 10**9), Fraction(0), RealSpec(kind="real")).correct


def test_feedback_states_the_rule() -> None:
    verdict = KIND.grade(Fraction(200), Fraction(100), SPEC)
    assert verdict.feedback == "Incorrect (accepted within 1% of the expected value)."
    assert "100" not in verdict.feedback.replace("1%", "")
    spec = RealSpec(kind="real", rtol=0.05, atol=0.5)
    assert KIND.grade(Fraction(100), Fraction(100), spec).feedback == \
        "Correct (accepted within 5% of the expected value plus or minus 0.5)."
    assert "exactly" in KIND.grade(Fraction(1), Fraction(2), RealSpec(kind="real", rtol=0)).feedback


@pytest.mark.parametrize("answer, reference, ok", [
    ("5.12e6", 5123456, True), ("5123000", 5123456, True), ("5.13e6", 5123456, False), ("5.1e6", 5123456, False),
    ("2.35", 2.345, True), ("2.34", 2.345, False), ("-2.35", -2.345, True), ("0.000123", 0.00012345, True),
    ("0", 0, True),
])
def test_significant_figures(answer: str, reference: float, ok: bool) -> None:
    spec = RealSpec(kind="real", compare="sigfigs", sigfigs=3)
    verdict = KIND.grade(read(answer), KIND.expected(reference, spec), spec)
    assert verdict.correct is ok
    assert "3 significant figures" in verdict.feedback


def test_round_significant_is_half_away_from_zero() -> None:
    assert round_significant(Fraction(125), 2) == 130
    assert round_significant(Fraction(-125), 2) == -130
    assert round_significant(Fraction(1, 3), 2) == Fraction(33, 100)
    assert round_significant(Fraction(999), 2) == 1000
    assert round_significant(Fraction(1000), 1) == 1000


@pytest.mark.parametrize("answer, reference, ok", [
    ("3e6", 5e6, True), ("1.5e7", 5e6, True), ("1.6e6", 5e6, True), ("1.6e7", 5e6, False), ("5e7", 5e6, False),
    ("1e6", 5e6, False),
    ("-5e6", 5e6, False), ("-4e6", -5e6, True), ("0", 0, True), ("0", 5e6, False), ("5e6", 0, False),
])
def test_order_of_magnitude(answer: str, reference: float, ok: bool) -> None:
    spec = RealSpec(kind="real", compare="magnitude")
    assert KIND.grade(read(answer), KIND.expected(reference, spec), spec).correct is ok


def test_same_magnitude_handles_huge_exact_values() -> None:
    assert same_magnitude(Fraction(10**400), Fraction(5 * 10**399))
    assert not same_magnitude(Fraction(10**400), Fraction(10**399))


def test_expected_values() -> None:
    assert KIND.expected(np.float64(2.5), SPEC) == 2.5
    assert KIND.expected(3, SPEC) == Fraction(3)
    assert KIND.expected(np.array(1.5), SPEC) == 1.5
    for bad in (True, float("nan"), "1.5", None):
        with pytest.raises(ValueError):
            KIND.expected(bad, SPEC)


def test_show_and_describe() -> None:
    assert KIND.show(Fraction(51, 10), MB) == "5.1 MB"
    assert KIND.show(5.1e20, SPEC) == "5.1e+20"
    assert KIND.show(Fraction(1, 3), SPEC) == "1/3"
    assert "1%" in KIND.describe(SPEC) and "`MB`" in KIND.describe(MB)


def test_spec_defaults_and_validation() -> None:
    assert (SPEC.compare, SPEC.rtol, SPEC.atol, SPEC.sigfigs, SPEC.unit) == ("tolerance", 0.01, 0.0, 3, None)
    for bad in ({"rtol": -1}, {"atol": float("inf")}, {"sigfigs": 0}, {"compare": "close"}, {"tol": 1}):
        with pytest.raises(ValidationError):
            RealSpec(kind="real", **bad)
