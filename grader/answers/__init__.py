"""Answer kinds: how a student's answer is read, judged and shown. One module per kind; the registry is here.

``KINDS`` maps a part's ``answer.kind`` to its :class:`~grader.answers.base.Kind`; ``AnswerSpec`` is the
pydantic union a problem file's ``answer:`` mapping validates into, discriminated by ``kind``.
"""

from __future__ import annotations

from typing import Annotated, Mapping, Union

from pydantic import Field

from grader.answers import choice, conv_layer, designed_filter, formula, integer, matrix, real, shape
from grader.answers.base import Kind
from grader.answers.choice import ChoiceSpec
from grader.answers.conv_layer import ConvLayerSpec
from grader.answers.designed_filter import DesignedFilterSpec
from grader.answers.formula import FormulaSpec
from grader.answers.integer import IntegerSpec
from grader.answers.matrix import MatrixSpec
from grader.answers.real import RealSpec
from grader.answers.shape import ShapeSpec

KINDS: Mapping[str, Kind] = {
    "integer": integer.KIND,
    "real": real.KIND,
    "shape": shape.KIND,
    "matrix": matrix.KIND,
    "formula": formula.KIND,
    "choice": choice.KIND,
    "designed_filter": designed_filter.KIND,
    "conv_layer": conv_layer.KIND,
}

AnswerSpec = Annotated[
    Union[IntegerSpec, RealSpec, ShapeSpec, MatrixSpec, FormulaSpec, ChoiceSpec, DesignedFilterSpec, ConvLayerSpec],
    Field(discriminator="kind"),
]

__all__ = ["KINDS", "AnswerSpec", "Kind", "IntegerSpec", "RealSpec", "ShapeSpec", "MatrixSpec", "FormulaSpec",
           "ChoiceSpec", "DesignedFilterSpec", "ConvLayerSpec"]
