"""compare: the order defined → type → shape → dtype → values, each rule, hostile values, and the safe texts."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.code.compare import as_array, close, compare, mismatch_text, nested_shape
from grader.code.spec import CompareSpec
from tests.helpers import scaled

SPEC = CompareSpec()
LOOSE = CompareSpec(rtol=1.0, atol=10.0)


def _stage(got, expected, spec: CompareSpec = SPEC) -> str | None:
    found = compare(got, expected, spec)
    return None if found is None else found.stage


# --- ints, bools, None, str --------------------------------------------------------------------------------


def test_ints_are_exact_and_say_got_and_expected() -> None:
    assert compare(11_329_414_656, 11_329_414_656, SPEC) is None
    found = compare(4, 3, LOOSE)
    assert found is not None and found.stage == "value"
    assert mismatch_text(found, hidden=False) == "got `4`, expected `3`"


def test_a_float_where_an_int_is_expected_is_a_type_error_with_a_hint() -> None:
    found = compare(3.0, 3, SPEC)
    assert found is not None and found.stage == "type"
    assert found.detail == ("got `3.0` (a float), expected `3` (an int): return an int, e.g. with `//` "
                            "(integer division) instead of `/`, or `int(...)`")
    assert "//" in found.safe_detail and "3" not in found.safe_detail
    assert "//" not in compare(2.5, 3, SPEC).detail  # not a whole number: no hint about integer division


@pytest.mark.parametrize("got", [True, False, "3", [3], None, np.array([3])])
def test_anything_else_where_an_int_is_expected_is_refused(got) -> None:
    assert _stage(got, 1) in ("type", "defined")


def test_bool_is_not_an_int_and_not_a_float() -> None:
    assert _stage(True, 1) == "type" and _stage(False, 0) == "type" and _stage(True, 1.0) == "type"
    assert _stage(1, True) == "type" and _stage(True, True) is None and _stage(False, True) == "value"


def test_none_is_caught_first_and_hints_at_return() -> None:
    found = compare(None, np.zeros((2, 2)), SPEC)
    assert found is not None and found.stage == "defined" and "return" in found.detail
    assert compare(None, None, SPEC) is None and _stage(0, None) == "type"


def test_numpy_scalars_and_zero_d_arrays_count_as_the_number_they_hold() -> None:
    assert compare(np.array(3), 3, SPEC) is None and compare(np.int64(3), 3, SPEC) is None
    assert _stage(np.array(3.0), 3) == "type" and compare(np.float32(0.5), 0.5, SPEC) is None


def test_strings_are_exact() -> None:
    assert compare("H*W", "H*W", SPEC) is None and _stage("h*w", "H*W") == "value" and _stage(1, "1") == "type"


# --- floats -------------------------------------------------------------------------------------------------


def test_float_tolerance_is_atol_plus_rtol_times_the_reference() -> None:
    assert compare(100.00005, 100.0, SPEC) is None
    assert _stage(100.001, 100.0) == "value"
    assert compare(5e-10, 0.0, SPEC) is None and _stage(2e-9, 0.0) == "value"
    half = CompareSpec(rtol=0.5, atol=0.0)
    assert compare(1.0, 2.0, half) is None  # |1 - 2| <= 0.5*|2|
    assert _stage(2.0, 1.0, half) == "value"  # |2 - 1| > 0.5*|1|: the reference is the scale
    assert compare(1, 1.0, SPEC) is None  # an int is a fine float


def test_float_mismatch_names_the_tolerance_and_the_exact_values() -> None:
    found = compare(0.1 + 0.2, 0.4, SPEC)
    assert found is not None
    assert found.detail == "got `0.30000000000000004`, expected `0.4` (tolerance 1e-09 + 1e-06·|expected|)"
    assert found.safe_detail == "the value is not the expected one"


@pytest.mark.parametrize("got, expected", [
    (float("nan"), float("nan")), (float("nan"), 1.0), (1.0, float("nan")), (float("inf"), 1e308),
    (float("-inf"), float("inf")), (10**400, 1.0), (-(10**400), 1e308), (1e308, float("inf")),
])
def test_nan_never_matches_and_infinity_only_itself(got, expected) -> None:
    assert _stage(got, expected, LOOSE) == "value"


def test_equal_infinities_match() -> None:
    assert compare(float("inf"), float("inf"), SPEC) is None and compare(float("-inf"), float("-inf"), SPEC) is None


def test_close_with_huge_ints() -> None:
    assert close(10**400, 10**400, SPEC) and not close(10**400 + 1, 10**400, SPEC) and not close(10**400, 1.0, SPEC)


def test_huge_integers_never_raise_when_shown() -> None:
    found = compare(10**5000, 10**5000 + 1, SPEC)
    assert found is not None and "digits" in found.detail


# --- sequences and dicts ------------------------------------------------------------------------------------


def test_tuples_and_lists_are_interchangeable_for_shapes() -> None:
    assert compare([2, 3], (2, 3), SPEC) is None and compare((2, 3), [2, 3], SPEC) is None
    assert compare(np.array([2, 3]), (2, 3), SPEC) is None


def test_sequence_length_then_entries_with_their_place() -> None:
    found = compare((2, 3, 4), (2, 3), SPEC)
    assert found is not None and found.stage == "shape" and found.detail == "got 3 values, expected 2"
    assert "2" not in found.safe_detail.replace("3 values", "")
    inner = compare((2, 4.0), (2, 3), SPEC)
    assert inner is not None and inner.stage == "type" and inner.path == "[1]"
    assert mismatch_text(inner, hidden=False).startswith("at `[1]`: got `4.0` (a float)")
    nested = compare([[1, 2], [3, 5]], [[1, 2], [3, 4]], SPEC)
    assert nested is not None and nested.path == "[1][1]"


def test_a_scalar_where_a_sequence_is_expected() -> None:
    assert _stage(6, (2, 3)) == "type" and _stage("2x3", (2, 3)) == "type"


def test_dicts_compare_keys_then_values() -> None:
    assert compare({"a": 1, "b": [1, 2]}, {"b": (1, 2), "a": 1}, SPEC) is None
    keys = compare({"a": 1, "c": 2}, {"a": 1, "b": 2}, SPEC)
    assert keys is not None and keys.stage == "shape" and "missing keys" in keys.detail and "'c'" in keys.detail
    value = compare({"a": 2}, {"a": 1}, SPEC)
    assert value is not None and value.path == "['a']" and _stage([("a", 1)], {"a": 1}) == "type"


# --- arrays -------------------------------------------------------------------------------------------------

INT_2x2 = np.array([[1, 0], [-1, 4]])


@pytest.mark.parametrize("got", [
    np.array([[1, 0], [-1, 4]]), [[1, 0], [-1, 4]], ((1, 0), (-1, 4)), [[1.0, 0.0], [-1.0, 4.0]],
    np.array([[1, 0], [-1, 4]], dtype=np.int8), np.array([[1, 0], [-1, 4]], dtype=np.float32),
    [[1, 0.0], [-1, 4]],
])
def test_arrays_lists_and_any_numeric_dtype_match_an_int_array(got) -> None:
    assert compare(got, INT_2x2, SPEC) is None


def test_an_int_array_where_floats_are_expected_is_fine() -> None:
    assert compare(np.array([1, 2]), np.array([1.0, 2.0]), SPEC) is None
    assert compare([1, 2], np.array([1.0, 2.000001]), SPEC) is None


def test_int_arrays_are_exact_whatever_the_tolerance_but_floats_use_it() -> None:
    assert _stage([[1, 3]], np.array([[1, 2]]), LOOSE) == "value"
    assert compare([[1.0, 3.0]], np.array([[1, 2]]), LOOSE) is None


def test_shape_must_match_exactly_and_the_safe_text_hides_it() -> None:
    found = compare(np.zeros((2, 3)), np.zeros((3, 2)), SPEC)
    assert found is not None and found.stage == "shape"
    assert found.detail == "got a 2×3 float64 array, expected 3×2"
    assert "3" not in found.safe_detail and "2" not in found.safe_detail
    assert _stage(np.zeros(4), np.zeros((2, 2))) == "shape" and _stage([], INT_2x2) == "shape"
    assert _stage([[1, 0, 0], [-1, 4, 0]], INT_2x2) == "shape"


def test_scalar_where_an_array_is_expected_hides_the_shape_when_safe() -> None:
    found = compare(5, np.zeros((3, 3)), SPEC)
    assert found is not None and found.stage == "type" and "3×3" in found.detail and "3" not in found.safe_detail


@pytest.mark.parametrize("got", [[[1, 2], [3]], [[1, 2], 3], [1, [2, 3]], [[[1]], [2]]])
def test_ragged_or_mixed_depth_lists_are_shape_errors(got) -> None:
    found = compare(got, np.zeros((2, 2)), SPEC)
    assert found is not None and found.stage == "shape" and "ragged" in found.detail


@pytest.mark.parametrize("got", [[[1, "2"], [3, 4]], [[1, None], [3, 4]], [[1, 2], [3, {"a": 4}]],
                                 [[1, True], [3, 4]]])
def test_lists_with_non_numbers_are_type_errors(got) -> None:
    assert _stage(got, INT_2x2) == "type"


def test_bool_arrays_are_not_numbers_and_numbers_are_not_bools() -> None:
    assert _stage(np.array([[True, False], [True, True]]), INT_2x2) == "dtype"
    assert _stage([[True, False], [True, True]], INT_2x2) == "dtype"
    assert _stage(np.array([1, 0]), np.array([True, False])) == "dtype"
    assert compare([True, False], np.array([True, False]), SPEC) is None
    assert _stage([False, False], np.array([True, False])) == "value"


def test_shape_is_checked_before_dtype_and_dtype_before_values() -> None:
    assert _stage(np.array([True, False, True]), INT_2x2) == "shape"
    assert _stage(np.array([[True, True], [True, True]]), INT_2x2) == "dtype"


def test_array_values_name_the_count_and_the_first_wrong_entry() -> None:
    found = compare([[1, 0], [5, 7]], INT_2x2, SPEC)
    assert found is not None and found.stage == "value"
    assert found.detail.startswith("2 of 4 entries differ; the first at `[1, 0]`: got `5`, expected `-1`")
    assert "Whole result: got `[[1, 0], [5, 7]]`, expected `[[1, 0], [-1, 4]]`" in found.detail
    assert found.safe_detail == "2 of 4 entries differ from the expected ones"


def test_big_wrong_arrays_are_not_shown_whole() -> None:
    expected = np.arange(400).reshape(20, 20)
    found = compare(expected + 1, expected, SPEC)
    assert found is not None and "Whole result" not in found.detail and "400 of 400" in found.detail


@pytest.mark.parametrize("got", [[[float("nan"), 0], [-1, 4]], np.array([[np.nan, 0], [-1, 4]]),
                                 [[float("inf"), 0], [-1, 4]]])
def test_non_finite_entries_never_match_finite_ones(got) -> None:
    assert _stage(got, INT_2x2, LOOSE) == "value"


def test_equal_infinite_entries_match() -> None:
    assert compare([np.inf, -np.inf], np.array([np.inf, -np.inf]), SPEC) is None


def test_entries_beyond_64_bits_are_reported_not_raised() -> None:
    assert _stage([[10**30, 0], [-1, 4]], INT_2x2) == "value"
    assert _stage([[10**400, 0.5], [-1, 4]], INT_2x2) == "value"


def test_as_array_and_nested_shape() -> None:
    assert nested_shape([[1, 2], [3, 4], [5, 6]]) == (3, 2) and nested_shape([]) == (0,) and nested_shape(5) == ()
    array = as_array([[1, 2.5]])
    assert isinstance(array, np.ndarray) and array.dtype == np.float64 and array.shape == (1, 2)
    assert as_array([[1, 2]]).dtype == np.int64 and as_array([True]).dtype == bool


# --- any value at all -----------------------------------------------------------------------------------

PLAIN = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5)
    | st.integers(min_value=-(10**500), max_value=10**500),
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
    | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=20,
)
EXPECTED = [3, 2.5, True, (2, 3), [1, [2, 3]], {"a": 1}, "H*W", None, INT_2x2, np.array([[0.5, 1.5]]),
            np.array([True, False])]


@settings(max_examples=scaled(300), deadline=None)
@given(got=PLAIN)
def test_compare_never_raises_on_any_plain_value(got) -> None:
    for expected in EXPECTED:
        found = compare(got, expected, SPEC)
        if found is not None:
            assert found.stage in ("defined", "type", "shape", "dtype", "value") and found.detail


FINITE = st.recursive(st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.booleans(),
                      lambda inner: st.lists(inner, max_size=4), max_leaves=12)


@settings(max_examples=scaled(200), deadline=None)
@given(value=FINITE)
def test_every_value_matches_itself(value) -> None:
    assert compare(value, value, SPEC) is None
