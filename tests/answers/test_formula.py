"""Formula answers: equivalence at seeded random points, declared variables only."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from grader.answers.arith import Formula
from grader.answers.base import FormatError, Reading
from grader.answers.formula import KIND, FormulaSpec

SPEC = FormulaSpec(kind="formula", variables=["N", "K", "S", "P"])
OUT = "floor((N + 2*P - K)/S) + 1"


def read(raw: object, spec: FormulaSpec = SPEC) -> Formula:
    reading = KIND.parse(raw, spec)
    assert isinstance(reading, Reading), reading
    return reading.value


def refused(raw: object, spec: FormulaSpec = SPEC) -> str:
    reading = KIND.parse(raw, spec)
    assert isinstance(reading, FormatError), reading
    return reading.message


def judge(answer: str, reference: str, spec: FormulaSpec = SPEC) -> bool:
    return KIND.grade(read(answer, spec), KIND.expected(reference, spec), spec).correct


@pytest.mark.parametrize("answer, reference", [
    ("floor((N - K)/S) + 1", "floor((N - K + S)/S)"),
    ("ceil((N - K + 1)/S)", "floor((N - K)/S) + 1"),
    ("floor((N + 2P - K)/S) + 1".replace("2P", "2*P"), OUT),
    ("floor((N+2·P−K)/S)+1", OUT),
    ("floor((N + 2×P - K)/S) + 1", OUT),
    ("max(N, K)", "(N + K + abs(N - K))/2"),
    ("min(N, K)", "-max(-N, -K)"),
    ("min(N, K, S)", "min(min(N, K), S)"),
    ("N*K", "K*N"),
    ("N^2", "N*N"),
    ("N²", "N**2"),
    ("(N + K)^2", "N^2 + 2*N*K + K^2"),
    ("sqrt(N)*sqrt(N)", "N"),
    ("log(N^3)", "3*log(N)"),
    ("N/2", "0.5*N"),
    ("1/(N - K)", "1/(N - K)"),
])
def test_equivalent_forms(answer: str, reference: str) -> None:
    assert judge(answer, reference)


@pytest.mark.parametrize("answer, reference", [
    ("(N - K)/S + 1", "floor((N - K)/S) + 1"),
    ("floor((N - K)/S)", "floor((N - K)/S) + 1"),
    ("floor((N + P - K)/S) + 1", OUT),
    ("N + 1e-6", "N"),
    ("max(N, K) - 1", "max(N, K)"),
])
def test_different_formulas(answer: str, reference: str) -> None:
    assert not judge(answer, reference)


def test_counterexample_feedback_does_not_reveal_the_expected_value() -> None:
    verdict = KIND.grade(read("N + K"), KIND.expected("N + K + 1", SPEC), SPEC)
    assert (verdict.score, verdict.note) == (0.0, "WRONG")
    assert verdict.feedback.startswith("Incorrect: at N = ")
    assert "your formula gives" in verdict.feedback and "not the expected value" in verdict.feedback


def test_student_formula_undefined_where_the_reference_is_defined() -> None:
    verdict = KIND.grade(read("N/(K - K)"), KIND.expected("N", SPEC), SPEC)
    assert not verdict.correct and "undefined" in verdict.feedback


def test_student_formula_that_is_too_large_is_wrong_not_a_crash() -> None:
    assert not judge("N^N^N", "N")


def test_points_are_deterministic_and_redrawn_where_the_reference_is_undefined() -> None:
    spec = FormulaSpec(kind="formula", variables=["N", "K"], low=1, high=3, trials=20, seed=7)
    verdict = KIND.grade(read("1/(N - K)", spec), KIND.expected("1/(N - K)", spec), spec)
    assert verdict.correct and "20 test points" in verdict.feedback
    first = KIND.grade(read("N", spec), KIND.expected("K", spec), spec)
    assert first == KIND.grade(read("N", spec), KIND.expected("K", spec), spec)


def test_a_reference_undefined_everywhere_is_refused_at_load_time() -> None:
    with pytest.raises(ValueError, match="undefined at every trial point"):
        KIND.expected("1/(N - N)", SPEC)


@pytest.mark.parametrize("raw, message", [
    ("N*Q", "Could not read `N*Q` as a formula: unknown name 'Q' (you can use N, K, S, P)."),
    ("2N", "Could not read `2N` as a formula: write every product with '*' (write 2*H, not 2H)."),
    ("N(K+1)", "Could not read `N(K+1)` as a formula: 'N' is not a function: write N*(...) for a product."),
    ("exp(N)", "Could not read `exp(N)` as a formula: unknown function 'exp' (you can use floor, ceil, min, max, "
               "sqrt, log, abs)."),
    ("", "The answer is empty; expected a formula in `N`, `K`, `S`, `P`."),
    (True, "Expected a formula in `N`, `K`, `S`, `P`, got true."),
    (["N"], "Expected a formula in `N`, `K`, `S`, `P`, got a list."),
    ("N.__class__", "Could not read `N.__class__` as a formula: '.' (attribute access) is not allowed."),
])
def test_format_errors(raw: object, message: str) -> None:
    assert refused(raw) == message


def test_multi_letter_variables() -> None:
    spec = FormulaSpec(kind="formula", variables=["Cin", "Cout", "k"])
    assert judge("(k*k*Cin + 1)*Cout", "k^2*Cin*Cout + Cout", spec)
    assert not judge("k*k*Cin*Cout", "(k*k*Cin + 1)*Cout", spec)


def test_a_constant_is_a_formula() -> None:
    assert read(5).text == "5"


def test_expected_show_and_describe() -> None:
    formula = KIND.expected("floor((N-K)/S)+1", SPEC)
    assert KIND.show(formula, SPEC) == "floor((N - K) / S) + 1"
    assert KIND.parse(KIND.show(formula, SPEC), SPEC).value == formula
    assert KIND.expected(formula, SPEC) is formula
    with pytest.raises(ValueError):
        KIND.expected("N +", SPEC)
    with pytest.raises(ValueError):
        KIND.expected("N * Q", SPEC)
    assert "`N`, `K`, `S`, `P`" in KIND.describe(SPEC)


def test_spec_validation() -> None:
    assert (SPEC.trials, SPEC.low, SPEC.high, SPEC.seed) == (40, 1, 64, 0)
    for bad in ({"variables": []}, {"variables": ["N", "N"]}, {"variables": ["2N"]}, {"variables": ["floor"]},
                {"variables": ["lambda"]}, {"variables": ["N"], "low": 5, "high": 2},
                {"variables": ["N"], "trials": 0}, {"variables": ["N"], "other": 1}):
        with pytest.raises(ValidationError):
            FormulaSpec(kind="formula", **bad)
    with pytest.raises(ValidationError):
        FormulaSpec(kind="formula")


def test_floats_compare_with_huge_exact_values_without_overflow() -> None:
    spec = FormulaSpec(kind="formula", variables=["N"], low=60, high=64)
    assert not judge("sqrt(N)", "2^(N*20)", spec)
    assert judge("2^(N*20)", "4^(N*10)", spec)


MOMENTS = FormulaSpec(kind="formula", variables=["n", "k", "sigma_x", "sigma_g"],
                      aliases={"sigma_x": ["σ_x", "σx"], "sigma_g": ["σ_g", "σg"]})


@pytest.mark.parametrize("raw", [
    "(n - k + 1)^2*σ_x^2*σ_g^2", "(n-k+1)²·σ_x²·σ_g²", "(n - k + 1)^2*σₓ^2*σ_g^2", "(n-k+1)^2*sigma_x^2*σg^2",
    "(σ_x*σ_g*(n - k + 1))^2", "sqrt((n-k+1)^4*σ_x^4*σ_g^4)",
])
def test_aliases_read_as_the_variables_they_stand_for(raw: str) -> None:
    reading = KIND.parse(raw, MOMENTS)
    assert isinstance(reading, Reading) and "σ" not in reading.shown
    assert reading.value.variables == ("n", "k", "sigma_x", "sigma_g")
    reference = KIND.expected("(n - k + 1)^2*sigma_x^2*sigma_g^2", MOMENTS)
    assert KIND.grade(reading.value, reference, MOMENTS).correct


def test_an_unknown_name_lists_the_aliases_too() -> None:
    reading = KIND.parse("m^2*σ_x^2*σ_g^2", MOMENTS)
    assert isinstance(reading, FormatError)
    assert "unknown name 'm' (you can use n, k, sigma_x, sigma_g, σ_x, σx, σ_g, σg)" in reading.message
    assert "`sigma_x` (or `σ_x` `σx`)" in KIND.describe(MOMENTS)


@pytest.mark.parametrize("aliases, message", [
    ({"mu": ["μ"]}, "'mu' is not a declared variable"),
    ({"sigma_x": ["n"]}, "'n' is a variable or another alias already"),
    ({"sigma_x": ["s"], "sigma_g": ["s"]}, "'s' is a variable or another alias already"),
    ({"sigma_x": ["σ x"]}, "'σ x' cannot be a name in a formula"),
    ({"sigma_x": ["sqrt"]}, "'sqrt' cannot be a name in a formula"),
])
def test_aliases_are_validated(aliases: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)):
        FormulaSpec(kind="formula", variables=["n", "k", "sigma_x", "sigma_g"], aliases=aliases)
