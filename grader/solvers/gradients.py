"""Small worked examples of pooling, backpropagation and one SGD step, on one matrix (one channel, no batch).

Every gradient is what torch autograd gives for the upstream gradient ``upstream`` (dL/dy, the shape of
the layer's output). Entries that are all integers give an ``int64`` array (exact); any float gives
``float64``; averages and SGD steps are always ``float64``. numpy is imported inside the functions so
that importing the solver registry stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal, Optional

from pydantic import Field

from grader.solvers.argtypes import (
    Flag,
    Matrix,
    NonNegative,
    NonNegativePair,
    Number,
    Positive,
    PositivePair,
    StrictFloat,
    StrictInt,
    kind_of,
    pair,
    tagged_union,
)
from grader.solvers.numerics import _matrix, conv2d_matrix
from grader.solvers.sizes import conv_output_size, pool_output_size

if TYPE_CHECKING:
    import numpy as np


def _shape_or_matrix_tag(value: Any) -> Optional[str]:
    if kind_of(value) != "list":
        return None
    return "matrix" if value and all(kind_of(row) == "list" for row in value) else "shape"


ShapeOrMatrix = tagged_union(
    _shape_or_matrix_tag,
    "Input should be a shape [height, width] or a matrix (a list of rows)",
    shape=tuple[Positive, Positive],
    matrix=Matrix,
)
"""``(height, width)``, or a matrix of which only the shape is used."""

Vector = Annotated[list[Number], Field(min_length=1)]
"""A non-empty 1-D list of numbers."""

LearningRate = tagged_union(
    lambda value: kind_of(value) if kind_of(value) in ("int", "float") else None,
    "Input should be a positive number",
    int=Annotated[StrictInt, Field(gt=0)],
    float=Annotated[StrictFloat, Field(gt=0, allow_inf_nan=False)],
)


# --- pooling -----------------------------------------------------------------------------------------


def max_pool2d_matrix(input: Matrix, kernel_size: PositivePair, stride: Optional[PositivePair] = None) -> np.ndarray:
    """Max pooling: y[i, j] = max of the k_h×k_w window at (s*i, s*j); stride s defaults to the kernel size.

    No padding, as torch.nn.functional.max_pool2d with one channel.
    """
    x = _matrix(input, "input")
    windows = _pool_windows(x.shape, kernel_size, stride)
    y = _zeros(_grid(windows), x)
    for (i, j), window in windows:
        y[i, j] = x[window].max()
    return y


def avg_pool2d_matrix(input: Matrix, kernel_size: PositivePair, stride: Optional[PositivePair] = None) -> np.ndarray:
    """Average pooling: y[i, j] = mean of the k_h×k_w window at (s*i, s*j) (float64); s defaults to k.

    No padding, as torch.nn.functional.avg_pool2d with one channel.
    """
    import numpy as np

    x = _matrix(input, "input")
    windows = _pool_windows(x.shape, kernel_size, stride)
    k_h, k_w = pair(kernel_size)
    y = np.zeros(_grid(windows), dtype=np.float64)
    for (i, j), window in windows:
        y[i, j] = x[window].sum() / (k_h * k_w)
    return y


def max_pool2d_backward_matrix(
    input: Matrix, upstream: Matrix, kernel_size: PositivePair, stride: Optional[PositivePair] = None
) -> np.ndarray:
    """Gradient of max pooling w.r.t. its input: each upstream[i, j] goes to the max of its window.

    A tie goes to the first maximum in row-major order, as torch does; windows that overlap (stride
    smaller than the kernel) add their gradients where they share a maximum. No padding.
    """
    import numpy as np

    x, g = _matrix(input, "input"), _matrix(upstream, "upstream")
    windows = _pool_windows(x.shape, kernel_size, stride)
    _check_upstream(g, _grid(windows), "the max pooling")
    dx = np.zeros(x.shape, dtype=np.result_type(x, g))
    for (i, j), window in windows:
        a, b = np.unravel_index(np.argmax(x[window]), x[window].shape)  # argmax: the first maximum
        dx[window][a, b] += g[i, j]
    return dx


def avg_pool2d_backward_matrix(
    input: Matrix, upstream: Matrix, kernel_size: PositivePair, stride: Optional[PositivePair] = None
) -> np.ndarray:
    """Gradient of average pooling w.r.t. its input: upstream[i, j]/(k_h*k_w) to every entry of its window.

    float64; overlapping windows add up. Only the input's shape is used. No padding.
    """
    import numpy as np

    x, g = _matrix(input, "input"), _matrix(upstream, "upstream")
    windows = _pool_windows(x.shape, kernel_size, stride)
    _check_upstream(g, _grid(windows), "the average pooling")
    k_h, k_w = pair(kernel_size)
    dx = np.zeros(x.shape, dtype=np.float64)
    for (i, j), window in windows:
        dx[window] += g[i, j] / (k_h * k_w)
    return dx


# --- activations ---------------------------------------------------------------------------------------


def relu_matrix(input: Matrix) -> np.ndarray:
    """ReLU applied entry-wise: z = max(0, x)."""
    import numpy as np

    x = _matrix(input, "input")
    return np.maximum(x, 0).astype(x.dtype)


def relu_backward_matrix(input: Matrix, upstream: Matrix) -> np.ndarray:
    """Gradient of ReLU w.r.t. its input: upstream where input > 0, else 0 (the derivative at 0 is 0).

    As torch: relu'(0) = 0. The upstream gradient has the input's shape.
    """
    import numpy as np

    x, g = _matrix(input, "input"), _matrix(upstream, "upstream")
    _check_upstream(g, x.shape, "ReLU")
    return np.where(x > 0, g, 0).astype(np.result_type(x, g))


# --- convolution ---------------------------------------------------------------------------------------


def conv2d_input_gradient_matrix(
    input_shape: ShapeOrMatrix,
    kernel: Matrix,
    upstream: Matrix,
    stride: PositivePair = 1,
    padding: NonNegativePair = 0,
    dilation: PositivePair = 1,
) -> np.ndarray:
    """Gradient of a 2-D convolution (cross-correlation) w.r.t. its input: each g[i, j]*w added at (s*i, s*j).

    dx_pad[s*i + d*a, s*j + d*b] += g[i, j] * w[a, b], then the p padded rows/columns are cut from each
    side; rows/columns the strided kernel never reaches get 0. g: upstream (the convolution's output
    shape), w: kernel. ``input_shape`` is (H, W) or the input matrix itself (only its shape is used).
    The dtype follows the kernel and upstream.
    """
    h, w_in = _shape(input_shape, "input_shape")
    w, g = _matrix(kernel, "kernel"), _matrix(upstream, "upstream")
    (s_h, s_w), (p_h, p_w), (d_h, d_w) = pair(stride), pair(padding), pair(dilation)
    k_h, k_w = w.shape
    h_out = conv_output_size(h, k_h, s_h, p_h, d_h)
    w_out = conv_output_size(w_in, k_w, s_w, p_w, d_w)
    _check_upstream(g, (h_out, w_out), "the convolution")
    dx_pad = _zeros((h + 2 * p_h, w_in + 2 * p_w), w, g)
    for a in range(k_h):
        for b in range(k_w):
            rows = slice(d_h * a, d_h * a + s_h * (h_out - 1) + 1, s_h)
            cols = slice(d_w * b, d_w * b + s_w * (w_out - 1) + 1, s_w)
            dx_pad[rows, cols] += w[a, b] * g
    return dx_pad[p_h : p_h + h, p_w : p_w + w_in].copy()


def conv2d_weight_gradient_matrix(
    input: Matrix,
    kernel_shape: ShapeOrMatrix,
    upstream: Matrix,
    stride: PositivePair = 1,
    padding: NonNegativePair = 0,
    dilation: PositivePair = 1,
    flip_kernel: Flag = False,
) -> np.ndarray:
    """Gradient of a 2-D convolution (cross-correlation) w.r.t. its kernel: g correlated with the input.

    dw[a, b] = sum_ij g[i, j] * x_pad[s*i + d*a, s*j + d*b]; x_pad: the input with p zeros on every side,
    g: upstream (the convolution's output shape). ``kernel_shape`` is (k_h, k_w) or the kernel itself
    (only its shape is used). The dtype follows the input and upstream. ``flip_kernel``: the gradient for
    a layer that flips its kernel (the textbook convolution), which is this one rotated by 180°.
    """
    x, g = _matrix(input, "input"), _matrix(upstream, "upstream")
    k_h, k_w = _shape(kernel_shape, "kernel_shape")
    (s_h, s_w), (p_h, p_w), (d_h, d_w) = pair(stride), pair(padding), pair(dilation)
    h, w_in = x.shape
    h_out = conv_output_size(h, k_h, s_h, p_h, d_h)
    w_out = conv_output_size(w_in, k_w, s_w, p_w, d_w)
    _check_upstream(g, (h_out, w_out), "the convolution")
    x_pad = _pad(x, p_h, p_w)
    dw = _zeros((k_h, k_w), x, g)
    for a in range(k_h):
        for b in range(k_w):
            rows = slice(d_h * a, d_h * a + s_h * (h_out - 1) + 1, s_h)
            cols = slice(d_w * b, d_w * b + s_w * (w_out - 1) + 1, s_w)
            dw[a, b] = (g * x_pad[rows, cols]).sum()
    return dw[::-1, ::-1].copy() if flip_kernel else dw


def conv2d_matrix_circular(
    input: Matrix,
    kernel: Matrix,
    stride: PositivePair = 1,
    padding: NonNegativePair = 0,
    dilation: PositivePair = 1,
) -> np.ndarray:
    """2-D convolution (cross-correlation) with circular padding: the input wraps around, p on every side.

    As torch.nn.Conv2d(padding_mode="circular"): x_pad = F.pad(x, mode="circular"), then a convolution
    without padding. torch requires p <= the input's size in that dimension.
    """
    import numpy as np

    x = _matrix(input, "input")
    p_h, p_w = pair(padding)
    _check_circular(x.shape[0], p_h, "height")
    _check_circular(x.shape[1], p_w, "width")
    x_pad = np.pad(x, ((p_h, p_h), (p_w, p_w)), mode="wrap")
    return conv2d_matrix(x_pad.tolist(), kernel, stride, 0, dilation)


def conv1d_vector(
    input: Vector,
    kernel: Vector,
    stride: Positive = 1,
    padding: NonNegative = 0,
    dilation: Positive = 1,
    padding_mode: Literal["zeros", "circular"] = "zeros",
) -> np.ndarray:
    """1-D convolution (cross-correlation): y[i] = sum_a x_pad[s*i + d*a] * w[a].

    x_pad: x with p zeros on each side (``padding_mode="zeros"``) or wrapped around (``"circular"``; torch
    requires p <= n), as torch.nn.Conv1d with one channel.
    """
    if padding_mode == "circular":
        _check_circular(len(input), padding, "length")
        x = list(input[len(input) - padding :]) + list(input) + list(input[:padding]) if padding else list(input)
        return conv2d_matrix([x], [list(kernel)], (1, stride), 0, (1, dilation))[0]
    return conv2d_matrix([list(input)], [list(kernel)], (1, stride), (0, padding), (1, dilation))[0]


# --- optimisation --------------------------------------------------------------------------------------


def sgd_step_matrix(weights: Matrix, gradient: Matrix, learning_rate: LearningRate) -> np.ndarray:
    """One step of plain gradient descent: w_new = w - lr * g (float64).

    No momentum, no weight decay; the gradient has the weights' shape.
    """
    import numpy as np

    w, g = _matrix(weights, "weights"), _matrix(gradient, "gradient")
    if g.shape != w.shape:
        raise ValueError(f"gradient has shape {g.shape} but the weights have shape {w.shape}")
    return w.astype(np.float64) - learning_rate * g.astype(np.float64)


def conv2d_sgd_step_matrix(
    input: Matrix,
    kernel: Matrix,
    upstream: Matrix,
    learning_rate: LearningRate,
    stride: PositivePair = 1,
    padding: NonNegativePair = 0,
    dilation: PositivePair = 1,
) -> np.ndarray:
    """A convolution's kernel after one plain SGD step on one image: w - lr * dL/dw (float64).

    dL/dw is ``conv2d_weight_gradient_matrix`` for the upstream gradient (dL/dy, the output's shape).
    """
    gradient = conv2d_weight_gradient_matrix(input, kernel, upstream, stride, padding, dilation)
    return sgd_step_matrix(kernel, gradient.tolist(), learning_rate)


# --- helpers -------------------------------------------------------------------------------------------


def _pool_windows(
    shape: tuple[int, int], kernel_size: Any, stride: Any
) -> list[tuple[tuple[int, int], tuple[slice, slice]]]:
    """((i, j), window) for every output position of a pooling without padding, row by row."""
    (k_h, k_w) = pair(kernel_size)
    (s_h, s_w) = pair(kernel_size if stride is None else stride)
    h_out = pool_output_size(shape[0], k_h, s_h)
    w_out = pool_output_size(shape[1], k_w, s_w)
    return [
        ((i, j), (slice(s_h * i, s_h * i + k_h), slice(s_w * j, s_w * j + k_w)))
        for i in range(h_out)
        for j in range(w_out)
    ]


def _grid(windows: list[tuple[tuple[int, int], Any]]) -> tuple[int, int]:
    i, j = windows[-1][0]
    return (i + 1, j + 1)


def _shape(value: Any, name: str) -> tuple[int, int]:
    """(rows, columns) of a shape or of a matrix."""
    if value and all(isinstance(row, (list, tuple)) for row in value):
        return _matrix(value, name).shape
    rows, cols = value
    return (rows, cols)


def _check_upstream(g: np.ndarray, shape: tuple[int, ...], what: str) -> None:
    if tuple(g.shape) != tuple(shape):
        raise ValueError(f"upstream has shape {tuple(g.shape)} but the output of {what} has shape {tuple(shape)}")


def _check_circular(size: int, padding: int, dimension: str) -> None:
    if padding > size:
        raise ValueError(f"circular padding ({padding}) must be at most the input {dimension} ({size})")


def _zeros(shape: tuple[int, int], *operands: np.ndarray) -> np.ndarray:
    import numpy as np

    return np.zeros(shape, dtype=np.result_type(*operands))


def _pad(x: np.ndarray, p_h: int, p_w: int) -> np.ndarray:
    import numpy as np

    return np.pad(x, ((p_h, p_h), (p_w, p_w)))
