"""Small worked examples: a 2-D (transposed) convolution of one matrix with one kernel, computed exactly.

Entries that are all integers give an ``int64`` array (exact); any float gives ``float64``. numpy is
imported inside the functions so that importing the solver registry stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from grader.solvers.argtypes import Flag, Matrix, NonNegativePair, PositivePair, pair
from grader.solvers.sizes import conv_output_size, conv_transpose_output_size

if TYPE_CHECKING:
    import numpy as np


def conv2d_matrix(
    input: Matrix,
    kernel: Matrix,
    stride: PositivePair = 1,
    padding: NonNegativePair = 0,
    dilation: PositivePair = 1,
    flip_kernel: Flag = False,
) -> np.ndarray:
    """Deep-learning convolution (cross-correlation): y[i, j] = sum_ab x_pad[s*i + d*a, s*j + d*b] * w[a, b].

    x: input, w: kernel (k_h×k_w), s: stride, d: dilation, x_pad: x with p zeros on every side. With
    ``flip_kernel`` w is rotated 180° first, which is the textbook (mathematical) convolution.
    """
    x, w = _matrix(input, "input"), _matrix(kernel, "kernel")
    if flip_kernel:
        w = w[::-1, ::-1]
    (s_h, s_w), (p_h, p_w), (d_h, d_w) = pair(stride), pair(padding), pair(dilation)
    (h, w_in), (k_h, k_w) = x.shape, w.shape
    h_out = conv_output_size(h, k_h, s_h, p_h, d_h)
    w_out = conv_output_size(w_in, k_w, s_w, p_w, d_w)
    x_pad = _pad(x, p_h, p_w)
    y = _zeros((h_out, w_out), x, w)
    for a in range(k_h):
        for b in range(k_w):
            rows = slice(d_h * a, d_h * a + s_h * (h_out - 1) + 1, s_h)
            cols = slice(d_w * b, d_w * b + s_w * (w_out - 1) + 1, s_w)
            y += w[a, b] * x_pad[rows, cols]
    return y


def conv_transpose2d_matrix(
    input: Matrix,
    kernel: Matrix,
    stride: PositivePair = 1,
    padding: NonNegativePair = 0,
    output_padding: NonNegativePair = 0,
    dilation: PositivePair = 1,
    flip_kernel: Flag = False,
) -> np.ndarray:
    """Transposed convolution: every x[i, j] adds x[i, j]*w into the output at (s*i, s*j).

    y_full[s*i + d*a, s*j + d*b] += x[i, j] * w[a, b]; then p rows/columns are cut from each side (a of
    output padding kept at the bottom/right): y = y_full[p : p + H_out, p : p + W_out], as
    torch.nn.functional.conv_transpose2d with one channel. ``flip_kernel`` rotates w by 180° first (the
    result of a "full" cross-correlation, a common mistake).
    """
    x, w = _matrix(input, "input"), _matrix(kernel, "kernel")
    if flip_kernel:
        w = w[::-1, ::-1]
    (s_h, s_w), (p_h, p_w) = pair(stride), pair(padding)
    (a_h, a_w), (d_h, d_w) = pair(output_padding), pair(dilation)
    (h, w_in), (k_h, k_w) = x.shape, w.shape
    h_out = conv_transpose_output_size(h, k_h, s_h, p_h, a_h, d_h)
    w_out = conv_transpose_output_size(w_in, k_w, s_w, p_w, a_w, d_w)
    full_h = (h - 1) * s_h + d_h * (k_h - 1) + 1 + a_h  # before cutting the padding
    full_w = (w_in - 1) * s_w + d_w * (k_w - 1) + 1 + a_w
    full = _zeros((full_h, full_w), x, w)
    for a in range(k_h):
        for b in range(k_w):
            rows = slice(d_h * a, d_h * a + s_h * (h - 1) + 1, s_h)
            cols = slice(d_w * b, d_w * b + s_w * (w_in - 1) + 1, s_w)
            full[rows, cols] += w[a, b] * x
    return full[p_h : p_h + h_out, p_w : p_w + w_out].copy()


def _matrix(rows: Sequence[Sequence[int | float]], name: str) -> np.ndarray:
    """A 2-D int64 array when every entry is an int (exact), else float64; rows must have equal lengths."""
    import numpy as np

    lengths = {len(row) for row in rows}
    if not rows or 0 in lengths:
        raise ValueError(f"{name} is empty")
    if len(lengths) != 1:
        raise ValueError(f"{name} is not a matrix: its rows have lengths {sorted(lengths)}")
    exact = all(isinstance(value, int) for row in rows for value in row)
    return np.array(rows, dtype=np.int64 if exact else np.float64)


def _pad(x: np.ndarray, p_h: int, p_w: int) -> np.ndarray:
    import numpy as np

    return np.pad(x, ((p_h, p_h), (p_w, p_w)))


def _zeros(shape: tuple[int, int], *operands: np.ndarray) -> np.ndarray:
    import numpy as np

    return np.zeros(shape, dtype=np.result_type(*operands))
