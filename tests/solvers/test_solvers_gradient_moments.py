"""The weight gradient's mean, variance and growth against torch autograd, in one, two and three dimensions.

Autograd gives the gradient's structure exactly: dw_{h,l} is bilinear in the input x and the upstream
gradient dy, dw_{h,l} = xᵀ C dy, and C is the mixed second derivative. For independent entries with means
μ and variances σ² the moments of a bilinear form are exact matrix expressions, so the solvers' formulas
are checked exactly on generated configurations, then by sampling from non-normal distributions.
"""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from grader.answers.arith import parse_formula
from grader.solvers import SOLVERS as S
from tests.helpers import scaled

CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
MEAN, VARIANCE, STD = (S[f"conv_weight_gradient_{what}_formula"] for what in ("mean", "variance", "std"))
GROWTH = S["conv_weight_gradient_growth"]


def weight_gradient(x: torch.Tensor, w: torch.Tensor, dy: torch.Tensor) -> torch.Tensor:
    """dL/dw for one single-channel sample whose upstream gradient is dy, by autograd."""
    d = x.dim()
    conv = CONV[d]
    loss = lambda weights: (conv(x[None, None], weights[None, None]) * dy[None, None]).sum()  # noqa: E731
    return torch.func.grad(loss)(w)


def coefficients(d: int, n: int, k: int, index: tuple[int, ...]) -> torch.Tensor:
    """C with dw[index] = xᵀ C dy (x and dy flattened): the mixed second derivative, by autograd."""
    m = n - k + 1
    w = torch.zeros((k,) * d, dtype=torch.float64)

    def entry(x_flat: torch.Tensor, dy_flat: torch.Tensor) -> torch.Tensor:
        return weight_gradient(x_flat.reshape((n,) * d), w, dy_flat.reshape((m,) * d))[index]

    x0, dy0 = torch.zeros(n**d, dtype=torch.float64), torch.zeros(m**d, dtype=torch.float64)
    return torch.func.jacrev(torch.func.jacrev(entry, argnums=1), argnums=0)(x0, dy0).T


def exact_moments(c: torch.Tensor, mean_x: int, var_x: int, mean_g: int, var_g: int) -> tuple[Fraction, Fraction]:
    """E and Var of xᵀ C y for independent entries: E = μx μg 1ᵀC1, E[(xᵀCy)²] = tr(C S_y Cᵀ S_x)."""
    c = c.to(torch.int64)
    ones_x, ones_y = torch.ones(c.shape[0], dtype=torch.int64), torch.ones(c.shape[1], dtype=torch.int64)
    second_x = var_x * torch.eye(c.shape[0], dtype=torch.int64) + mean_x**2 * torch.outer(ones_x, ones_x)
    second_y = var_g * torch.eye(c.shape[1], dtype=torch.int64) + mean_g**2 * torch.outer(ones_y, ones_y)
    mean = mean_x * mean_g * int(ones_x @ c @ ones_y)
    square = int(torch.trace(c @ second_y @ c.T @ second_x))
    return Fraction(mean), Fraction(square - mean**2)


def configurations() -> st.SearchStrategy:
    def for_dimension(d: int) -> st.SearchStrategy:
        largest = {1: 9, 2: 6, 3: 4}[d]
        return st.integers(1, largest).flatmap(
            lambda n: st.tuples(st.just(d), st.just(n), st.integers(1, n)).flatmap(
                lambda dnk: st.tuples(
                    st.just(dnk),
                    st.tuples(*(st.integers(0, dnk[2] - 1) for _ in range(d))),
                )
            )
        )

    return st.sampled_from([1, 2, 3]).flatmap(for_dimension)


@settings(max_examples=scaled(120), deadline=None)
@given(configurations(), st.integers(-3, 3), st.integers(-3, 3), st.integers(1, 4), st.integers(1, 4))
def test_mean_and_variance_are_the_exact_moments_of_the_autograd_gradient(config, mean_x, mean_g, std_x, std_g):
    (d, n, k), index = config
    c = coefficients(d, n, k, index)
    assert set(c.unique().tolist()) <= {0.0, 1.0}
    mean, variance = exact_moments(c, mean_x, std_x**2, mean_g, std_g**2)
    numbers = dict(size=n, kernel_size=k, mean_x=mean_x, mean_g=mean_g, dimensions=d)
    assert MEAN(**numbers) == str(mean)
    assert VARIANCE(**numbers, std_x=std_x, std_g=std_g) == str(variance)
    # in symbols, evaluated at the same point
    point = {"n": n, "k": k, "sigma_x": std_x, "sigma_g": std_g, "mu_x": mean_x, "mu_g": mean_g}
    symbols = dict(mean_x="mu_x", mean_g="mu_g", dimensions=d)
    names = tuple(point)
    assert parse_formula(MEAN(**symbols), names).evaluate(point) == mean
    assert parse_formula(VARIANCE(**symbols), names).evaluate(point) == variance
    if mean_x == mean_g == 0:
        std = parse_formula(STD(dimensions=d), names).evaluate(point)
        assert math.isclose(std, math.sqrt(variance), rel_tol=1e-12)


@pytest.mark.parametrize(
    ("d", "n", "k", "sampler"),
    [(1, 40, 5, "uniform"), (2, 12, 3, "rademacher"), (2, 9, 4, "exponential"), (3, 6, 2, "uniform")],
)
def test_sampled_gradients_match_the_formulas_without_normal_distributions(d, n, k, sampler):
    """The homework's setting: zero means, any distribution; 4,000 autograd gradients per configuration."""
    generator = torch.Generator().manual_seed(1000 * d + 10 * n + k)
    m, samples, std_x, std_g = n - k + 1, 4000, 2.0, 0.5

    def draw(shape: tuple[int, ...], std: float) -> torch.Tensor:
        if sampler == "uniform":  # on [-a, a]: variance a²/3
            return (torch.rand(shape, generator=generator, dtype=torch.float64) * 2 - 1) * std * math.sqrt(3)
        if sampler == "rademacher":
            return (torch.randint(0, 2, shape, generator=generator) * 2 - 1).double() * std
        return (torch.empty(shape, dtype=torch.float64).exponential_(generator=generator) - 1) * std

    x = draw((samples,) + (n,) * d, std_x)
    dy = draw((samples,) + (m,) * d, std_g)
    w = torch.zeros((k,) * d, dtype=torch.float64)
    dw = torch.func.vmap(weight_gradient, in_dims=(0, None, 0))(x, w, dy).reshape(samples, -1)
    variance = float(VARIANCE(size=n, kernel_size=k, dimensions=d, std_x=1, std_g=1)) * std_x**2 * std_g**2
    standard_error = math.sqrt(variance / samples)
    assert float(MEAN(size=n, kernel_size=k, dimensions=d)) == 0
    assert abs(dw.mean(0)).max() < 5 * standard_error
    assert dw.var(0).min() > 0.85 * variance and dw.var(0).max() < 1.15 * variance


@pytest.mark.parametrize(("d", "n", "k"), [(1, 200, 3), (2, 40, 3), (2, 40, 1), (3, 10, 2)])
def test_the_growth_option_is_the_nearest_to_the_measured_growth_of_the_standard_deviation(d, n, k):
    """Autograd gradients at n and 2n: std(2n)/std(n) → 2^e, and e picks the option among the choices'."""
    generator = torch.Generator().manual_seed(d * 100 + n)

    def sampled_std(side: int, samples: int = 1500) -> float:
        x = torch.randint(0, 2, (samples,) + (side,) * d, generator=generator).double() * 2 - 1
        dy = torch.randint(0, 2, (samples,) + (side - k + 1,) * d, generator=generator).double() * 2 - 1
        w = torch.zeros((k,) * d, dtype=torch.float64)
        dw = torch.func.vmap(weight_gradient, in_dims=(0, None, 0))(x, w, dy)
        return float(dw.reshape(samples, -1)[:, 0].std())

    measured = math.log2(sampled_std(2 * n) / sampled_std(n))
    exponents = {"O(1)": 0, "O(sqrt(n))": 0.5, "O(n)": 1, "O(n^1.5)": 1.5, "O(n^2)": 2, "O(n^3)": 3}
    nearest = min(exponents, key=lambda option: abs(exponents[option] - measured))
    assert GROWTH(dimensions=d) == nearest
    assert GROWTH(dimensions=d, statistic="variance") == ("O(n)" if d == 1 else f"O(n^{d})")


def test_formula_texts() -> None:
    assert MEAN() == "0"
    assert MEAN(mean_x="mu_x", mean_g="mu_g") == "(n - k + 1)^2*mu_x*mu_g"
    assert VARIANCE() == "(n - k + 1)^2*sigma_x^2*sigma_g^2"
    assert VARIANCE(mean_x="mu_x") == "(n - k + 1)^2*(sigma_x^2*sigma_g^2 + mu_x^2*sigma_g^2)"
    assert VARIANCE(kernel_size=1) == "n^2*sigma_x^2*sigma_g^2"
    assert VARIANCE(dimensions=1, size="N", kernel_size="K") == "(N - K + 1)*sigma_x^2*sigma_g^2"
    assert VARIANCE(size=10, kernel_size=3, std_x=2, std_g=3, mean_x=1, mean_g=1) == str(64 * (36 + 4 + 9))
    assert STD() == "(n - k + 1)*sigma_x*sigma_g"
    assert STD(dimensions=1) == "sqrt(n - k + 1)*sigma_x*sigma_g"
    assert STD(dimensions=3) == "sqrt((n - k + 1)^3)*sigma_x*sigma_g"
    assert STD(size=5, kernel_size=2, std_x=1, std_g=1, dimensions=3) == "8"
    assert STD(size=4, kernel_size=2, std_x=1, std_g=1, dimensions=3) == "sqrt(27)"
    assert [GROWTH(dimensions=d) for d in (1, 2, 3)] == ["O(sqrt(n))", "O(n)", "O(n^1.5)"]


@pytest.mark.parametrize(
    "args",
    [{"dimensions": 4}, {"dimensions": 2.0}, {"size": 3, "kernel_size": 4}, {"std_x": 0}, {"size": "floor"},
     {"mean_x": 1.5}],
)
def test_invalid_arguments_are_refused(args) -> None:
    with pytest.raises((ValidationError, ValueError)):
        VARIANCE(**args)
