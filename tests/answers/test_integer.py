"""Integer answers: every accepted form, exact comparison with Python ints, format errors apart."""

from __future__ import annotations

import numpy as np
import pytest

from grader.answers.base import FormatError, Reading
from grader.answers.integer import KIND, IntegerSpec

SPEC = IntegerSpec(kind="integer")


def read(raw: object) -> int:
    reading = KIND.parse(raw, SPEC)
    assert isinstance(reading, Reading), reading
    return reading.value


def refused(raw: object) -> str:
    reading = KIND.parse(raw, SPEC)
    assert isinstance(reading, FormatError), reading
    return reading.message


@pytest.mark.parametrize("raw", [
    "11329414656", "11,329,414,656", "11 329 414 656", "11\u00a0329\u00a0414\u00a0656",
    "11\u2009329\u2009414\u2009656", "11_329_414_656", "+11329414656", "1.1329414656e10", "1.1329414656E+10",
    11329414656, 11329414656.0, "11329414656 ", "≈ 11329414656", "(3*3*1+1)*1132941465 + 1132941466 - 1132941466 "
    "+ 6 - 1132941466 + 1132941466",
])
def test_accepted_forms(raw: object) -> None:
    assert read(raw) == 11329414656
    assert KIND.parse(raw, SPEC).shown == "11329414656"


@pytest.mark.parametrize("raw, expected", [
    ("3*3*10*20 + 20", 1820), ("5×5×3", 75), ("-7", -7), ("\u22127", -7), ("2^10", 1024), ("0", 0),
    ("sqrt(16)", 4), ("12/4", 3),
])
def test_arithmetic(raw: str, expected: int) -> None:
    value = read(raw)
    assert value == expected and type(value) is int


def test_beyond_int32_and_float_precision() -> None:
    assert read("2**63 + 1") == 2**63 + 1
    assert read("123456789012345678901234567890") == 123456789012345678901234567890


@pytest.mark.parametrize("raw, message", [
    ("5.5", "Expected a whole number, read 5.5 from `5.5`."),
    ("11/2", "Expected a whole number, read 5.5 from `11/2`."),
    (5.5, "Expected a whole number, read 5.5 from `5.5`."),
    (True, "Expected a whole number, got true."),
    (False, "Expected a whole number, got false."),
    (None, "Expected a whole number, got nothing."),
    ([1, 2], "Expected a whole number, got a list."),
    ({"a": 1}, "Expected a whole number, got a mapping (key: value)."),
    ("1,5", "Could not read `1,5` as a whole number: a comma only separates thousands, in groups of three "
            "(1,000,000); write a decimal point as '.'."),
    ("2*H", "Could not read `2*H` as a whole number: unknown name 'H': only numbers and + - * / ^ ( ) are "
            "allowed here."),
    ("2(3)", "Could not read `2(3)` as a whole number: write every product with '*' (write 2*(H+1), not 2(H+1))."),
    ("444 parameters", "Write only the number, without a unit or words: could not read `444 parameters`."),
    ("about seven million", "Could not read `about seven million` as a whole number: unknown name 'seven': only "
                            "numbers and + - * / ^ ( ) are allowed here."),
    ("10**41", "`10**41` has more than 40 digits; check the answer."),
    ("9**9**9", "Could not read `9**9**9` as a whole number: a power is too large to compute."),
    (float("nan"), "Could not read `nan` as a whole number: it is not a finite number."),
    ("sqrt(2)", "Expected a whole number, read 1.41421356237 from `sqrt(2)`."),
])
def test_format_errors(raw: object, message: str) -> None:
    assert refused(raw) == message


def test_long_input_is_quoted_truncated() -> None:
    message = refused("1/" + "x" * 500)
    assert len(message) < 200 and "…" in message


def test_grade_is_exact() -> None:
    assert KIND.grade(11329414656, 11329414656, SPEC).correct
    verdict = KIND.grade(11329414657, 11329414656, SPEC)
    assert (verdict.score, verdict.note) == (0.0, "WRONG")
    assert "11329414656" not in verdict.feedback


def test_expected_accepts_python_and_numpy_integers_only() -> None:
    assert KIND.expected(np.int64(11329414656), SPEC) == 11329414656
    assert type(KIND.expected(np.int64(5), SPEC)) is int
    assert KIND.expected(7, SPEC) == 7
    for bad in (True, np.bool_(True), 5.0, "5", None, [5]):
        with pytest.raises(ValueError):
            KIND.expected(bad, SPEC)


def test_show_and_describe() -> None:
    assert KIND.show(11329414656, SPEC) == "11329414656"
    assert "11,329,414,656" in KIND.describe(SPEC)


def test_shown_text_reads_back() -> None:
    for raw in ("5×5×3", "1.1329414656e10", "-2^40"):
        reading = KIND.parse(raw, SPEC)
        assert read(reading.shown) == reading.value
