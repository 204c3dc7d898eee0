"""Planning a code part: cases merged over expected.args and resolved, positional calls in signature order,
references from the solvers, property calls after the cases, and clear errors for the instructor."""

from __future__ import annotations

import numpy as np
import pytest

from grader.code.plan import MAX_PROPERTY_CASES, PlanError, plan_calls
from grader.sandbox import wire
from grader.solvers import SOLVERS
from tests.code.stand_in import code_part

SIZE_SIGNATURE = ["size", "kernel_size", "stride", "padding", "dilation"]


def test_explicit_cases_merge_over_expected_args_and_become_positional_calls() -> None:
    part = code_part({"function": "f", "signature": ["size", "kernel_size", "stride"],
                      "cases": [{"size": 7, "kernel_size": 3}, {"size": 8, "kernel_size": 3, "stride": 2}]},
                     expected={"solver": "conv_output_size", "args": {"stride": 1, "dilation": 1}})
    plan = plan_calls(part, {})
    assert plan.calls == (((7, 3, 1), {}), ((8, 3, 2), {}))
    assert [case.expected for case in plan.cases] == [5, 3]
    assert dict(plan.cases[1].args) == {"size": 8, "kernel_size": 3, "stride": 2, "dilation": 1}
    assert [case.call for case in plan.cases] == [0, 1] and plan.reference and plan.properties == ()


def test_given_values_and_expressions_resolve_in_explicit_cases() -> None:
    part = code_part({"function": "f", "signature": ["size", "kernel_size"],
                      "cases": [{"size": "$N", "kernel_size": "= K + 2"}]},
                     expected={"solver": "conv_output_size", "args": {"padding": "$P"}})
    plan = plan_calls(part, {"N": 10, "K": 1, "P": 1})
    assert plan.calls == (((10, 3), {}),) and plan.cases[0].expected == 10


def test_unknown_given_names_are_a_plan_error() -> None:
    part = code_part({"function": "f", "signature": ["size", "kernel_size"], "cases": [{"size": "$N", "kernel_size": 3}]},
                     expected={"solver": "conv_output_size"})
    with pytest.raises(PlanError, match="case 1: size: unknown given value"):
        plan_calls(part, {})


def test_generated_cases_follow_explicit_ones() -> None:
    part = code_part({"function": "f", "signature": SIZE_SIGNATURE,
                      "cases": [{"size": 7, "kernel_size": 3}],
                      "generate": {"generator": "conv_output_size_cases", "seed": 3, "count": 50}},
                     expected={"solver": "conv_output_size"})
    plan = plan_calls(part, {})
    assert len(plan.calls) == len(plan.cases) == 51
    assert plan.calls[0] == ((7, 3, 1, 0, 1), {})  # the signature's missing arguments take the solver defaults
    for case, (args, kwargs) in zip(plan.cases, plan.calls):
        assert case.expected == SOLVERS["conv_output_size"](**dict(zip(SIZE_SIGNATURE, args))) and kwargs == {}


def test_a_signature_argument_a_case_leaves_out_takes_the_solver_default() -> None:
    part = code_part({"function": "f", "signature": ["input", "upstream", "kernel_size", "stride"],
                      "cases": [{"input": [[1, 2], [3, 4]], "upstream": [[1]], "kernel_size": 2}]},
                     expected={"solver": "max_pool2d_backward_matrix"})
    plan = plan_calls(part, {})
    assert plan.calls[0][0] == ([[1, 2], [3, 4]], [[1]], 2, None)
    assert np.array_equal(plan.cases[0].expected, [[0, 0], [0, 1]])


def test_an_argument_the_student_never_sees_must_be_a_constant_of_the_part() -> None:
    varying = code_part({"function": "f", "signature": ["size", "kernel_size"],
                         "generate": {"generator": "conv_output_size_cases", "seed": 0, "count": 20}},
                        expected={"solver": "conv_output_size"})
    with pytest.raises(PlanError, match=r"case 5: argument 'stride' = 2 is not in `code.signature`") as caught:
        plan_calls(varying, {})  # cases 1 to 4 have stride 1, padding 0, dilation 1: the solver's defaults
    assert "expected.args" in str(caught.value)
    constant = code_part({"function": "f", "signature": ["size", "kernel_size"],
                          "cases": [{"size": 7, "kernel_size": 3, "dilation": 2, "stride": 1}]},
                         expected={"solver": "conv_output_size", "args": {"dilation": 2}})
    assert plan_calls(constant, {}).cases[0].expected == 3  # dilation fixed by the part, stride the default


def test_box_format_fixed_by_the_part_need_not_be_in_the_signature() -> None:
    part = code_part({"function": "iou_center", "signature": ["box_a", "box_b"],
                      "generate": {"generator": "iou_cases", "seed": 1, "count": 30,
                                   "params": {"box_format": "center"}}},
                     expected={"solver": "iou", "args": {"box_format": "center"}})
    plan = plan_calls(part, {})
    assert all(len(args) == 2 for args, _ in plan.calls)
    unfixed = part.model_copy(update={"expected": part.expected.model_copy(update={"args": {}})})
    with pytest.raises(PlanError, match="box_format"):
        plan_calls(unfixed, {})


def test_a_missing_signature_value_without_default_is_an_error() -> None:
    part = code_part({"function": "f", "signature": ["size", "kernel_size"], "cases": [{"size": 7}]},
                     expected={"solver": "conv_output_size"})
    with pytest.raises(PlanError, match=r"case 1: no value for \['kernel_size'\]"):
        plan_calls(part, {})


def test_a_case_the_solver_rejects_names_the_case() -> None:
    part = code_part({"function": "f", "signature": ["size", "kernel_size"],
                      "cases": [{"size": 7, "kernel_size": 3}, {"size": 2, "kernel_size": 5}]},
                     expected={"solver": "conv_output_size"})
    with pytest.raises(PlanError, match=r"case 2 \(\{size: 2, kernel_size: 5\}\): solver 'conv_output_size' rejects"):
        plan_calls(part, {})


def test_property_calls_come_after_the_cases_with_their_indices() -> None:
    part = code_part({"function": "iou", "signature": ["box_a", "box_b"],
                      "cases": [{"box_a": [0, 0, 2, 2], "box_b": [1, 1, 3, 3]}, {"box_a": [0, 0, 1, 1], "box_b": [0, 0, 1, 1]}],
                      "properties": ["iou_in_unit_interval", "iou_symmetric", "iou_disjoint_is_zero"]},
                     expected={"solver": "iou"})
    plan = plan_calls(part, {})
    unit, symmetric, disjoint = plan.properties
    assert [check.calls for check in unit.checks] == [(), ()]
    assert [check.calls for check in symmetric.checks] == [(2,), (3,)]
    assert [check.calls for check in disjoint.checks] == [(4, 5), (6, 7)]
    assert plan.calls[2] == (([1, 1, 3, 3], [0, 0, 2, 2]), {})
    assert [check.case for check in disjoint.checks] == [0, 1] and len(plan.calls) == 8


def test_properties_run_on_the_first_cases_only() -> None:
    part = code_part({"function": "iou", "signature": ["box_a", "box_b"],
                      "generate": {"generator": "iou_cases", "seed": 1, "count": MAX_PROPERTY_CASES + 50},
                      "properties": ["iou_symmetric"]}, expected={"solver": "iou"})
    plan = plan_calls(part, {})
    assert len(plan.properties[0].checks) == MAX_PROPERTY_CASES
    assert len(plan.calls) == MAX_PROPERTY_CASES * 2 + 50


def test_a_property_that_varies_an_argument_outside_the_signature_is_an_error() -> None:
    part = code_part({"function": "f", "signature": ["box_a"], "cases": [{"box_a": [0, 0, 1, 1]}],
                      "properties": ["iou_symmetric"]})
    with pytest.raises(PlanError, match=r"property 'iou_symmetric' calls the function with other values of \['box_b'\]"):
        plan_calls(part, {})


def test_an_unknown_property_is_an_error() -> None:
    part = code_part({"function": "f", "signature": [], "cases": [{}], "properties": ["blurr_filter"]})
    with pytest.raises(PlanError, match="did you mean 'blur_filter'"):
        plan_calls(part, {})


def test_a_part_judged_by_properties_alone_has_no_references() -> None:
    part = code_part({"function": "blur", "signature": ["kernel_size"], "properties": ["blur_filter"],
                      "generate": {"generator": "filter_size_cases", "seed": 0, "count": 4}})
    plan = plan_calls(part, {})
    assert not plan.reference and all(case.expected is None for case in plan.cases) and plan.mistakes == ()
    assert len(plan.calls) == 4 and len(plan.properties[0].checks) == 4


def test_mistakes_are_planned_with_resolved_arguments() -> None:
    part = code_part({"function": "f", "signature": SIZE_SIGNATURE, "cases": [{"size": 8, "kernel_size": 3, "stride": 2}]},
                     expected={"solver": "conv_output_size"},
                     mistakes=[{"name": "OFF_BY_ONE", "solver": "conv_output_size_no_plus_one", "feedback": "+1"},
                               {"name": "ONE_SIDE", "args": {"padding": "$P"}, "feedback": "2p", "credit": 0.5}])
    off, one_side = plan_calls(part, {"P": 2}).mistakes
    assert off.solver == "conv_output_size_no_plus_one" and off.mistake.name == "OFF_BY_ONE"
    assert one_side.solver == "conv_output_size" and dict(one_side.args) == {"padding": 2}
    assert one_side.case_args({"size": 8, "kernel_size": 3}) == {"size": 8, "kernel_size": 3, "padding": 2}


def test_a_mistake_that_does_not_inherit_keeps_only_the_arguments_its_solver_takes() -> None:
    part = code_part({"function": "f", "signature": ["layers"], "cases": [{"layers": [{"kernel_size": 3}]}]},
                     expected={"solver": "receptive_field"},
                     mistakes=[{"name": "SIZE", "solver": "conv_output_size", "inherit_args": False,
                                "args": {"size": 5, "kernel_size": 3}, "feedback": "?"}])
    planned = plan_calls(part, {}).mistakes[0]
    assert planned.case_args({"layers": [{"kernel_size": 3}]}) == {"size": 5, "kernel_size": 3}


@pytest.mark.parametrize("generator", ["conv2d_matrix_cases", "iou_cases", "receptive_field_cases",
                                       "max_pool2d_backward_cases", "recover_filter_2d_cases"])
def test_every_planned_call_can_be_sent_to_the_sandbox(generator: str) -> None:
    from grader.code.cases import GENERATORS

    solver = GENERATORS[generator].solver
    names = list(SOLVERS[solver].args_model.model_fields)
    part = code_part({"function": "f", "signature": names, "generate": {"generator": generator, "seed": 4, "count": 40}},
                     expected={"solver": solver})
    for args, kwargs in plan_calls(part, {}).calls:
        wire.encode_args(list(args)) and wire.encode_args(kwargs)
