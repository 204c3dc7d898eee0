"""Output sizes of convolutions, transposed convolutions and pooling, as torch computes them.

Sizes are one spatial dimension; shapes are ``(C, H, W)`` without the batch dimension. Every function
raises ``ValueError`` for a configuration torch would reject (an output smaller than 1, an output padding
not smaller than the stride or the dilation, a pooling padding over half the kernel).
"""

from __future__ import annotations

from typing import Optional

from grader.solvers.argtypes import (
    Flag,
    NonNegative,
    NonNegativePair,
    Padding,
    PaddingPair,
    PaddingTerm,
    Positive,
    PositivePair,
    ShapeCHW,
    SizeTerm,
    pair,
)


def conv_output_size(
    size: Positive,
    kernel_size: Positive,
    stride: Positive = 1,
    padding: Padding = 0,
    dilation: Positive = 1,
) -> int:
    """Output length of a convolution: floor((n + 2p - d(k - 1) - 1)/s) + 1.

    n: size, k: kernel_size, s: stride, p: padding (each side), d: dilation; d(k - 1) + 1 is the span of
    the dilated kernel. ``padding: same`` is torch's padding="same": stride 1 only, d(k - 1) zeros in all
    (``same_padding``), so the output length is n.
    """
    if padding == "same":
        if stride != 1:
            raise ValueError(f"padding 'same' needs stride 1, got stride {stride} (torch rejects it)")
        return size
    n, k, s, p, d = size, kernel_size, stride, padding, dilation
    span = d * (k - 1) + 1
    if span > n + 2 * p:
        raise ValueError(
            f"the kernel spans d(k-1)+1 = {span} but the padded input is only n+2p = {n + 2 * p}: "
            f"the output size would be {(n + 2 * p - span) // s + 1}"
        )
    return (n + 2 * p - span) // s + 1


def same_padding(kernel_size: int, dilation: int = 1) -> tuple[int, int]:
    """The zeros torch's padding="same" adds (left, right): d(k - 1) in all, the extra one on the right.

    left = d(k - 1)//2, right = d(k - 1) - left; e.g. k = 4: (1, 2). With stride 1 the output keeps its size.
    """
    total = dilation * (kernel_size - 1)
    return (total // 2, total - total // 2)


def conv_transpose_output_size(
    size: Positive,
    kernel_size: Positive,
    stride: Positive = 1,
    padding: NonNegative = 0,
    output_padding: NonNegative = 0,
    dilation: Positive = 1,
) -> int:
    """Output length of a transposed convolution: (n - 1)s - 2p + d(k - 1) + a + 1.

    n: size, k: kernel_size, s: stride, p: padding (removed from each side), a: output_padding (added on
    one side; torch requires a < s or a < d), d: dilation.
    """
    n, k, s, p, a, d = size, kernel_size, stride, padding, output_padding, dilation
    if a >= s and a >= d:
        raise ValueError(f"output_padding ({a}) must be smaller than either stride ({s}) or dilation ({d})")
    n_out = (n - 1) * s - 2 * p + d * (k - 1) + a + 1
    if n_out < 1:
        raise ValueError(f"the padding removes the whole output: the output size would be {n_out}")
    return n_out


def pool_output_size(
    size: Positive,
    kernel_size: Positive,
    stride: Optional[Positive] = None,
    padding: NonNegative = 0,
    ceil_mode: Flag = False,
) -> int:
    """Output length of max or average pooling: floor((n + 2p - k)/s) + 1, with s = k by default.

    n: size, k: kernel_size, s: stride (None: k), p: padding; torch requires p <= k/2. With ``ceil_mode``
    the division rounds up, but (as in torch) a last window that would start in the right padding is dropped.
    """
    if 2 * padding > kernel_size:
        raise ValueError(f"pooling padding ({padding}) must be at most half the kernel size ({kernel_size})")
    s = kernel_size if stride is None else stride
    if not ceil_mode:
        return conv_output_size(size, kernel_size, s, padding)
    n_out = -(-(size + 2 * padding - kernel_size) // s) + 1  # ceil division, also of a negative span
    if (n_out - 1) * s >= size + padding:
        n_out -= 1
    if n_out < 1:
        raise ValueError(f"the output size would be {n_out}: the kernel is too large for the padded input")
    return n_out


def conv2d_matrix_shape(
    input_shape: tuple[Positive, Positive],
    kernel_size: PositivePair,
    stride: PositivePair = 1,
    padding: PaddingPair = 0,
    dilation: PositivePair = 1,
) -> tuple[int, int]:
    """Output shape (H_out, W_out) of a 2-D convolution of an H×W matrix (one channel, no batch)."""
    height, width = input_shape
    (k_h, k_w), (s_h, s_w), (p_h, p_w), (d_h, d_w) = map(pair, (kernel_size, stride, padding, dilation))
    return (conv_output_size(height, k_h, s_h, p_h, d_h), conv_output_size(width, k_w, s_w, p_w, d_w))


def conv_transpose2d_matrix_shape(
    input_shape: tuple[Positive, Positive],
    kernel_size: PositivePair,
    stride: PositivePair = 1,
    padding: NonNegativePair = 0,
    output_padding: NonNegativePair = 0,
    dilation: PositivePair = 1,
) -> tuple[int, int]:
    """Output shape (H_out, W_out) of a 2-D transposed convolution of an H×W matrix (one channel)."""
    height, width = input_shape
    (k_h, k_w), (s_h, s_w), (p_h, p_w), (a_h, a_w), (d_h, d_w) = map(
        pair, (kernel_size, stride, padding, output_padding, dilation)
    )
    return (
        conv_transpose_output_size(height, k_h, s_h, p_h, a_h, d_h),
        conv_transpose_output_size(width, k_w, s_w, p_w, a_w, d_w),
    )


def conv2d_output_shape(
    input_shape: ShapeCHW,
    out_channels: Positive,
    kernel_size: PositivePair,
    stride: PositivePair = 1,
    padding: PaddingPair = 0,
    dilation: PositivePair = 1,
) -> tuple[int, int, int]:
    """Output shape (C_out, H_out, W_out) of a 2-D convolution applied to an input (C, H, W)."""
    _, height, width = input_shape
    return (out_channels, *conv2d_matrix_shape((height, width), kernel_size, stride, padding, dilation))


def conv_transpose2d_output_shape(
    input_shape: ShapeCHW,
    out_channels: Positive,
    kernel_size: PositivePair,
    stride: PositivePair = 1,
    padding: NonNegativePair = 0,
    output_padding: NonNegativePair = 0,
    dilation: PositivePair = 1,
) -> tuple[int, int, int]:
    """Output shape (C_out, H_out, W_out) of a 2-D transposed convolution applied to an input (C, H, W)."""
    _, height, width = input_shape
    spatial = conv_transpose2d_matrix_shape(
        (height, width), kernel_size, stride, padding, output_padding, dilation
    )
    return (out_channels, *spatial)


def conv_layers_to_reach(
    input_size: Positive,
    target_size: Positive,
    kernel_size: Positive,
    stride: Positive = 1,
    padding: NonNegative = 0,
    dilation: Positive = 1,
    transposed: Flag = False,
) -> int:
    """Number of identical stacked (transposed) convolutions that take a size n to exactly n_target.

    Zero when n = n_target. Raises ``ValueError`` when a layer would step past the target, move away from
    it, leave the size unchanged, or become invalid before reaching it.
    """

    def step(n: int) -> int:
        if transposed:
            return conv_transpose_output_size(n, kernel_size, stride, padding, 0, dilation)
        return conv_output_size(n, kernel_size, stride, padding, dilation)

    size, count = input_size, 0
    while size != target_size:
        try:
            following = step(size)
        except ValueError as error:
            raise ValueError(
                f"cannot reach size {target_size} from {input_size}: after {count} layers the size is "
                f"{size}, and another layer is invalid ({error})"
            ) from None
        check_progress((size,), (following,), (target_size,), f"layer {count + 1}")
        size, count = following, count + 1
    return count


def check_progress(
    before: tuple[int, ...], after: tuple[int, ...], target: tuple[int, ...], step: str, *, subject: str = ""
) -> None:
    """Raise unless ``after`` is strictly closer to ``target`` than ``before`` without passing it.

    The distance is the sum of |after_i - target_i|, so repeating a step that passes this check ends.
    Messages read "{step} takes {subject}{before} to {after}, ...".
    """
    if len(after) != len(target):
        raise ValueError(f"{step} gives {subject}{_show(after)}, which can never be {_show(target)}")
    if len(before) != len(target):
        return
    for old, new, goal in zip(before, after, target):
        if (old - goal) * (new - goal) < 0:
            raise ValueError(
                f"{step} takes {subject}{_show(before)} to {_show(after)}, past the target {_show(target)}"
            )
    old_distance = sum(abs(old - goal) for old, goal in zip(before, target))
    new_distance = sum(abs(new - goal) for new, goal in zip(after, target))
    if before == after:
        raise ValueError(
            f"{step} leaves {subject}{_show(before)} unchanged: it never reaches {_show(target)}"
        )
    if new_distance >= old_distance:
        raise ValueError(
            f"{step} takes {subject}{_show(before)} to {_show(after)}, no closer to the target {_show(target)}"
        )


def _show(shape: tuple[int, ...]) -> str:
    return "×".join(str(n) for n in shape)


# --- formulas in the student's symbols ------------------------------------------------------------------

Terms = list[tuple[int, str]]


def conv_output_size_formula(
    size: SizeTerm = "N",
    kernel_size: SizeTerm = "K",
    stride: SizeTerm = "S",
    padding: PaddingTerm = "P",
    dilation: SizeTerm = 1,
) -> str:
    """The convolution output size as a formula: floor((N + 2*P - K)/S) + 1 in the given symbols.

    Each argument is a symbol name or a number; numbers are folded in (stride 1 drops the floor and the
    division; dilation D gives D*(K - 1) + 1 for K). With every argument a number, the size itself.
    ``padding: same`` (as torch's padding="same", stride 1 only) keeps the size: the formula is N.
    """
    if padding == "same":
        if stride != 1:
            raise ValueError("padding 'same' needs stride 1 (as in torch)")
        return str(size)
    values = (size, kernel_size, stride, padding, dilation)
    _check_symbols(values)
    if all(isinstance(value, int) for value in values):
        return str(conv_output_size(*values))  # type: ignore[arg-type]
    terms: Terms = []
    constant = _add(terms, 1, size) + _add(terms, 2, padding)
    constant += _add_span(terms, kernel_size, dilation, sign=-1)
    if not terms and constant < 0:
        raise ValueError("the kernel is larger than the padded input: the output size would be below 1")
    if not terms and constant == 0:
        return "1"
    first = isinstance(size, int)  # "224 + 2*P - K", not "2*P - K + 224"
    if stride == 1:
        return _render(terms, constant + 1, constant_first=first)
    numerator = _render(terms, constant, constant_first=first)
    if len(terms) + (constant != 0) > 1 or numerator.startswith("-"):  # terms holds no zero coefficient
        numerator = f"({numerator})"
    return f"floor({numerator}/{stride}) + 1"


def conv_transpose_output_size_formula(
    size: SizeTerm = "N",
    kernel_size: SizeTerm = "K",
    stride: SizeTerm = "S",
    padding: PaddingTerm = "P",
    output_padding: PaddingTerm = 0,
    dilation: SizeTerm = 1,
) -> str:
    """The transposed-convolution output size as a formula: (N - 1)*S - 2*P + K in the given symbols.

    With output padding A and dilation D: (N - 1)*S - 2*P + D*(K - 1) + A + 1. Numbers are folded in.
    """
    values = (size, kernel_size, stride, padding, output_padding, dilation)
    _check_symbols(values)
    if all(isinstance(value, int) for value in values):
        return str(conv_transpose_output_size(*values))  # type: ignore[arg-type]
    terms: Terms = []
    if isinstance(size, int) and isinstance(stride, int):
        constant = (size - 1) * stride
    elif isinstance(size, int):
        constant = _add(terms, size - 1, stride)
    elif isinstance(stride, int):
        constant = _add(terms, stride, size) - stride
    else:
        terms.append((1, f"({size} - 1)*{stride}"))
        constant = 0
    constant += _add(terms, -2, padding)
    constant += _add_span(terms, kernel_size, dilation, sign=1)
    constant += _add(terms, 1, output_padding)
    return _render(terms, constant, constant_first=isinstance(size, int) and not isinstance(stride, int))


FUNCTIONS = ("floor", "ceil", "min", "max", "sqrt", "log")
"""Names the formula syntax reserves for functions."""


def _check_symbols(values: tuple[str | int, ...]) -> None:
    for value in values:
        if isinstance(value, str) and value in FUNCTIONS:
            raise ValueError(f"{value!r} names a function in formulas; choose another symbol")


def _add(terms: Terms, coefficient: int, value: str | int) -> int:
    """Append coefficient*value if value is a symbol; otherwise return it as a constant."""
    if isinstance(value, int):
        return coefficient * value
    if coefficient:
        terms.append((coefficient, value))
    return 0


def _add_span(terms: Terms, kernel_size: str | int, dilation: str | int, *, sign: int) -> int:
    """Append sign*(D*(K - 1) + 1), the dilated kernel's span; return its constant part."""
    if isinstance(kernel_size, int) and isinstance(dilation, int):
        return sign * (dilation * (kernel_size - 1) + 1)
    if dilation == 1:
        terms.append((sign, str(kernel_size)))
        return 0
    if isinstance(dilation, int):  # D*(K - 1) + 1 = D*K - (D - 1)
        terms.append((sign * dilation, str(kernel_size)))
        return sign * (1 - dilation)
    if isinstance(kernel_size, int):
        return _add(terms, sign * (kernel_size - 1), dilation) + sign
    terms.append((sign, f"{dilation}*({kernel_size} - 1)"))
    return sign


def _render(terms: Terms, constant: int, *, constant_first: bool = False) -> str:
    """Terms joined with + and -, the folded constant last (or first), e.g. "N + 2*P - K + 1"."""
    items = [(c, symbol if abs(c) == 1 else f"{abs(c)}*{symbol}") for c, symbol in terms]
    if constant:
        items.insert(0 if constant_first else len(items), (constant, str(abs(constant))))
    if not items:
        return "0"
    text = ""
    for coefficient, body in items:
        if not text:
            text = body if coefficient > 0 else f"-{body}"
        else:
            text += f" + {body}" if coefficient > 0 else f" - {body}"
    return text
