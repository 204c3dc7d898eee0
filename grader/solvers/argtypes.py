"""Argument types shared by the solvers: each says exactly what a problem file may pass.

Integers and flags are strict: ``3.0``, ``"3"`` and ``true`` are not sizes, and ``1`` is not a flag, so a
problem file with a mistyped value fails when it loads. A YAML list is accepted wherever a tuple is
expected (``kernel_size: [3, 5]``). Unions are tagged by the input's own type, so a wrong value gets one
error naming the branch it was read as (``kernel_size.pair.0: Input should be greater than or equal to
1``), not one error per branch.
"""

from __future__ import annotations

from typing import Annotated, Any, Callable, Literal, Optional, Union, overload

from pydantic import Discriminator, Field, Tag


def tagged_union(choose: Callable[[Any], Optional[str]], message: str, **members: Any) -> Any:
    """A union whose branch is picked by ``choose(value)`` (a member name, or None: ``message``)."""
    branches = tuple(Annotated[member, Tag(tag)] for tag, member in members.items())
    discriminator = Discriminator(choose, custom_error_type="wrong_kind", custom_error_message=message)
    return Annotated[Union[branches], discriminator]


def kind_of(value: Any) -> Optional[str]:
    """The tag of a plain value: "int", "float", "str", "list" (a list or tuple), "dict" or None."""
    if isinstance(value, bool):
        return None
    for tag, types in (("int", int), ("float", float), ("str", str), ("list", (list, tuple)), ("dict", dict)):
        if isinstance(value, types):
            return tag
    return None


StrictInt = Annotated[int, Field(strict=True)]
StrictFloat = Annotated[float, Field(strict=True)]

Positive = Annotated[int, Field(strict=True, ge=1)]
"""Sizes, channels, features, kernel sizes, strides, dilations, groups."""

NonNegative = Annotated[int, Field(strict=True, ge=0)]
"""Paddings and output paddings."""

_PAIR = {"int": "int", "list": "pair"}
_pair_tag = lambda value: _PAIR.get(kind_of(value) or "")  # noqa: E731

_NOT_A_PAIR = "Input should be an integer or a pair [height, width]"

PositivePair = tagged_union(_pair_tag, _NOT_A_PAIR, int=Positive, pair=tuple[Positive, Positive])
"""One value for both spatial dimensions, or ``(height, width)``."""

NonNegativePair = tagged_union(_pair_tag, _NOT_A_PAIR, int=NonNegative, pair=tuple[NonNegative, NonNegative])

_PADDING = {"int": "int", "str": "same"}
_PADDING_PAIR = {**_PAIR, "str": "same"}

Padding = tagged_union(
    lambda value: _PADDING.get(kind_of(value) or ""),
    "Input should be a non-negative integer or 'same'",
    int=NonNegative,
    same=Literal["same"],
)
"""A convolution's padding on each side, or ``"same"`` (as torch's padding="same": stride 1 only)."""

PaddingPair = tagged_union(
    lambda value: _PADDING_PAIR.get(kind_of(value) or ""),
    "Input should be an integer, a pair [height, width] or 'same'",
    int=NonNegative,
    pair=tuple[NonNegative, NonNegative],
    same=Literal["same"],
)
"""``Padding`` for both spatial dimensions, or ``(height, width)``."""

Flag = Annotated[bool, Field(strict=True)]

Number = tagged_union(
    lambda value: kind_of(value) if kind_of(value) in ("int", "float") else None,
    "Input should be a number",
    int=StrictInt,
    float=StrictFloat,
)

Matrix = Annotated[list[Annotated[list[Number], Field(min_length=1)]], Field(min_length=1)]
"""A non-empty 2-D list of numbers, row by row (rows of equal length are checked by the solver)."""

Shape = Annotated[tuple[Positive, ...], Field(min_length=1)]
"""A feature shape without the batch dimension: ``(C, H, W)`` or ``(F,)``."""

ShapeCHW = tuple[Positive, Positive, Positive]

Symbol = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")]
"""A variable name in a formula answer (``N``, ``K``, ``H_in``)."""

_TERM = {"str": "symbol", "int": "number"}
_term_tag = lambda value: _TERM.get(kind_of(value) or "")  # noqa: E731

_NOT_A_TERM = "Input should be a symbol name or an integer"

SizeTerm = tagged_union(_term_tag, _NOT_A_TERM, symbol=Symbol, number=Positive)
"""A formula argument: a symbol (``"N"``) or a positive number."""

PaddingTerm = tagged_union(_term_tag, _NOT_A_TERM, symbol=Symbol, number=NonNegative)
"""A formula's padding: a symbol or a non-negative number; the symbol ``same`` means torch's padding="same"."""


@overload
def pair(value: int | tuple[int, int] | list[int]) -> tuple[int, int]: ...


@overload
def pair(value: str) -> tuple[str, str]: ...


def pair(value: Any) -> tuple[Any, Any]:
    """``3 -> (3, 3)``; ``(3, 5) -> (3, 5)``; ``"same" -> ("same", "same")``."""
    if isinstance(value, (int, str)):
        return (value, value)
    height, width = value
    return (height, width)
