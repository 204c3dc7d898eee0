"""Published-key derivations are honest: each side of every ``=`` evaluates to the solver's value."""

from __future__ import annotations

import re
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


def _value_of(text: str) -> int:
    expression = re.sub(r"⌊([^⌋]*)⌋", r"floor(\1)", text)
    result = evaluate(expression)
    assert result.denominator == 1, text
    return int(result)


def _check(derivation: str, value) -> None:
    for clause, expected in zip(derivation.split("; "), value if isinstance(value, list) else [value]):
        left, right = clause.rsplit(" = ", 1)
        assert int(right) == expected, derivation
        assert _value_of(left) == expected, derivation


@pytest.mark.parametrize("path", sorted(Path("problems").glob("*.yaml")))
def test_every_derivation_in_a_key_evaluates_to_its_value(path: Path) -> None:
    problem_set = load_problem_set(path)
    for problem, part in problem_set.parts():
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
