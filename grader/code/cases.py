"""Named, seeded case generators: ``generate: {generator: NAME, seed: S, count: N, params: {...}}``.

The registry is explicit, and a name or an option is checked when the problem file loads
(``validate_generate``), with a did-you-mean for a misspelt name, so a typo fails in CI. Generation is
deterministic: ``random.Random(seed)`` only, so a student and a TA see the same case 17.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from pydantic import ValidationError

from grader.code.generators import boxes, matrices, sizes
from grader.code.generators.common import Case, Options
from grader.code.registry import build_registry, unknown_name_message
from grader.code.spec import GenerateSpec


@dataclass(frozen=True)
class Generator:
    """``draw(rng, count, options)`` gives ``count`` cases valid for ``solver`` (None: cases for a function
    judged by properties alone, such as a designed filter's size)."""

    name: str
    solver: str | None
    options: type[Options]
    draw: Callable[[random.Random, int, Any], list[Case]]

    @property
    def summary(self) -> str:
        return (self.options.__doc__ or "").strip().split("\n\n")[0]


GENERATORS: Mapping[str, Generator] = build_registry((
    Generator("conv_output_size_cases", "conv_output_size", sizes.ConvSizeOptions, sizes.conv_output_size_cases),
    Generator("conv_transpose_output_size_cases", "conv_transpose_output_size", sizes.TransposeSizeOptions,
              sizes.conv_transpose_output_size_cases),
    Generator("conv2d_params_cases", "conv2d_params", sizes.ConvParamsOptions, sizes.conv2d_params_cases),
    Generator("receptive_field_cases", "receptive_field", sizes.ReceptiveOptions, sizes.receptive_field_cases),
    Generator("conv2d_matrix_cases", "conv2d_matrix", matrices.MatrixOptions, matrices.conv2d_matrix_cases),
    Generator("conv2d_weight_gradient_cases", "conv2d_weight_gradient_matrix", matrices.MatrixOptions,
              matrices.conv2d_weight_gradient_cases),
    Generator("conv2d_sgd_step_cases", "conv2d_sgd_step_matrix", matrices.MatrixOptions,
              matrices.conv2d_sgd_step_cases),
    Generator("conv_transpose2d_matrix_cases", "conv_transpose2d_matrix", matrices.TransposeMatrixOptions,
              matrices.conv_transpose2d_matrix_cases),
    Generator("max_pool2d_backward_cases", "max_pool2d_backward_matrix", matrices.PoolOptions,
              matrices.max_pool2d_backward_cases),
    Generator("avg_pool2d_backward_cases", "avg_pool2d_backward_matrix", matrices.PoolOptions,
              matrices.avg_pool2d_backward_cases),
    Generator("recover_filter_1d_cases", "recover_filter_1d", matrices.RecoveryOptions,
              matrices.recover_filter_1d_cases),
    Generator("recover_filter_2d_cases", "recover_filter_2d", matrices.RecoveryOptions,
              matrices.recover_filter_2d_cases),
    Generator("iou_cases", "iou", boxes.BoxOptions, boxes.iou_cases),
    Generator("filter_size_cases", None, matrices.FilterSizeOptions, matrices.filter_size_cases),
), "generators")


def generate_cases(spec: GenerateSpec) -> tuple[Case, ...]:
    """The ``count`` cases of a (validated) generate spec; the same on every machine for one seed."""
    generator = GENERATORS[spec.generator]
    options = generator.options.model_validate(spec.params)
    return tuple(generator.draw(random.Random(spec.seed), spec.count, options))


def validate_generate(spec: GenerateSpec) -> list[str]:
    """Every problem with a generate spec, as messages for the loader: an unknown name, a wrong option."""
    if spec.generator not in GENERATORS:
        return [unknown_generator_message(spec.generator)]
    try:
        GENERATORS[spec.generator].options.model_validate(spec.params)
    except ValidationError as error:
        return [_option_message(spec.generator, detail) for detail in error.errors()]
    return []


def unknown_generator_message(name: str) -> str:
    return unknown_name_message(name, GENERATORS, "generator")


def _option_message(name: str, detail: Any) -> str:
    where = ".".join(str(part) for part in detail["loc"])
    known = ", ".join(GENERATORS[name].options.model_fields)
    if detail["type"] == "extra_forbidden":
        return f"params.{where}: generator '{name}' has no option '{where}' (its options: {known})"
    prefix = f"params.{where}: " if where else "params: "
    return prefix + detail["msg"]
