"""Mean, variance and growth of a convolution's weight gradient for random inputs (homework 004, 5(b)).

A single-channel convolution with no padding and stride 1 maps an n×n input to an m×m output, m = n − k + 1
(n, n×n or n×n×n in one, two or three dimensions). Its weight gradient is a sum over the output positions,

    dw_{h,l} = Σ_{i,j} x_{i+h−1, j+l−1} · dy_{i,j},

m^d products, each of a different input entry and a different upstream gradient. When all the entries are
independent, the products are independent too, so the moments add up:

    E[dw] = m^d μ_x μ_g        Var(dw) = m^d (σ_x² σ_g² + σ_x² μ_g² + μ_x² σ_g²)

No distribution is assumed beyond the first two moments. With zero means (the homework's case) the
standard deviation is m^(d/2) σ_x σ_g, so it grows as n^(d/2): linearly in n for images.

Arguments are symbols or numbers, as for the other formula solvers; numbers are folded in.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Annotated, Literal, Union

from pydantic import Field

from grader.solvers.argtypes import SizeTerm, StrictInt, Symbol, kind_of, tagged_union
from grader.solvers.layers import _polynomial
from grader.solvers.sizes import _check_symbols, conv_output_size_formula

Dimensions = Annotated[int, Field(strict=True, ge=1, le=3)]
"""1, 2 or 3: a 1-D signal, an image or a volume, n entries along each axis."""

MeanTerm = tagged_union(
    lambda value: {"str": "symbol", "int": "number"}.get(kind_of(value) or ""),
    "Input should be a symbol name or an integer",
    symbol=Symbol,
    number=StrictInt,
)
"""A mean: a symbol (``"mu_x"``) or any integer, 0 included."""

Factor = tuple[Union[str, int], int]  # (symbol, number or parenthesised expression; its power)


def conv_weight_gradient_mean_formula(
    size: SizeTerm = "n",
    kernel_size: SizeTerm = "k",
    mean_x: MeanTerm = 0,
    mean_g: MeanTerm = 0,
    dimensions: Dimensions = 2,
) -> str:
    """E[dw_{h,l}] = m^d·μ_x·μ_g with m = n − k + 1: "0" for zero-mean inputs or upstream gradients."""
    _check_symbols((size, kernel_size, mean_x, mean_g))
    side = _outputs_per_side(size, kernel_size)
    return _product([(side, dimensions), (mean_x, 1), (mean_g, 1)])


def conv_weight_gradient_variance_formula(
    size: SizeTerm = "n",
    kernel_size: SizeTerm = "k",
    std_x: SizeTerm = "sigma_x",
    std_g: SizeTerm = "sigma_g",
    mean_x: MeanTerm = 0,
    mean_g: MeanTerm = 0,
    dimensions: Dimensions = 2,
) -> str:
    """Var(dw_{h,l}) = m^d·(σ_x²σ_g² + σ_x²μ_g² + μ_x²σ_g²): "(n - k + 1)^2*sigma_x^2*sigma_g^2" by default."""
    _check_symbols((size, kernel_size, std_x, std_g, mean_x, mean_g))
    side = _outputs_per_side(size, kernel_size)
    monomials = [
        [(std_x, 2), (std_g, 2)],
        [(std_x, 2), (mean_g, 2)],
        [(mean_x, 2), (std_g, 2)],
    ]
    kept = [factors for factors in monomials if all(value != 0 for value, _ in factors)]
    if len(kept) == 1:
        return _product([(side, dimensions), *kept[0]])
    per_product = _polynomial(kept)  # a sum: "sigma_x^2*sigma_g^2 + sigma_x^2*mu_g^2 + ..."
    if " + " not in per_product:  # every term was a number
        return _product([(side, dimensions), (int(per_product), 1)])
    return f"{_product([(side, dimensions)])}*({per_product})"


def conv_weight_gradient_std_formula(
    size: SizeTerm = "n",
    kernel_size: SizeTerm = "k",
    std_x: SizeTerm = "sigma_x",
    std_g: SizeTerm = "sigma_g",
    dimensions: Dimensions = 2,
) -> str:
    """The standard deviation of dw_{h,l} for zero means, m^(d/2)·σ_x·σ_g: "(n - k + 1)*sigma_x*sigma_g"."""
    _check_symbols((size, kernel_size, std_x, std_g))
    side = _outputs_per_side(size, kernel_size)
    if dimensions % 2 == 0:
        return _product([(side, dimensions // 2), (std_x, 1), (std_g, 1)])
    if isinstance(side, int):
        root: str | int = math.isqrt(side**dimensions)
        if root * root != side**dimensions:
            root = f"sqrt({side**dimensions})"
    else:
        root = f"sqrt({side if dimensions == 1 else _product([(side, dimensions)])})"
    return _product([(root, 1), (std_x, 1), (std_g, 1)])


def conv_weight_gradient_growth(
    dimensions: Dimensions = 2,
    statistic: Literal["std", "variance"] = "std",
) -> str:
    """How the statistic grows with the input's side n (k fixed, zero means): "O(n)" for the std of an image.

    The variance is m^d·σ_x²σ_g² with m = n − k + 1, so it grows as n^d and the standard deviation as
    n^(d/2). Written as an option of a choice answer: "O(1)", "O(sqrt(n))", "O(n)", "O(n^1.5)", "O(n^2)".
    """
    exponent = Fraction(dimensions, 2) if statistic == "std" else Fraction(dimensions)
    return _order(exponent)


def _order(exponent: Fraction) -> str:
    if exponent == 0:
        return "O(1)"
    if exponent == Fraction(1, 2):
        return "O(sqrt(n))"
    if exponent == 1:
        return "O(n)"
    power = str(exponent.numerator) if exponent.denominator == 1 else str(float(exponent))
    return f"O(n^{power})"


def _outputs_per_side(size: str | int, kernel_size: str | int) -> str | int:
    """m = n − k + 1, the 'valid' output's side: a number, a symbol, or a sum such as "n - k + 1"."""
    text = conv_output_size_formula(size, kernel_size, stride=1, padding=0)
    return int(text) if text.lstrip("-").isdigit() else text


def _product(factors: list[Factor]) -> str:
    """Factors multiplied: numbers folded into one coefficient, sums parenthesised, powers as ^."""
    coefficient, parts = 1, []
    for value, power in factors:
        if isinstance(value, int):
            coefficient *= value**power
            continue
        base = value if value.isidentifier() or value.startswith("sqrt(") else f"({value})"
        parts.append(base if power == 1 else f"{base}^{power}")
    if coefficient == 0:
        return "0"
    if not parts:
        return str(coefficient)
    if coefficient != 1:
        parts.insert(0, str(coefficient))
    return "*".join(parts)


__all__ = [
    "conv_weight_gradient_growth",
    "conv_weight_gradient_mean_formula",
    "conv_weight_gradient_std_formula",
    "conv_weight_gradient_variance_formula",
]
