"""Property tests: no input makes a parser raise or run long; the arithmetic reader agrees with Fractions."""

from __future__ import annotations

import time
from fractions import Fraction
from typing import Any, Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.answers import KINDS
from grader.answers.arith import ArithError, evaluate, parse_formula
from grader.answers.base import FormatError, Reading

SPECS = {
    "integer": KINDS["integer"].spec_model(kind="integer"),
    "real": KINDS["real"].spec_model(kind="real", unit="MB"),
    "shape": KINDS["shape"].spec_model(kind="shape"),
    "matrix": KINDS["matrix"].spec_model(kind="matrix"),
    "formula": KINDS["formula"].spec_model(kind="formula", variables=["H", "W", "x"]),
    "choice": KINDS["choice"].spec_model(kind="choice", options=["CHW", "HWC"]),
    "designed_filter": KINDS["designed_filter"].spec_model(kind="designed_filter", size=(3, 3)),
    "conv_layer": KINDS["conv_layer"].spec_model(kind="conv_layer"),
}
LIMIT_S = 0.25  # far above the usual microseconds; catches anything that grows with the input
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ARITHMETIC_ALPHABET = (
    "0123456789+-*/^%().,_ eExX×·⋅∗÷−–⁰¹²³⁴⁵⁶⁻⁺½≈~[];\n\u00a0\u2009"
    "HWKfloorceilmaxsqrtlog"
)
arithmetic_text = st.text(alphabet=ARITHMETIC_ALPHABET, max_size=120)
any_text = st.text(max_size=300)
layer_text = st.lists(st.sampled_from(["kernel", "kernel size", "stride", "padding", "no padding", "filters",
                                       "output channels", "k", "s", "p", "=", ":", ",", ";", "and", "of", "x",
                                       "×", "(", ")", ".", "'s", "_", " ", "\n", "0", "1", "10", "1,000",
                                       "99999999", "3.5", "valid"]), max_size=40).map("".join)
json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30) | arithmetic_text,
    lambda children: st.lists(children, max_size=8) | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=60,
)


def timed(function: Callable[..., Any], *args: Any) -> Any:
    start = time.perf_counter()
    result = function(*args)
    assert time.perf_counter() - start < LIMIT_S
    return result


def check_parse(raw: Any) -> None:
    for name, kind in KINDS.items():
        reading = timed(kind.parse, raw, SPECS[name])
        assert isinstance(reading, (Reading, FormatError)), (name, reading)
        if isinstance(reading, Reading):
            assert isinstance(reading.shown, str) and "\n" not in reading.shown
        else:
            assert "Traceback" not in reading.message and len(reading.message) < 600


@FUZZ
@given(any_text)
def test_any_text_is_read_or_refused(raw: str) -> None:
    check_parse(raw)


@FUZZ
@given(arithmetic_text)
def test_arithmetic_looking_text_is_read_or_refused(raw: str) -> None:
    check_parse(raw)


@FUZZ
@given(layer_text)
def test_layer_settings_looking_text_is_read_or_refused(raw: str) -> None:
    check_parse(raw)


@FUZZ
@given(json_like)
def test_any_json_like_value_is_read_or_refused(raw: Any) -> None:
    check_parse(raw)


@FUZZ
@given(st.one_of(any_text, arithmetic_text))
def test_evaluate_returns_a_number_or_an_arith_error(text: str) -> None:
    try:
        result = timed(evaluate, text)
    except ArithError as error:
        assert str(error) and "Traceback" not in str(error)
    else:
        assert isinstance(result, (Fraction, float))


def expressions() -> st.SearchStrategy[tuple[str, Fraction]]:
    """Expression texts together with their exact value, built side by side."""
    leaves = st.integers(-10**6, 10**6).map(lambda n: (f"({n})", Fraction(n)))

    def combine(children: st.SearchStrategy[tuple[str, Fraction]]) -> st.SearchStrategy[tuple[str, Fraction]]:
        def build(left: tuple[str, Fraction], op: str, right: tuple[str, Fraction]) -> tuple[str, Fraction]:
            (a, x), (b, y) = left, right
            if op == "/" and y == 0:
                op = "+"
            value = {"+": x + y, "-": x - y, "*": x * y, "/": x / y if y else x}[op]
            return f"({a} {op} {b})", value
        power = st.tuples(children, st.integers(-3, 3)).filter(lambda item: item[0][1] != 0 or item[1] >= 0) \
            .map(lambda item: (f"({item[0][0]})^{item[1]}", item[0][1] ** item[1]))
        return st.builds(build, children, st.sampled_from("+-*/"), children) | power | \
            children.map(lambda item: (f"floor({item[0]})", Fraction(int(item[1] // 1))))

    return st.recursive(leaves, combine, max_leaves=12)


@FUZZ
@given(expressions())
def test_evaluate_agrees_with_exact_fractions(pair: tuple[str, Fraction]) -> None:
    text, expected = pair
    try:
        assert evaluate(text) == expected
    except ArithError as error:  # only the size cap may refuse an expression of valid arithmetic
        assert "digits" in str(error) or "too large" in str(error) or "nested" in str(error)


@FUZZ
@given(st.integers(-10**39, 10**39))
def test_integers_read_back_from_every_separator_style(number: int) -> None:
    kind, spec = KINDS["integer"], SPECS["integer"]
    sign = "-" if number < 0 else ""
    commas = f"{abs(number):,}"
    for text in (str(number), sign + commas, sign + commas.replace(",", " "), sign + commas.replace(",", "\u202f"),
                 sign + commas.replace(",", "_")):
        reading = kind.parse(text, spec)
        assert isinstance(reading, Reading) and reading.value == number, text
        assert kind.parse(reading.shown, spec).value == number


@FUZZ
@given(st.lists(st.lists(st.integers(-10**6, 10**6) | st.fractions(-10**6, 10**6, max_denominator=50),
                         min_size=2, max_size=2), min_size=1, max_size=5))
def test_matrices_read_back_from_their_shown_text(rows: list[list[Any]]) -> None:
    kind, spec = KINDS["matrix"], SPECS["matrix"]
    value = kind.expected(rows, spec)
    assert kind.parse(kind.show(value, spec), spec).value == value
    matlab = "[" + "; ".join(" ".join(str(entry) for entry in row) for row in rows) + ";]"
    assert kind.parse(matlab, spec).value == value


@FUZZ
@given(st.integers(0, 4).flatmap(lambda n: st.lists(st.integers(0, 10**6), min_size=n, max_size=n)))
def test_shapes_read_back_from_their_shown_text(dims: list[int]) -> None:
    kind, spec = KINDS["shape"], SPECS["shape"]
    reading = kind.parse(str(tuple(dims)), spec)
    assert isinstance(reading, Reading) and reading.value == tuple(dims)
    assert kind.parse(reading.shown, spec).value == tuple(dims)


@FUZZ
@given(arithmetic_text)
def test_formulas_are_read_or_refused_and_evaluate_safely(text: str) -> None:
    try:
        formula = timed(parse_formula, text, ["H", "W"])
    except ArithError:
        return
    try:
        timed(formula.evaluate, {"H": 64, "W": 63})
    except ArithError:
        pass


@pytest.mark.slow
def test_long_fuzz_run(request: pytest.FixtureRequest) -> None:
    if not request.config.getoption("--slow"):
        pytest.skip("run with --slow")
    long = settings(max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    long(given(st.one_of(any_text, arithmetic_text, json_like))(check_parse))()
