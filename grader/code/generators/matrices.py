"""Cases on small matrices: (transposed) convolutions, pooling backward passes, filter recovery.

Entries are small integers (zeros and negatives included) so the reference is exact and a failing case is
readable in feedback; ``floats`` switches to multiples of 0.5, still exact in binary.
"""

from __future__ import annotations

import random
from typing import Any

from pydantic import Field, model_validator

from grader.code.generators.common import (Case, Options, draw_cases, fixed_arguments, half_matrix, int_matrix,
                                           keep, pair_or_int, raises_not, restrict)
from grader.solvers.gradients import conv1d_vector, max_pool2d_backward_matrix
from grader.solvers.numerics import conv2d_matrix, conv_transpose2d_matrix
from grader.solvers.recovery import recover_filter_1d, recover_filter_2d


class MatrixOptions(Options):
    """Which hyper-parameters vary (off: left out, so the solver's default), whether some are given as
    ``[height, width]`` pairs, the largest input side, and float entries."""

    stride: bool = True
    padding: bool = True
    dilation: bool = True
    pairs: bool = True
    floats: bool = False
    max_size: int = Field(default=6, ge=1, le=16)
    max_kernel: int = Field(default=4, ge=1, le=8)


def _entries(rng: random.Random, rows: int, columns: int, floats: bool) -> list[list[Any]]:
    return half_matrix(rng, rows, columns) if floats else int_matrix(rng, rows, columns)


def _ramp(rows: int, columns: int) -> list[list[int]]:
    """1, 2, 3, ... row by row: every entry distinct, so a misplaced window shows."""
    return [[r * columns + c + 1 for c in range(columns)] for r in range(rows)]


# --- convolution ----------------------------------------------------------------------------------------

_CONV_DEFAULTS = {"stride": 1, "padding": 0, "dilation": 1}

_CONV_EDGES: list[Case] = [
    {"input": _ramp(4, 4), "kernel": [[1, 0], [0, -1]], "stride": 1, "padding": 0, "dilation": 1},
    {"input": _ramp(3, 3), "kernel": [[2]], "stride": 1, "padding": 0, "dilation": 1},  # 1×1 kernel
    {"input": _ramp(3, 3), "kernel": [[1, 2, 3], [0, 1, 0], [-1, -2, -3]], "stride": 1, "padding": 0,
     "dilation": 1},  # kernel as large as the input: one output
    {"input": _ramp(5, 5), "kernel": [[1, -1], [2, 0]], "stride": 2, "padding": 0, "dilation": 1},  # no divide
    {"input": _ramp(3, 4), "kernel": [[0, 1, 0], [1, -4, 1], [0, 1, 0]], "stride": 1, "padding": 1,
     "dilation": 1},
    {"input": _ramp(5, 5), "kernel": [[1, 0], [0, 1]], "stride": 1, "padding": 0, "dilation": 2},
    {"input": _ramp(4, 6), "kernel": [[1, 2, -1]], "stride": [1, 2], "padding": [0, 1], "dilation": 1},
    {"input": [[0, 0], [0, 0]], "kernel": [[3, -3], [1, 1]], "stride": 1, "padding": 1, "dilation": 1},
]


def conv2d_matrix_cases(rng: random.Random, count: int, options: MatrixOptions) -> list[Case]:
    fixed = fixed_arguments(options, _CONV_DEFAULTS)
    edges = [case for case in _CONV_EDGES if _fits(case, options)]

    def draw(rng: random.Random) -> Case:
        return keep({**_matrices(rng, options), "stride": pair_or_int(rng, 1, 3, options.pairs),
                     "padding": pair_or_int(rng, 0, 2, options.pairs),
                     "dilation": pair_or_int(rng, 1, 2, options.pairs)}, fixed)

    return draw_cases(rng, count, restrict(edges, fixed), draw, raises_not(conv2d_matrix))


def _matrices(rng: random.Random, options: MatrixOptions) -> Case:
    rows, columns = rng.randint(1, options.max_size), rng.randint(1, options.max_size)
    k_h, k_w = rng.randint(1, options.max_kernel), rng.randint(1, options.max_kernel)
    return {"input": _entries(rng, rows, columns, options.floats),
            "kernel": _entries(rng, k_h, k_w, options.floats)}


def _fits(case: Case, options: MatrixOptions) -> bool:
    """An edge case within the options: sizes, pairs and (for ``floats``) every edge is integer anyway."""
    sizes_ok = (len(case["input"]) <= options.max_size and len(case["input"][0]) <= options.max_size
                and len(case["kernel"]) <= options.max_kernel and len(case["kernel"][0]) <= options.max_kernel)
    return sizes_ok and (options.pairs or not any(isinstance(value, list) for name, value in case.items()
                                                  if name not in ("input", "kernel")))


# --- the weight gradient of a convolution ---------------------------------------------------------------


def conv2d_weight_gradient_cases(rng: random.Random, count: int, options: MatrixOptions) -> list[Case]:
    """The convolution cases, each with an upstream gradient of its output's shape (its own entries).

    The kernel travels as ``kernel_shape`` (the kernel itself: a backward pass is handed the weights, though
    only their shape matters to dL/dw).
    """
    upstream_rng = random.Random(rng.getrandbits(64))  # a stream of its own: a longer run extends a shorter one
    cases = conv2d_matrix_cases(rng, count, options)
    return [{**{name if name != "kernel" else "kernel_shape": value for name, value in case.items()},
             "upstream": _entries(upstream_rng, *conv2d_matrix(**case).shape, options.floats)} for case in cases]


LEARNING_RATES = (0.01, 0.1, 0.25, 0.5, 1.0, 2)


def conv2d_sgd_step_cases(rng: random.Random, count: int, options: MatrixOptions) -> list[Case]:
    """The weight-gradient cases with their kernel as the weights to update and a learning rate each."""
    rate_rng = random.Random(rng.getrandbits(64))
    cases = conv2d_weight_gradient_cases(rng, count, options)
    return [{**{name if name != "kernel_shape" else "kernel": value for name, value in case.items()},
             "learning_rate": rate_rng.choice(LEARNING_RATES)} for case in cases]


# --- transposed convolution -----------------------------------------------------------------------------


class TransposeMatrixOptions(MatrixOptions):
    """As for convolutions, and ``output_padding``: vary it (off: left out, so 0)."""

    output_padding: bool = True


_TRANSPOSE_EDGES: list[Case] = [
    {"input": [[1, 2], [3, 4]], "kernel": [[1, 0], [0, 1]], "stride": 1, "padding": 0, "output_padding": 0,
     "dilation": 1},
    {"input": [[1, 2], [3, 4]], "kernel": [[1, 1], [1, 1]], "stride": 2, "padding": 0, "output_padding": 0,
     "dilation": 1},  # no overlap
    {"input": [[1, -1], [2, 0]], "kernel": _ramp(3, 3), "stride": 2, "padding": 0, "output_padding": 0,
     "dilation": 1},  # overlap adds up
    {"input": [[5]], "kernel": [[1, 2], [3, 4]], "stride": 1, "padding": 0, "output_padding": 0,
     "dilation": 1},
    {"input": _ramp(2, 3), "kernel": [[1, -1, 2]], "stride": 3, "padding": 0, "output_padding": 0,
     "dilation": 1},  # gaps between the copies
    {"input": _ramp(3, 3), "kernel": [[1, 2], [0, -1]], "stride": 2, "padding": 1, "output_padding": 1,
     "dilation": 1},
    {"input": [[1, 2], [3, 4]], "kernel": [[1, 1], [1, -1]], "stride": 1, "padding": 0, "output_padding": 0,
     "dilation": 2},
]


def conv_transpose2d_matrix_cases(rng: random.Random, count: int, options: TransposeMatrixOptions) -> list[Case]:
    fixed = fixed_arguments(options, {**_CONV_DEFAULTS, "output_padding": 0})
    edges = [case for case in _TRANSPOSE_EDGES if _fits(case, options)]

    def draw(rng: random.Random) -> Case:
        stride, dilation = rng.randint(1, 3), rng.randint(1, 2)
        output_padding = rng.randint(0, max(stride, dilation) - 1)
        return keep({**_matrices(rng, options), "stride": stride, "padding": rng.randint(0, 2),
                     "output_padding": output_padding, "dilation": dilation}, fixed)

    return draw_cases(rng, count, restrict(edges, fixed), draw, raises_not(conv_transpose2d_matrix))


# --- pooling backward -------------------------------------------------------------------------------------


class PoolOptions(Options):
    """``stride``: draw a stride (off: left out, so the stride is the kernel size); ``pairs``: some kernels
    and strides as ``[height, width]``; ``ties``: allow equal entries in a window (torch's gradient goes to
    the first maximum in row-major order); ``floats``: float entries."""

    stride: bool = True
    pairs: bool = True
    ties: bool = False
    floats: bool = False
    max_kernel: int = Field(default=3, ge=1, le=5)
    max_windows: int = Field(default=3, ge=1, le=5)


_POOL_EDGES: list[Case] = [
    {"input": [[1, 3], [2, 4]], "upstream": [[5]], "kernel_size": 2},
    {"input": _ramp(4, 4), "upstream": [[1, 2], [3, 4]], "kernel_size": 2},
    {"input": [[1, 9, 2, 8, 3], [7, 4, 6, 5, 0], [13, 12, 11, 19, 14]], "upstream": [[1, 2]],
     "kernel_size": [2, 2]},  # a row and a column no window covers
    {"input": _ramp(5, 5), "upstream": [[1, -1], [2, 3]], "kernel_size": 3, "stride": 2},  # overlapping windows
    {"input": [[4, 1, 3], [2, 8, 5], [6, 0, 7]], "upstream": [[2, 2], [2, 2]], "kernel_size": 2, "stride": 1},
    {"input": [[-1, -5], [-3, -2]], "upstream": [[3]], "kernel_size": 2},  # negative entries
]


def max_pool2d_backward_cases(rng: random.Random, count: int, options: PoolOptions) -> list[Case]:
    return _pool_cases(rng, count, options)


def avg_pool2d_backward_cases(rng: random.Random, count: int, options: PoolOptions) -> list[Case]:
    return _pool_cases(rng, count, options)


def _pool_cases(rng: random.Random, count: int, options: PoolOptions) -> list[Case]:
    edges = [case for case in _POOL_EDGES if _pool_fits(case, options)]
    return draw_cases(rng, count, edges, lambda rng: _pool_case(rng, options),
                      raises_not(max_pool2d_backward_matrix))


def _pool_case(rng: random.Random, options: PoolOptions) -> Case:
    kernel = pair_or_int(rng, 1, options.max_kernel, options.pairs)
    (k_h, k_w) = kernel if isinstance(kernel, list) else (kernel, kernel)
    stride = pair_or_int(rng, 1, options.max_kernel, options.pairs) if options.stride else None
    (s_h, s_w) = (k_h, k_w) if stride is None else (stride if isinstance(stride, list) else (stride, stride))
    out_h, out_w = rng.randint(1, options.max_windows), rng.randint(1, options.max_windows)
    rows = k_h + s_h * (out_h - 1) + rng.randint(0, s_h - 1)  # a leftover that no window covers
    columns = k_w + s_w * (out_w - 1) + rng.randint(0, s_w - 1)
    case = {"input": _pool_input(rng, rows, columns, options), "upstream": int_matrix(rng, out_h, out_w, -3, 5),
            "kernel_size": kernel}
    return case if stride is None else {**case, "stride": stride}


def _pool_input(rng: random.Random, rows: int, columns: int, options: PoolOptions) -> list[list[Any]]:
    """Distinct entries unless ``ties``: which entry is the maximum is then unambiguous."""
    if options.ties:
        return _entries(rng, rows, columns, options.floats)
    values = rng.sample(range(-rows * columns * 2, rows * columns * 2), rows * columns)
    scale = 2 if options.floats else 1
    return [[values[r * columns + c] / scale if options.floats else values[r * columns + c]
             for c in range(columns)] for r in range(rows)]


def _pool_fits(case: Case, options: PoolOptions) -> bool:
    kernel, stride = case["kernel_size"], case.get("stride")
    return ((options.pairs or not any(isinstance(value, list) for value in (kernel, stride)))
            and (options.stride or stride is None)
            and max(kernel if isinstance(kernel, list) else [kernel]) <= options.max_kernel)


# --- filter recovery --------------------------------------------------------------------------------------


class RecoveryOptions(Options):
    """``kernel_size``: pass the kernel size (off: left out, inferred from the lengths); ``stride`` and
    ``padding``: vary them (off: 1 and 0). Every case has exactly one filter that explains it."""

    kernel_size: bool = True
    stride: bool = False
    padding: bool = False
    max_size: int = Field(default=8, ge=2, le=16)
    max_kernel: int = Field(default=4, ge=1, le=6)

    @model_validator(mode="after")
    def _size_given_with_stride(self) -> "RecoveryOptions":
        if self.stride and not self.kernel_size:
            raise ValueError("stride needs kernel_size: true (with a stride the kernel size cannot be inferred)")
        return self


def recover_filter_1d_cases(rng: random.Random, count: int, options: RecoveryOptions) -> list[Case]:
    def draw(rng: random.Random) -> Case:
        k = rng.randint(1, options.max_kernel)
        stride = rng.randint(1, 2) if options.stride else 1
        padding = rng.randint(0, 1) if options.padding else 0
        signal = [rng.randint(-4, 5) for _ in range(rng.randint(max(1, k - 2 * padding), options.max_size))]
        kernel = [rng.randint(-3, 3) for _ in range(k)]
        output = conv1d_vector(signal, kernel, stride, padding).tolist()
        return _recovery_case({"signal": signal, "output": output}, k, stride, padding, options)

    return draw_cases(rng, count, (), draw, raises_not(recover_filter_1d))


def recover_filter_2d_cases(rng: random.Random, count: int, options: RecoveryOptions) -> list[Case]:
    def draw(rng: random.Random) -> Case:
        k = (rng.randint(1, options.max_kernel), rng.randint(1, options.max_kernel))
        stride = rng.randint(1, 2) if options.stride else 1
        padding = rng.randint(0, 1) if options.padding else 0
        side = min(options.max_size, 6)
        image = int_matrix(rng, rng.randint(max(1, k[0] - 2 * padding), side),
                           rng.randint(max(1, k[1] - 2 * padding), side))
        kernel = int_matrix(rng, k[0], k[1], -3, 3)
        output = conv2d_matrix(image, kernel, stride, padding).tolist()
        size = list(k) if k[0] != k[1] else k[0]
        return _recovery_case({"input": image, "output": output}, size, stride, padding, options)

    return draw_cases(rng, count, (), draw, raises_not(recover_filter_2d))


def _recovery_case(case: Case, kernel_size: Any, stride: int, padding: int, options: RecoveryOptions) -> Case:
    if options.kernel_size or stride != 1:
        case["kernel_size"] = kernel_size
    if options.stride:
        case["stride"] = stride
    if options.padding:
        case["padding"] = padding
    return case


# --- a designed filter's size -----------------------------------------------------------------------------


class FilterSizeOptions(Options):
    """Sizes from ``min_size`` to ``max_size`` (only odd ones with ``odd_only``), in a seeded order."""

    min_size: int = Field(default=2, ge=1, le=15)
    max_size: int = Field(default=7, ge=1, le=15)
    odd_only: bool = False

    @model_validator(mode="after")
    def _some_size(self) -> "FilterSizeOptions":
        if not any(k % 2 or not self.odd_only for k in range(self.min_size, self.max_size + 1)):
            raise ValueError(f"no filter size between min_size {self.min_size} and max_size {self.max_size}")
        return self


def filter_size_cases(rng: random.Random, count: int, options: FilterSizeOptions) -> list[Case]:
    sizes = [k for k in range(options.min_size, options.max_size + 1) if k % 2 or not options.odd_only]
    rng.shuffle(sizes)
    return [{"kernel_size": sizes[index % len(sizes)]} for index in range(count)]
