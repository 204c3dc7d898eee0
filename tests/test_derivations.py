"""Published-key derivations are honest: each side of every ``=`` evaluates to the solver's value."""

from __future__ import annotations

import math
import re
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.answers.arith import evaluate
from grader.derivations import derive
from grader.grading.reference import reference_value
from grader.keys import plain
from grader.problems.loader import load_problem_set
from grader.problems.resolve import resolve_args, resolve_given


def _value_of(text: str) -> Fraction:
    expression = re.sub(r"⌊([^⌋]*)⌋", r"floor(\1)", text)
    result = evaluate(expression)
    assert isinstance(result, Fraction), text  # exact arithmetic, no float functions
    return result


def _check(derivation: str, value) -> None:
    """Every clause ``arithmetic = value``: the arithmetic evaluates to the value (a real to 1e-9 relative)."""
    values = value if isinstance(value, list) else [value]
    clauses = derivation.split("; ")
    assert len(clauses) == len(values), derivation
    for clause, expected in zip(clauses, values):
        left, right = clause.rsplit(" = ", 1)
        if isinstance(expected, float):
            assert math.isclose(float(right), expected, rel_tol=1e-9), derivation
            assert math.isclose(float(_value_of(left)), expected, rel_tol=1e-9), derivation
        else:
            assert int(right) == expected, derivation
            assert _value_of(left) == expected, derivation


@pytest.mark.parametrize("path", sorted(Path("problems").glob("*.yaml")))
def test_every_derivation_in_a_key_evaluates_to_its_value(path: Path) -> None:
    problem_set = load_problem_set(path)
    for problem, part in problem_set.answer_parts():
        args = resolve_args(part.expected.args, resolve_given(problem.given))
        value = plain(reference_value(problem, part))
        derivation = derive(part.expected.solver, args, value)
        if derivation is not None:
            _check(derivation, value)


sizes = st.integers(1, 64)


@settings(max_examples=200, deadline=None)
@given(cin=sizes, cout=sizes, k=st.integers(1, 7), bias=st.booleans())
def test_parameter_derivations(cin: int, cout: int, k: int, bias: bool) -> None:
    from grader.solvers import SOLVERS

    for name in ("conv2d_params", "conv_transpose2d_params"):
        args = {"in_channels": cin, "out_channels": cout, "kernel_size": k, "bias": bias}
        _check(derive(name, args, SOLVERS[name](**args)), SOLVERS[name](**args))
    args = {"in_features": cin, "out_features": cout, "bias": bias}
    _check(derive("linear_params", args, SOLVERS["linear_params"](**args)), SOLVERS["linear_params"](**args))


@settings(max_examples=200, deadline=None)
@given(n=st.integers(8, 200), k=st.integers(1, 7), s=st.integers(1, 4), p=st.integers(0, 3), d=st.integers(1, 3))
def test_size_derivations(n: int, k: int, s: int, p: int, d: int) -> None:
    from grader.solvers import SOLVERS

    args = {"size": n, "kernel_size": k, "stride": s, "padding": p, "dilation": d}
    try:
        value = SOLVERS["conv_output_size"](**args)
    except ValueError:
        return
    _check(derive("conv_output_size", args, value), value)
    value = SOLVERS["conv_transpose_output_size"](**args)
    _check(derive("conv_transpose_output_size", args, value), value)


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 200), m=st.integers(1, 200), k=st.integers(1, 7), d=st.integers(1, 3))
def test_same_padding_derivations(n: int, m: int, k: int, d: int) -> None:
    from grader.solvers import SOLVERS

    args = {"size": n, "kernel_size": k, "padding": "same", "dilation": d}
    _check(derive("conv_output_size", args, SOLVERS["conv_output_size"](**args)), n)
    args = {"input_shape": [n, m], "kernel_size": [k, 1], "padding": "same", "dilation": d}
    _check(derive("conv2d_matrix_shape", args, [n, m]), [n, m])


def _derives(name: str, **args) -> None:
    """The solver's value, and its derivation checked against it; configurations the solver rejects pass."""
    from grader.solvers import SOLVERS

    try:
        value = plain(SOLVERS[name](**args))
    except ValueError:
        return
    derivation = derive(name, args, value)
    assert derivation is not None, name
    _check(derivation, value)


pairs = st.one_of(st.integers(1, 5), st.tuples(st.integers(1, 5), st.integers(1, 5)).map(list))


@settings(max_examples=200, deadline=None)
@given(c=st.integers(1, 4), groups=st.sampled_from([1, 1, 2]), h=st.integers(1, 40), w=st.integers(1, 40),
       out=st.integers(1, 4), k=pairs, s=pairs, p=st.one_of(st.integers(0, 3), st.just("same")),
       d=st.integers(1, 2), a=st.integers(0, 1))
def test_mac_derivations(c, groups, h, w, out, k, s, p, d, a) -> None:
    shape = [c * groups, h, w]
    conv = dict(input_shape=shape, out_channels=out * groups, kernel_size=k, stride=s, padding=p, dilation=d,
                groups=groups)
    for name in ("conv2d_macs", "conv2d_flops"):
        _derives(name, **conv)
    if p != "same":
        transposed = {**conv, "output_padding": a}
        for name in ("conv_transpose2d_macs", "conv_transpose2d_flops"):
            _derives(name, **transposed)
        _derives("depthwise_separable_macs", input_shape=shape, out_channels=out, kernel_size=k, stride=s,
                 padding=p, dilation=d)
    _derives("conv3d_macs", input_shape=[c * groups, h % 9 + 1, h, w], out_channels=out * groups,
             kernel_size=[1, 2, 3], stride=2, padding=1, groups=groups)
    for name in ("linear_macs", "linear_flops"):
        _derives(name, in_features=h, out_features=w)


@settings(max_examples=100, deadline=None)
@given(c=st.integers(1, 4), size=st.integers(8, 32), specs=st.lists(st.tuples(
    st.sampled_from(["conv2d", "maxpool2d", "relu"]), st.integers(1, 6), st.integers(1, 3), st.integers(1, 2)),
    min_size=1, max_size=5), head=st.booleans())
def test_network_mac_derivations(c, size, specs, head) -> None:
    layers = []
    for kind, out, k, s in specs:
        if kind == "conv2d":
            layers.append({"type": "conv2d", "out_channels": out, "kernel_size": k, "stride": s, "padding": 1})
        elif kind == "maxpool2d":
            layers.append({"type": "maxpool2d", "kernel_size": 2})
        else:
            layers.append({"type": "relu"})
    if head:
        layers += [{"type": "flatten"}, {"type": "linear", "out_features": 3}]
    for name in ("network_macs", "network_flops", "network_params"):
        _derives(name, input_shape=[c, size, size], layers=layers)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.fixed_dictionaries({"kernel_size": st.integers(1, 7), "stride": st.integers(1, 3),
                                       "dilation": st.integers(1, 3)}), min_size=1, max_size=6))
def test_receptive_field_derivations(layers) -> None:
    for name in ("receptive_field", "receptive_field_per_layer", "receptive_field_jumps"):
        _derives(name, layers=layers)


def test_receptive_field_derivation_shows_the_cumulative_jump() -> None:
    layers = [{"kernel_size": 5, "stride": 2}] * 3
    assert derive("receptive_field", {"layers": layers}, 29) == "1 + (5 − 1)·1 + (5 − 1)·2 + (5 − 1)·4 = 29"
    assert derive("receptive_field_per_layer", {"layers": layers}, [5, 13, 29]) == (
        "1 + (5 − 1)·1 = 5; 5 + (5 − 1)·2 = 13; 13 + (5 − 1)·4 = 29")
    dilated = [{"kernel_size": 3}, {"kernel_size": 3, "dilation": 2}]
    assert derive("receptive_field", {"layers": dilated}, 7) == "1 + (3 − 1)·1 + (3 − 1)·2·1 = 7"


@settings(max_examples=200, deadline=None)
@given(count=st.integers(1, 10**9), dtype=st.sampled_from(["float32", "float16", "bfloat16", "float64", "int8"]),
       unit=st.sampled_from(["MB", "MiB", "GB", "GiB", "bytes"]),
       optimizer=st.sampled_from(["sgd", "sgd_momentum", "adam", "adamw"]), amsgrad=st.booleans())
def test_memory_derivations(count, dtype, unit, optimizer, amsgrad) -> None:
    _derives("param_bytes", count=count, dtype=dtype)
    _derives("model_size", count=count, dtype=dtype, unit=unit)
    for name in ("optimizer_state_bytes", "training_memory_bytes"):
        _derives(name, count=count, optimizer=optimizer, dtype=dtype, amsgrad=amsgrad)


def test_memory_derivations_name_the_unit() -> None:
    args = {"count": 60192808, "dtype": "float32"}
    assert derive("model_size", {**args, "unit": "MB"}, 240.771232) == "60192808·4/10^6 = 240.771232"
    assert derive("model_size", {**args, "unit": "MiB"}, 229.6173401) == "60192808·4/2^20 = 229.6173401"
    assert derive("optimizer_state_bytes", {**args, "optimizer": "adam"}, 481542464) == "2·60192808·4 = 481542464"


@settings(max_examples=100, deadline=None)
@given(cin=st.integers(1, 64), cout=st.integers(1, 64), k=pairs, bias=st.booleans(), version=st.sampled_from([1, 2, 3]),
       boxes=st.integers(1, 9))
def test_more_count_derivations(cin, cout, k, bias, version, boxes) -> None:
    _derives("depthwise_separable_params", in_channels=cin, out_channels=cout, kernel_size=k, bias=bias)
    _derives("conv3d_params", in_channels=cin, out_channels=cout, kernel_size=[1, 3, 3], bias=bias)
    _derives("batchnorm2d_params", num_features=cin)
    _derives("yolo_depth", version=version, num_classes=cout, boxes_per_cell=boxes)


@settings(max_examples=100, deadline=None)
@given(c=st.integers(1, 32), n=st.integers(1, 32), k=st.sampled_from([1, 3, 5]), size=st.integers(5, 20))
def test_reduction_derivations(c, n, k, size) -> None:
    conv = {"type": "conv2d", "kernel_size": k, "padding": k // 2}
    args = {"input_shape": [c, size, size], "layers": [{**conv, "out_channels": n}],
            "replacement": [{**conv, "out_channels": c, "groups": c},
                            {"type": "conv2d", "out_channels": n, "kernel_size": 1}]}
    for name in ("network_params_reduction", "network_macs_reduction"):
        _derives(name, **args)
