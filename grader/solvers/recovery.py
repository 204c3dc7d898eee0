"""Filter recovery: the filter w of a 'valid' cross-correlation (as torch's conv1d/conv2d), given x and y.

Each output is one linear equation in the filter entries, y[i] = sum_j x_pad[s*i + j] * w[j], so the
filter solves a linear system A w = y. It is solved in exact rational arithmetic: integers are exact, and
a float is read as the decimal it is written as (``0.1`` is 1/10), so data copied from a homework document
is solved exactly. With ``method: exact`` an inconsistent system (no filter gives this output) or a
rank-deficient one (many filters give it) raises ``ValueError`` saying which; ``method: least_squares``
returns the least-squares filter (the minimum-norm one when several fit equally well).

The filter comes back as a numpy array: ``int64`` when every entry is an integer, else ``float64``. numpy is
imported inside the functions so that importing the solver registry stays fast.
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Annotated, Literal, Optional, Sequence

from pydantic import Field

from grader.solvers.argtypes import Matrix, NonNegative, NonNegativePair, Number, Positive, PositivePair, pair
from grader.solvers.sizes import conv_output_size

if TYPE_CHECKING:
    import numpy as np

Signal = Annotated[list[Number], Field(min_length=1)]
"""A non-empty 1-D list of numbers."""

Method = Literal["exact", "least_squares"]

Rows = list[list[Fraction]]


def recover_filter_1d(
    signal: Signal,
    output: Signal,
    kernel_size: Optional[Positive] = None,
    stride: Positive = 1,
    padding: NonNegative = 0,
    method: Method = "exact",
) -> np.ndarray:
    """The filter w with y = conv1d(x, w) ('valid' cross-correlation, no flip): solves y[i] = sum_j x[s*i + j]*w[j].

    x: signal (zero-padded by p on each side), y: output, s: stride, k: kernel_size (default, stride 1
    only: k = n + 2p - m + 1 for n inputs and m outputs). ``exact`` raises ``ValueError`` when no filter
    of size k gives y, or when several do (saying how many degrees of freedom are free);
    ``least_squares`` returns the (minimum-norm) least-squares filter.
    """
    x = [_rational(value) for value in signal]
    y = [_rational(value) for value in output]
    k = _kernel_size(len(x), len(y), kernel_size, stride, padding, "signal")
    x_pad = [Fraction(0)] * padding + x + [Fraction(0)] * padding
    rows = [[x_pad[stride * i + j] for j in range(k)] for i in range(len(y))]
    w = _solve(rows, y, method, f"size {k}")
    return _array(w, (k,))


def recover_filter_2d(
    input: Matrix,
    output: Matrix,
    kernel_size: Optional[PositivePair] = None,
    stride: PositivePair = 1,
    padding: NonNegativePair = 0,
    method: Method = "exact",
) -> np.ndarray:
    """The k_h×k_w filter w with Y = conv2d(X, w) ('valid' cross-correlation, no flip), one channel.

    Solves Y[i, j] = sum_ab X_pad[s_h*i + a, s_w*j + b]*w[a, b]; X_pad is X zero-padded by p on each
    side. kernel_size defaults (stride 1 only) to H + 2p_h - H_out + 1 by W + 2p_w - W_out + 1. Raises as
    :func:`recover_filter_1d`.
    """
    x, y = _rows(input, "input"), _rows(output, "output")
    (s_h, s_w), (p_h, p_w) = pair(stride), pair(padding)
    kernel = (None, None) if kernel_size is None else pair(kernel_size)
    k_h = _kernel_size(len(x), len(y), kernel[0], s_h, p_h, "input", "height")
    k_w = _kernel_size(len(x[0]), len(y[0]), kernel[1], s_w, p_w, "input", "width")
    width = len(x[0]) + 2 * p_w
    x_pad = [[Fraction(0)] * width for _ in range(p_h)]
    x_pad += [[Fraction(0)] * p_w + row + [Fraction(0)] * p_w for row in x]
    x_pad += [[Fraction(0)] * width for _ in range(p_h)]
    rows = [
        [x_pad[s_h * i + a][s_w * j + b] for a in range(k_h) for b in range(k_w)]
        for i in range(len(y))
        for j in range(len(y[0]))
    ]
    w = _solve(rows, [value for row in y for value in row], method, f"size {k_h}×{k_w}")
    return _array(w, (k_h, k_w))


# --- helpers ---------------------------------------------------------------------------------------------


def _rational(value: int | float) -> Fraction:
    """An int exactly; a float as the decimal it is written as (``0.1`` -> 1/10)."""
    if isinstance(value, int):
        return Fraction(value)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"{value} is not a finite number")
    return Fraction(repr(value))


def _rows(matrix: Sequence[Sequence[int | float]], name: str) -> Rows:
    lengths = {len(row) for row in matrix}
    if not matrix or 0 in lengths:
        raise ValueError(f"{name} is empty")
    if len(lengths) != 1:
        raise ValueError(f"{name} is not a matrix: its rows have lengths {sorted(lengths)}")
    return [[_rational(value) for value in row] for row in matrix]


def _kernel_size(
    n: int, m: int, k: Optional[int], stride: int, padding: int, name: str, dimension: str = "length"
) -> int:
    """The kernel size (given, or inferred for stride 1), checked to turn n inputs into m outputs."""
    where = "" if dimension == "length" else f" ({dimension})"
    if k is None:
        if stride != 1:
            raise ValueError(f"with stride {stride} the kernel size cannot be inferred{where}: give kernel_size")
        k = n + 2 * padding - m + 1
        if k < 1:
            raise ValueError(
                f"the output{where} has {m} entries but the padded {name} only {n + 2 * padding}: "
                "a 'valid' convolution cannot make its output longer than its input"
            )
        return k
    try:
        expected = conv_output_size(n, k, stride, padding)
    except ValueError as error:
        raise ValueError(f"a kernel of size {k} does not fit the {name}{where}: {error}") from None
    if expected != m:
        raise ValueError(
            f"a kernel of size {k} (stride {stride}, padding {padding}) turns {n} {name} entries{where} into "
            f"{expected} outputs, not {m}"
        )
    return k


def _solve(rows: Rows, y: list[Fraction], method: str, size: str) -> list[Fraction]:
    """Exact solution of rows·w = y, or (least_squares) the minimum-norm least-squares w."""
    unknowns = len(rows[0])
    reduced, pivots = _rref([row + [value] for row, value in zip(rows, y)])
    rank = sum(1 for p in pivots if p < unknowns)
    if method == "least_squares":
        return _least_squares(rows, y)
    if unknowns in pivots:  # a row 0 = c with c != 0
        raise ValueError(
            f"no filter of {size} produces this output: the {len(rows)} equations "
            f"(one per output entry) are inconsistent; method 'least_squares' gives the closest filter"
        )
    if rank < unknowns:
        free = unknowns - rank
        raise ValueError(
            f"the filter is not unique: the {len(rows)} equations (one per output entry) have rank {rank} "
            f"but the filter has {unknowns} entries, so {free} degree{'s' if free > 1 else ''} of freedom "
            f"{'are' if free > 1 else 'is'} free: infinitely many filters of {size} produce this output"
        )
    w = [Fraction(0)] * unknowns
    for row, column in zip(reduced, pivots):
        w[column] = row[unknowns]
    return w


def _rref(matrix: Rows) -> tuple[Rows, list[int]]:
    """Reduced row echelon form (exact) and the pivot column of each nonzero row."""
    a = [list(row) for row in matrix]
    pivots: list[int] = []
    top = 0
    columns = len(a[0]) if a else 0
    for column in range(columns):
        source = next((r for r in range(top, len(a)) if a[r][column] != 0), None)
        if source is None:
            continue
        a[top], a[source] = a[source], a[top]
        lead = a[top][column]
        a[top] = [value / lead for value in a[top]]
        for r in range(len(a)):
            if r != top and a[r][column] != 0:
                factor = a[r][column]
                a[r] = [value - factor * pivot for value, pivot in zip(a[r], a[top])]
        pivots.append(column)
        top += 1
        if top == len(a):
            break
    return a[:top], pivots


def _least_squares(rows: Rows, y: list[Fraction]) -> list[Fraction]:
    """The minimum-norm least-squares solution A⁺y, exactly: with A = C·R (rank factorisation),
    A⁺ = Rᵀ(R Rᵀ)⁻¹(CᵀC)⁻¹Cᵀ, where C holds A's pivot columns and R the nonzero rows of rref(A)."""
    unknowns = len(rows[0])
    reduced, pivots = _rref(rows)
    if not pivots:  # A = 0: every filter fits equally badly; the smallest is zero
        return [Fraction(0)] * unknowns
    c = [[row[p] for p in pivots] for row in rows]  # m×r
    c_t = _transpose(c)
    r_t = _transpose(reduced)  # k×r
    # z = (CᵀC)⁻¹ Cᵀ y, then w = Rᵀ (R Rᵀ)⁻¹ z
    z = _solve_square(_matmul(c_t, c), _matvec(c_t, y))
    return _matvec(r_t, _solve_square(_matmul(reduced, r_t), z))


def _solve_square(a: Rows, b: list[Fraction]) -> list[Fraction]:
    reduced, pivots = _rref([row + [value] for row, value in zip(a, b)])
    assert pivots == list(range(len(a))), "a Gram matrix of independent vectors is invertible"
    return [row[-1] for row in reduced]


def _transpose(a: Rows) -> Rows:
    return [list(column) for column in zip(*a)]


def _matmul(a: Rows, b: Rows) -> Rows:
    b_t = _transpose(b)
    return [[sum((x * y for x, y in zip(row, column)), Fraction(0)) for column in b_t] for row in a]


def _matvec(a: Rows, v: list[Fraction]) -> list[Fraction]:
    return [sum((x * y for x, y in zip(row, v)), Fraction(0)) for row in a]


def _array(values: list[Fraction], shape: tuple[int, ...]) -> np.ndarray:
    """int64 when every entry is an integer, else float64 (the nearest doubles)."""
    import numpy as np

    if all(value.denominator == 1 for value in values):
        return np.array([int(value) for value in values], dtype=np.int64).reshape(shape)
    return np.array([float(value) for value in values], dtype=np.float64).reshape(shape)
