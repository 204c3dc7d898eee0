"""The shared safe arithmetic reader: accepted forms, refusals, caps, exactness."""

from __future__ import annotations

import time
from fractions import Fraction

import pytest

from grader.answers.arith import MAX_LENGTH, ArithError, Formula, evaluate, normalize, parse_formula

# Generous on purpose: a refused bomb takes milliseconds, a computed one minutes; CI machines are busy.
BOMB_LIMIT_S = 0.25


def value(text: str, **variables: int) -> Fraction | float:
    return evaluate(text, variables={name: Fraction(number) for name, number in variables.items()})


def error(text: str, **variables: int) -> str:
    with pytest.raises(ArithError) as caught:
        value(text, **variables)
    return str(caught.value)


@pytest.mark.parametrize("text, expected", [
    ("11329414656", 11329414656),
    ("11,329,414,656", 11329414656),
    ("11 329 414 656", 11329414656),
    ("11\u00a0329\u00a0414\u00a0656", 11329414656),  # no-break spaces
    ("11\u2009329\u2009414\u2009656", 11329414656),  # thin spaces
    ("11\u202f329\u202f414\u202f656", 11329414656),  # narrow no-break spaces
    ("11_329_414_656", 11329414656),
    ("1,234.5", Fraction(2469, 2)),
    ("+5", 5), ("-5", -5), ("\u22125", -5), ("\u20135", -5),
    ("1.1329414656e10", 11329414656),
    ("3*3*10*20 + 20", 1820),
    ("5×5×3", 75), ("5·5·3", 75), ("5⋅5⋅3", 75), ("5∗5∗3", 75), ("10÷4", Fraction(5, 2)),
    ("5.1e6", 5100000), ("5.1E+06", 5100000), ("5.1×10^6", 5100000), ("5.1*10**6", 5100000),
    ("5.1 x 10^6", 5100000), ("5.1x10^6", 5100000), ("5.1·10⁶", 5100000), ("5 × 10⁻³", Fraction(1, 200)),
    ("≈5e6", 5000000), ("~5e6", 5000000), ("about 5e6", 5000000), ("≈ 5.1 x 10^6", 5100000),
    ("3/4", Fraction(3, 4)), ("0.1 + 0.2", Fraction(3, 10)), ("7 // 2", 3), ("7 % 4", 3),
    ("2^3^2", 512), ("-2^2", -4), ("2**-2", Fraction(1, 4)), ("10²", 100), ("1½", Fraction(3, 2)),
    ("007", 7), ("(((1)))", 1), ("\n 42 \n", 42), ("１２", 12),
])
def test_accepted_forms_are_exact(text: str, expected: int | Fraction) -> None:
    result = value(text)
    assert isinstance(result, Fraction)
    assert result == expected


def test_scientific_literal_is_read_from_its_text_not_through_a_float() -> None:
    assert value("1.1329414656e10") == Fraction(11329414656)
    assert value("0.1") == Fraction(1, 10)
    assert value("123456789012345678901234567890.5") == Fraction(246913578024691357802469135781, 2)


@pytest.mark.parametrize("text", ["1,5", "1,00", "12,34,567", "1,0000", "3*1,5"])
def test_a_comma_not_in_strict_groups_of_three_is_ambiguous(text: str) -> None:
    assert "groups of three" in error(text)


def test_a_comma_inside_brackets_separates_arguments() -> None:
    assert value("max(1,5)") == 5
    assert value("min(10,200)") == 10


def test_several_numbers_separated_by_commas_are_refused() -> None:
    assert "one number" in error("1, 5")


@pytest.mark.parametrize("text", ["1 000 00", "2 3", "1 0000", "12 34"])
def test_spaces_inside_a_number_only_in_groups_of_three(text: str) -> None:
    assert "groups of three" in error(text)


def test_underscores_follow_python() -> None:
    assert value("1_000") == 1000
    error("1__000")
    error("1000_")


def test_superscripts_are_translated_before_unicode_normalisation() -> None:
    # NFKC alone would read 5×10⁶ as 5×106 = 530.
    assert normalize("5×10⁶") == "5*10**(6)"
    assert value("5×10⁶") == 5_000_000
    assert value("10⁻³") == Fraction(1, 1000)
    assert value("2⁺³") == 8


def test_normalize_rewrites_signs_and_approximations() -> None:
    assert normalize("≈ 5.1 x 10^6") == "5.1*10**6"
    assert normalize("\u22123 ÷ 4") == "-3 / 4"
    assert normalize("3 x 3 x C", variables=("C",)) == "3*3 * C"
    assert normalize("2 x 3", variables=("x",)) == "2 x 3"


def test_x_is_a_variable_when_declared() -> None:
    formula = parse_formula("2*x + 1", ["x"])
    assert formula.evaluate({"x": 3}) == 7
    assert "write 2*H, not 2H" in str(_formula_error("2x", ["x"]))


def _formula_error(text: str, variables: list[str]) -> ArithError:
    with pytest.raises(ArithError) as caught:
        parse_formula(text, variables)
    return caught.value


@pytest.mark.parametrize("text, expected", [
    ("floor(7/2)", 3), ("ceil(7/2)", 4), ("floor(-7/2)", -4), ("min(3, 1, 2)", 1), ("max(3, 1, 2)", 3), ("max(3)", 3),
    ("abs(-4)", 4), ("sqrt(16)", 4), ("sqrt(9/4)", Fraction(3, 2)), ("log(8, 2)", 3), ("log(1/8, 2)", -3),
    ("log(125, 5)", 3),
])
def test_functions_stay_exact_where_they_can(text: str, expected: int | Fraction) -> None:
    result = value(text)
    assert isinstance(result, Fraction) and result == expected


def test_sqrt_and_log_fall_back_to_float() -> None:
    assert value("sqrt(2)") == pytest.approx(2 ** 0.5)
    assert isinstance(value("sqrt(2)"), float)
    assert value("log(10)") == pytest.approx(2.302585092994046)
    assert value("8**(1/3)") == pytest.approx(2.0)


@pytest.mark.parametrize("text", [
    "9**9**9", "4000000**4000000", "2**2**2**2**2**2", "10**10**10", "(10**400)**(10**400)", "2^9999999",
    "(1/3)**100000", "99999999999999999999**99999999999999999999", "2.5**(10**300)", "7**-99999999",
])
def test_power_bombs_are_refused_in_microseconds(text: str) -> None:
    start = time.perf_counter()
    with pytest.raises(ArithError):
        value(text)
    assert time.perf_counter() - start < BOMB_LIMIT_S


def test_trivial_powers_with_huge_exponents_are_fine() -> None:
    assert value("1**(10**300)") == 1
    assert value("(-1)**(10**300 + 1)") == -1
    assert value("0**(10**300)") == 0


def test_integer_size_is_capped_at_about_400_digits() -> None:
    assert value("10**400") == 10**400
    assert "400 digits" in error("10**400 * 10")
    assert "too large" in error("1e500")
    assert "too large" in error("10**401")


@pytest.mark.parametrize("text, message", [
    ("1/0", "division by zero"), ("5 % 0", "division by zero"), ("5 // 0", "division by zero"),
    ("0**-1", "division by zero"), ("sqrt(2) * 1e308 * 10", "too large"), ("sqrt(-1)", "negative"),
    ("(-8)**(1/3)", "no real value"), ("log(0)", "not positive"), ("log(8, 1)", "base 1"),
])
def test_arithmetic_failures_are_arith_errors(text: str, message: str) -> None:
    assert message in error(text)


@pytest.mark.parametrize("text, message", [
    ("__import__('os').system('true')", "'.'"),
    ("__import__('os')", "unknown function"),
    ("(1).real", "'.'"),
    ("[1][0]", "not allowed"),
    ("lambda: 1", "lambda"),
    ("[y for y in (1, 2)]", "allowed"),
    ("{1: 2}", "allowed"),
    ("'a'", "only numbers"),
    ("f'{1}'", "allowed"),
    ("True", "only numbers"),
    ("1j", "only numbers"),
    ("1 < 2", "comparisons"),
    ("1 and 2", "'and'/'or'"),
    ("2 + ~1", "'+' and '-'"),
    ("1 << 2", "operators"),
    ("(y := 2)", "allowed"),
    ("max(*(1, 2))", "plain arguments"),
    ("max(1, key=abs)", "plain arguments"),
    ("sqrt(1, 2)", "2 arguments"),
    ("open('x')", "unknown function"),
    ("floor", "is a function"),
    ("pi", "unknown name 'pi'"),
    ("0b101", "could not read the number"),
    ("1 if 1 else 2", "allowed"),
    ("", "empty"),
    ("   ", "empty"),
])
def test_everything_but_arithmetic_is_refused(text: str, message: str) -> None:
    assert message in error(text)


@pytest.mark.parametrize("text", ["2H", "2 H", "H W", "2(H+1)", "(H)(W)", "2 (3)", "(1+2)(3)"])
def test_implicit_multiplication_is_refused_with_a_hint(text: str) -> None:
    message = error(text, H=2, W=3)
    assert "write 2*" in message or "write H*(" in message


def test_a_variable_is_not_a_function() -> None:
    assert "not a function" in error("H(2)", H=3)


def test_unknown_names_list_the_declared_ones() -> None:
    assert error("Q + 1", H=1, W=2) == "unknown name 'Q' (you can use H, W)"


def test_nesting_and_length_are_capped_before_parsing() -> None:
    assert "nested too deeply" in error("(" * 60 + "1" + ")" * 60)
    assert "nested too deeply" in error("-" * 1500 + "1")
    assert "longer than" in error("1+" * MAX_LENGTH + "1")
    assert "not closed" in error("(1 + 2")
    assert "no opening" in error("1 + 2)")
    assert value("+".join(["1"] * 100)) == 100


def test_long_inputs_fail_fast() -> None:
    for text in ["-" * 1999 + "1", "(" * 999 + ")" * 999, "9**" * 600 + "9", "1" * 1999, "1," * 999]:
        start = time.perf_counter()
        try:
            value(text)
        except ArithError:
            pass
        assert time.perf_counter() - start < BOMB_LIMIT_S


def test_messages_are_short_and_student_facing() -> None:
    for text in ["1/0", "2H", "import os", "a.b", "((1)", "9**9**9", "x" * 50]:
        message = error(text)
        assert "Traceback" not in message and len(message) < 160


def test_variables_are_exact() -> None:
    assert evaluate("C*H*W / 2", variables={"C": Fraction(3), "H": Fraction(5), "W": Fraction(7)}) == \
        Fraction(105, 2)
    assert evaluate("Cin*Cout", variables={"Cin": 3, "Cout": 4}) == 12


def test_arith_error_is_a_value_error() -> None:
    assert issubclass(ArithError, ValueError)


def test_formula_has_a_canonical_text_and_is_hashable() -> None:
    formula = parse_formula("floor((N-K)/S)+1", ["N", "K", "S"])
    assert formula.text == "floor((N - K) / S) + 1"
    assert formula.variables == ("N", "K", "S")
    assert formula == parse_formula("floor( (N - K) / S ) + 1", ("N", "K", "S"))
    assert hash(formula) == hash(parse_formula(formula.text, ["N", "K", "S"]))
    assert formula.evaluate({"N": 10, "K": 3, "S": 2}) == 4
    assert isinstance(formula, Formula)


def test_formula_power_is_shown_with_a_caret_and_reads_back() -> None:
    formula = parse_formula("H²·W", ["H", "W"])
    assert formula.text == "H ^ 2 * W"
    assert parse_formula(formula.text, ["H", "W"]) == formula


def test_formula_unknown_names_and_missing_values() -> None:
    assert str(_formula_error("H*Q", ["H", "W"])) == "unknown name 'Q' (you can use H, W)"
    with pytest.raises(ArithError, match="no value for 'W'"):
        parse_formula("H*W", ["H", "W"]).evaluate({"H": 1})
