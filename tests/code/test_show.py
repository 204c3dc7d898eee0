"""Values in feedback: compact, capped, and safe inside a Markdown code span whatever they hold."""

from __future__ import annotations

import numpy as np

from grader.code.show import shape_text, show_call, show_int, show_value, type_text


def test_small_values_are_shown_whole() -> None:
    assert show_value([[1, 0], [-1, 4]]) == "[[1, 0], [-1, 4]]"
    assert show_value(np.array([[1, 0], [-1, 4]])) == "[[1, 0], [-1, 4]]"
    assert show_value((3,)) == "(3,)"
    assert show_value({"kernel_size": 3, "stride": 2}) == "{kernel_size: 3, stride: 2}"
    assert show_value([0.1, 1 / 3, float("nan"), True, None]) == "[0.1, 0.333333, nan, True, None]"


def test_large_arrays_are_truncated_with_their_shape() -> None:
    text = show_value(np.arange(10_000).reshape(100, 100), 80)
    assert len(text) < 120 and text.endswith("… (100×100)") and text.startswith("[[0, 1, 2")


def test_a_huge_list_costs_only_the_budget() -> None:
    text = show_value(list(range(1_000_000)), 50)
    assert text.startswith("[0, 1, 2") and text.endswith("…") and len(text) <= 51


def test_huge_integers_are_never_converted_whole() -> None:
    assert show_int(10**5000) == "<an integer of about 5001 digits>"
    assert show_int(-(10**5000)) == "-<an integer of about 5001 digits>"
    assert show_int(12345678901234567890) == "12345678901234567890"
    assert "5001 digits" in show_value([10**5000])


def test_student_text_is_made_safe_for_a_code_span() -> None:
    text = show_value("`rm -rf`\n<script>\x1b[31m")
    assert "`" not in text and "\n" not in text and "\x1b" not in text


def test_calls_share_the_budget_short_arguments_in_full() -> None:
    big = [[row * 10 + column for column in range(10)] for row in range(10)]
    text = show_call("conv2d", (big, [[1, 0], [0, -1]], 2, 1, 1), 200)
    assert text.startswith("conv2d([[0, 1, 2") and text.endswith(", [[1, 0], [0, -1]], 2, 1, 1)")
    assert len(text) <= 200
    assert show_call("f", ()) == "f()"


def test_shapes_and_types_in_words() -> None:
    assert shape_text((2, 3)) == "2×3" and shape_text((5,)) == "length 5" and shape_text(()) == "scalar"
    assert type_text(np.zeros((2, 3))) == "a 2×3 float64 array"
    assert [type_text(v) for v in (1, 1.0, True, None, "s", [], ())] == [
        "an int", "a float", "a bool", "None", "a str", "a list", "a tuple"]
