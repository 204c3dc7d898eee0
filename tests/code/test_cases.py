"""Case generators: deterministic for a seed, valid for their solver, varied, with edge cases; options and
names checked at load time."""

from __future__ import annotations

import hashlib
import inspect
import json
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.code.cases import GENERATORS, generate_cases, unknown_generator_message, validate_generate
from grader.code.spec import GenerateSpec
from grader.sandbox import wire
from grader.solvers import SOLVERS
from grader.solvers.argtypes import pair
from grader.solvers.numerics import conv2d_matrix
from tests.helpers import scaled

NAMES = sorted(GENERATORS)
WITH_SOLVER = sorted(name for name, generator in GENERATORS.items() if generator.solver)


def _cases(name: str, seed: int = 0, count: int = 200, **params: Any) -> tuple[dict[str, Any], ...]:
    return generate_cases(GenerateSpec(generator=name, seed=seed, count=count, params=params))


# --- determinism ------------------------------------------------------------------------------------------

GOLDEN = {  # sha256 of the JSON of 60 cases drawn with seed 2024: changing a generator changes every
    # student's cases, so it must be deliberate (update these with the new digests).
    "conv_output_size_cases": "0eab0ffeef16c753",
    "conv_transpose_output_size_cases": "6b54a726fcc5a60e",
    "conv2d_params_cases": "1fb04d4166295ccb",
    "receptive_field_cases": "75049f018a86c52c",
    "conv2d_matrix_cases": "01ba44bcb460c814",
    "conv2d_weight_gradient_cases": "dacfa3e432bf2f75",
    "conv2d_sgd_step_cases": "331ceb0cadc4453d",
    "conv_transpose2d_matrix_cases": "5747615b37cb766f",
    "max_pool2d_backward_cases": "dfb8b2c9ef65d855",
    "avg_pool2d_backward_cases": "dfb8b2c9ef65d855",
    "recover_filter_1d_cases": "1ddef06400660881",
    "recover_filter_2d_cases": "065cda60623b233d",
    "iou_cases": "32415fdd16ee2df2",
    "filter_size_cases": "0ce3413010241d44",
}


def test_every_generator_has_a_golden_digest() -> None:
    assert sorted(GOLDEN) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_cases_on_every_machine(name: str) -> None:
    cases = _cases(name, seed=2024, count=60)
    digest = hashlib.sha256(json.dumps(cases, sort_keys=True).encode()).hexdigest()[:16]
    assert digest == GOLDEN[name] and _cases(name, seed=2024, count=60) == cases


@pytest.mark.parametrize("name", [name for name in NAMES if name != "filter_size_cases"])
def test_other_seeds_give_other_cases_and_a_longer_run_extends_a_shorter_one(name: str) -> None:
    assert _cases(name, seed=1, count=60) != _cases(name, seed=2, count=60)
    assert _cases(name, seed=5, count=80)[:30] == _cases(name, seed=5, count=30)


# --- validity ---------------------------------------------------------------------------------------------


def _solver_accepts(name: str, cases: tuple[dict[str, Any], ...]) -> None:
    solver = SOLVERS[GENERATORS[name].solver]
    parameters = set(inspect.signature(solver.func).parameters)
    for case in cases:
        assert set(case) <= parameters, case
        solver(**case)  # raises on an invalid case
        wire.encode_args(list(case.values()))  # and every case can be sent to the sandbox


@pytest.mark.parametrize("name", WITH_SOLVER)
def test_two_hundred_cases_are_valid_for_their_solver(name: str) -> None:
    cases = _cases(name)
    assert len(cases) == 200
    _solver_accepts(name, cases)


@settings(max_examples=scaled(25), deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**63), name=st.sampled_from(WITH_SOLVER))
def test_any_seed_gives_valid_cases(seed: int, name: str) -> None:
    _solver_accepts(name, _cases(name, seed=seed, count=25))


OPTION_SETS = [
    ("conv_output_size_cases", {"stride": False, "padding": False, "dilation": False, "max_size": 5}),
    ("conv_transpose_output_size_cases", {"output_padding": False, "dilation": False}),
    ("conv2d_params_cases", {"groups": False, "bias": False, "pairs": False, "max_channels": 8}),
    ("receptive_field_cases", {"dilation": False, "max_layers": 2, "max_kernel": 3, "max_stride": 1}),
    ("conv2d_matrix_cases", {"pairs": False, "dilation": False, "floats": True, "max_size": 3, "max_kernel": 2}),
    ("conv_transpose2d_matrix_cases", {"pairs": False, "dilation": False, "output_padding": False}),
    ("conv2d_weight_gradient_cases", {"stride": False, "padding": False, "dilation": False, "pairs": False}),
    ("conv2d_weight_gradient_cases", {"floats": True, "max_size": 3}),
    ("conv2d_sgd_step_cases", {"stride": False, "padding": False, "dilation": False, "pairs": False}),
    ("max_pool2d_backward_cases", {"pairs": False, "stride": False, "ties": True, "floats": True}),
    ("avg_pool2d_backward_cases", {"pairs": False, "max_kernel": 1}),
    ("recover_filter_1d_cases", {"kernel_size": False}),
    ("recover_filter_1d_cases", {"stride": True, "padding": True}),
    ("recover_filter_2d_cases", {"stride": True, "padding": True, "max_kernel": 2}),
    ("iou_cases", {"box_format": "center", "floats": False}),
    ("iou_cases", {"box_format": "both"}),
]


@pytest.mark.parametrize("name, params", OPTION_SETS)
def test_cases_stay_valid_under_every_option(name: str, params: dict[str, Any]) -> None:
    assert validate_generate(GenerateSpec(generator=name, seed=0, count=1, params=params)) == []
    _solver_accepts(name, _cases(name, count=100, **params))


def test_filter_sizes_cover_the_range_in_a_seeded_order() -> None:
    cases = _cases("filter_size_cases", count=12, min_size=3, max_size=7, odd_only=True)
    assert {case["kernel_size"] for case in cases} == {3, 5, 7}
    assert [case["kernel_size"] for case in cases[:3]] * 4 == [case["kernel_size"] for case in cases]


# --- options switch arguments off ----------------------------------------------------------------------


@pytest.mark.parametrize("name, params, absent", [
    ("conv_output_size_cases", {"stride": False, "padding": False, "dilation": False},
     {"stride", "padding", "dilation"}),
    ("conv_transpose_output_size_cases", {"output_padding": False, "dilation": False}, {"output_padding", "dilation"}),
    ("conv2d_params_cases", {"groups": False, "bias": False}, {"groups", "bias"}),
    ("conv2d_matrix_cases", {"dilation": False, "padding": False}, {"dilation", "padding"}),
    ("conv_transpose2d_matrix_cases", {"output_padding": False, "dilation": False}, {"output_padding", "dilation"}),
    ("max_pool2d_backward_cases", {"stride": False}, {"stride"}),
    ("recover_filter_1d_cases", {"kernel_size": False}, {"kernel_size", "stride", "padding"}),
    ("iou_cases", {"box_format": "corners"}, {"box_format"}),
])
def test_an_argument_switched_off_is_left_out_of_every_case(name: str, params: dict[str, Any],
                                                            absent: set[str]) -> None:
    for case in _cases(name, **params):
        assert not absent & set(case), case


def test_receptive_layers_without_dilation_have_only_kernel_and_stride() -> None:
    for case in _cases("receptive_field_cases", dilation=False):
        assert all(set(layer) == {"kernel_size", "stride"} for layer in case["layers"])


@pytest.mark.parametrize("name", ["conv2d_params_cases", "conv2d_matrix_cases", "max_pool2d_backward_cases"])
def test_pairs_off_means_no_height_width_pairs(name: str) -> None:
    for case in _cases(name, pairs=False):
        assert not any(isinstance(value, list) for key, value in case.items()
                       if key not in ("input", "kernel", "upstream")), case


# --- varied, with edge cases ----------------------------------------------------------------------------


def test_output_size_cases_cover_the_edges() -> None:
    cases = _cases("conv_output_size_cases")
    span = [case["dilation"] * (case["kernel_size"] - 1) + 1 for case in cases]
    padded = [case["size"] + 2 * case["padding"] for case in cases]
    assert any(s == p for s, p in zip(span, padded))  # the kernel fills the padded input: one output
    assert any(case["kernel_size"] == 1 for case in cases)
    assert any(case["stride"] > 1 and (p - s) % case["stride"] for case, s, p in zip(cases, span, padded))
    assert any(case["padding"] > 0 for case in cases) and any(case["dilation"] > 1 for case in cases)
    assert any(case["kernel_size"] > case["size"] for case in cases)  # only padding makes it fit
    assert len({tuple(sorted(case.items())) for case in cases}) > 150


def test_transposed_output_size_cases_cover_output_padding_and_strides() -> None:
    cases = _cases("conv_transpose_output_size_cases")
    assert any(case["output_padding"] > 0 for case in cases) and any(case["stride"] > case["kernel_size"]
                                                                     for case in cases)
    assert any(case["padding"] > 0 for case in cases) and any(case["dilation"] > 1 for case in cases)


def test_param_cases_vary_bias_groups_and_kernels() -> None:
    cases = _cases("conv2d_params_cases")
    assert {case["bias"] for case in cases} == {True, False}
    assert any(case["groups"] > 1 for case in cases)
    assert any(case["groups"] == case["in_channels"] == case["out_channels"] > 1 for case in cases)  # depthwise
    assert any(isinstance(case["kernel_size"], list) and case["kernel_size"][0] != case["kernel_size"][1]
               for case in cases)
    assert any(case["kernel_size"] == 1 for case in cases)


def test_matrix_cases_vary_every_hyper_parameter_and_entry_sign() -> None:
    cases = _cases("conv2d_matrix_cases")
    kernels = [np.array(case["kernel"]) for case in cases]
    assert any(k.shape == (1, 1) for k in kernels) and any(k.shape[0] != k.shape[1] for k in kernels)
    assert any(np.array(case["input"]).shape[0] != np.array(case["input"]).shape[1] for case in cases)
    assert any(pair(case["stride"]) != pair(case["stride"])[::-1] for case in cases)  # [s_h, s_w] differ
    assert any(max(pair(case["dilation"])) > 1 for case in cases)
    assert any(max(pair(case["padding"])) > 0 for case in cases)
    values = np.concatenate([np.array(case["input"]).ravel() for case in cases])
    assert (values < 0).any() and (values == 0).any()
    shapes = [SOLVERS["conv2d_matrix"](**case).shape for case in cases]
    assert (1, 1) in shapes  # a kernel as large as the input
    assert any(case["stride"] == 2 and (len(case["input"]) - len(case["kernel"])) % 2 for case in cases)


def test_transposed_matrix_cases_overlap_and_leave_gaps() -> None:
    cases = _cases("conv_transpose2d_matrix_cases")
    assert any(case["stride"] < len(case["kernel"]) for case in cases)  # copies overlap and add
    assert any(case["stride"] > len(case["kernel"]) for case in cases)  # gaps between copies
    assert any(case["output_padding"] > 0 for case in cases) and any(case["padding"] > 0 for case in cases)


def test_iou_cases_include_identical_disjoint_touching_and_nested_boxes() -> None:
    cases = _cases("iou_cases")
    values = [SOLVERS["iou"](**case) for case in cases]
    assert 1.0 in values and 0.0 in values and any(0 < v < 1 for v in values)
    assert ({"box_a": [0, 0, 2, 2], "box_b": [2, 0, 4, 2]} in cases)  # touching edges: 0
    assert any(all(a <= b for a, b in zip(case["box_a"][:2], case["box_b"][:2]))
               and all(a >= b for a, b in zip(case["box_a"][2:], case["box_b"][2:]))
               and case["box_a"] != case["box_b"] for case in cases)  # B inside A
    assert any(min(case["box_a"]) < 0 for case in cases)
    assert any(isinstance(v, float) for case in cases for v in case["box_a"])


def test_iou_cases_in_both_formats() -> None:
    cases = _cases("iou_cases", box_format="both")
    assert {case["box_format"] for case in cases} == {"corners", "center"}
    assert all(case["box_format"] == "center" for case in _cases("iou_cases", box_format="center"))


def test_receptive_cases_include_the_documented_stack_and_varied_stacks() -> None:
    cases = _cases("receptive_field_cases")
    fields = [SOLVERS["receptive_field"](**case) for case in cases]
    assert 29 in fields and 1 in fields
    assert any(len(case["layers"]) == 1 for case in cases) and any(len(case["layers"]) >= 5 for case in cases)
    assert any(any(layer["dilation"] > 1 for layer in case["layers"]) for case in cases)


def test_pool_cases_have_distinct_entries_overlap_and_leftovers() -> None:
    cases = _cases("max_pool2d_backward_cases")
    for case in cases:
        values = [v for row in case["input"] for v in row]
        assert len(set(values)) == len(values)  # one maximum per window: no ambiguity
    assert any(max(pair(case.get("stride", case["kernel_size"]))) < min(pair(case["kernel_size"]))
               for case in cases)  # overlapping windows
    assert any("stride" not in case for case in cases)
    def uncovered_rows(case: dict[str, Any]) -> int:
        k_h, s_h = pair(case["kernel_size"])[0], pair(case.get("stride", case["kernel_size"]))[0]
        return len(case["input"]) - ((len(case["upstream"]) - 1) * s_h + k_h)

    assert any(uncovered_rows(case) > 0 for case in cases) and any(uncovered_rows(case) == 0 for case in cases)


def test_recovery_cases_have_a_unique_filter() -> None:
    for case in _cases("recover_filter_2d_cases", count=50) + _cases("recover_filter_1d_cases", count=50):
        solver = "recover_filter_2d" if "input" in case else "recover_filter_1d"
        assert SOLVERS[solver](**case, method="exact").size >= 1  # 'exact' raises unless exactly one filter


# --- load-time validation ----------------------------------------------------------------------------


def test_unknown_generator_gets_a_did_you_mean() -> None:
    spec = GenerateSpec(generator="iou_case", seed=0, count=1)
    assert validate_generate(spec) == [unknown_generator_message("iou_case")]
    assert unknown_generator_message("iou_case").startswith("unknown generator 'iou_case'; did you mean 'iou_cases'?")
    assert "did you mean" not in unknown_generator_message("zzzz")
    assert "conv2d_matrix_cases" in unknown_generator_message("zzzz")


@pytest.mark.parametrize("params, message", [
    ({"dilatoin": False}, "params.dilatoin: generator 'conv_output_size_cases' has no option 'dilatoin' "
                          "(its options: stride, padding, dilation, max_size, max_kernel)"),
    ({"max_size": 0}, "params.max_size: Input should be greater than or equal to 1"),
    ({"stride": "no"}, "params.stride: Input should be a valid boolean"),
    ({"stride": 0}, "params.stride: Input should be a valid boolean"),
])
def test_wrong_options_are_reported_with_their_name(params: dict[str, Any], message: str) -> None:
    spec = GenerateSpec(generator="conv_output_size_cases", seed=0, count=1, params=params)
    assert validate_generate(spec) == [message]


def test_option_combinations_that_cannot_work_are_reported() -> None:
    bad = GenerateSpec(generator="recover_filter_1d_cases", seed=0, count=1,
                       params={"kernel_size": False, "stride": True})
    assert validate_generate(bad) == ["params: Value error, stride needs kernel_size: true (with a stride the "
                                      "kernel size cannot be inferred)"]
    empty = GenerateSpec(generator="filter_size_cases", seed=0, count=1,
                         params={"min_size": 4, "max_size": 4, "odd_only": True})
    assert len(validate_generate(empty)) == 1


def test_each_generator_documents_its_options() -> None:
    for generator in GENERATORS.values():
        assert generator.summary and generator.name.endswith("_cases")
        assert generator.solver is None or generator.solver in SOLVERS


def test_weight_gradient_cases_carry_an_upstream_of_the_output_shape() -> None:
    for case in _cases("conv2d_weight_gradient_cases", seed=3, count=100):
        kernel = {**case, "kernel": case["kernel_shape"]}
        del kernel["kernel_shape"], kernel["upstream"]
        assert np.shape(case["upstream"]) == conv2d_matrix(**kernel).shape
    cases = _cases("conv2d_weight_gradient_cases", seed=3, count=100, stride=False, padding=False, dilation=False)
    assert all(set(case) == {"input", "kernel_shape", "upstream"} for case in cases)
    assert any(np.shape(case["kernel_shape"]) == np.shape(case["input"]) for case in cases)  # a single output


def test_sgd_step_cases_update_the_kernel_with_varied_learning_rates() -> None:
    cases = _cases("conv2d_sgd_step_cases", seed=4, count=100, stride=False, padding=False, dilation=False)
    assert all(set(case) == {"input", "kernel", "upstream", "learning_rate"} for case in cases)
    assert len({case["learning_rate"] for case in cases}) >= 4
    assert all(np.shape(case["upstream"]) == conv2d_matrix(case["input"], case["kernel"]).shape for case in cases)
