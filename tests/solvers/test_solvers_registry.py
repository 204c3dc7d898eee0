"""The registry contract: explicit, complete, read-only; arguments validated with whole, located errors."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest
from pydantic import TypeAdapter, ValidationError

import grader.solvers as solvers_package
from grader.solvers import (SOLVERS, channels, detection, equivariance, filters, get_solver, gradients, layers, macs,
                            memory, mistakes, network, numerics, params, receptive, recovery, reductions, sizes)
from grader.solvers.registry import Solver, _evaluate, build_registry, solver

HELPERS = {"pair", "check_progress", "walk_network", "parse_layers", "receptive_field_growth", "flops_from_macs",
           "box_corners", "unit_bytes", "triple",
           "circular_shift_between", "same_padding"}
"""Public functions of the solver modules that are building blocks, not solvers."""


def test_every_public_function_of_the_solver_modules_is_registered() -> None:
    registered = {s.func for s in SOLVERS.values()}
    modules = (params, sizes, numerics, network, mistakes, receptive, macs, detection, memory, gradients, layers,
               recovery, equivariance, filters, channels, reductions)
    for module in modules:
        for name, func in inspect.getmembers(module, inspect.isfunction):
            if func.__module__ == module.__name__ and not name.startswith("_") and name not in HELPERS:
                assert func in registered, f"{module.__name__}.{name} is not in SOLVERS"


def test_every_solver_builds_its_schema_and_has_a_summary() -> None:
    for name, item in SOLVERS.items():
        assert item.name == name
        assert item.summary and not item.summary.endswith(":"), name
        assert set(item.args_model.model_fields) == set(inspect.signature(item.func).parameters)


def test_every_default_is_valid_for_its_annotation() -> None:
    for item in SOLVERS.values():
        for param in inspect.signature(item.func).parameters.values():
            if param.default is not inspect.Parameter.empty:
                TypeAdapter(_evaluate(param.annotation, item.func)).validate_python(param.default)


def test_unknown_and_missing_arguments_are_located() -> None:
    with pytest.raises(ValidationError) as caught:
        SOLVERS["conv2d_params"].validate_args({"in_channels": 3, "out_channel": 3, "kernel_size": 7})
    errors = {(error["loc"], error["type"]) for error in caught.value.errors()}
    assert errors == {(("out_channel",), "extra_forbidden"), (("out_channels",), "missing")}


@pytest.mark.parametrize(
    ("args", "loc", "kind"),
    [
        ({"kernel_size": 7.0}, ("kernel_size",), "wrong_kind"),
        ({"kernel_size": "7"}, ("kernel_size",), "wrong_kind"),
        ({"kernel_size": True}, ("kernel_size",), "wrong_kind"),
        ({"kernel_size": [7, 7, 7]}, ("kernel_size", "pair"), "too_long"),
        ({"kernel_size": [7, 7.5]}, ("kernel_size", "pair", 1), "int_type"),
        ({"kernel_size": 0}, ("kernel_size", "int"), "greater_than_equal"),
        ({"in_channels": 3.0}, ("in_channels",), "int_type"),
        ({"bias": 1}, ("bias",), "bool_type"),
        ({"bias": "yes"}, ("bias",), "bool_type"),
    ],
)
def test_values_are_strict(args: dict, loc: tuple, kind: str) -> None:
    base = {"in_channels": 3, "out_channels": 3, "kernel_size": 7}
    with pytest.raises(ValidationError) as caught:
        SOLVERS["conv2d_params"].validate_args({**base, **args})
    assert [(e["loc"], e["type"]) for e in caught.value.errors()] == [(loc, kind)]  # one error, located


def test_yaml_lists_become_tuples() -> None:
    args = SOLVERS["conv2d_params"].validate_args({"in_channels": 3, "out_channels": 3, "kernel_size": [3, 5]})
    assert args == {"in_channels": 3, "out_channels": 3, "kernel_size": (3, 5), "bias": True, "groups": 1}
    assert SOLVERS["conv2d_params"](**args) == 3 * 5 * 3 * 3 + 3


def test_get_solver_suggests_close_names() -> None:
    assert get_solver("conv2d_params") is SOLVERS["conv2d_params"]
    with pytest.raises(KeyError) as caught:
        get_solver("conv_param")
    assert caught.value.args[0] == "unknown solver 'conv_param'; did you mean 'conv3d_params' or 'conv2d_params'?"
    with pytest.raises(KeyError) as caught:
        get_solver("conv_transpose_output")
    assert caught.value.args[0] == (
        "unknown solver 'conv_transpose_output'; did you mean 'conv_transpose_output_size' or "
        "'conv_transpose2d_output_shape'?"
    )
    with pytest.raises(KeyError) as caught:
        get_solver("xyzzy")
    assert caught.value.args[0] == "unknown solver 'xyzzy'"


def test_registry_is_read_only_and_names_are_unique() -> None:
    with pytest.raises(TypeError):
        SOLVERS["linear_params"] = SOLVERS["conv2d_params"]  # type: ignore[index]
    with pytest.raises(ValueError, match="two solvers are named 'linear_params'"):
        build_registry([solver(params.linear_params), solver(params.linear_params)])


def test_solver_requires_annotated_keyword_parameters() -> None:
    def unannotated(size):  # type: ignore[no-untyped-def]
        return size

    def variadic(*sizes: int) -> int:
        return sum(sizes)

    with pytest.raises(TypeError, match="parameter 'size' has no type annotation"):
        solver(unannotated)
    with pytest.raises(TypeError, match="parameter 'sizes' must be passable by keyword"):
        solver(variadic)


def test_calling_a_solver_validates_first() -> None:
    assert isinstance(SOLVERS["linear_params"], Solver)
    with pytest.raises(ValidationError):
        SOLVERS["linear_params"](in_features=3)


def test_importing_the_solvers_imports_neither_numpy_nor_torch() -> None:
    code = "import sys, grader.solvers; print(sorted(m for m in ('numpy', 'torch') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_package_exports() -> None:
    assert set(solvers_package.__all__) == {"SOLVERS", "Solver", "close_solver_names", "get_solver"}
