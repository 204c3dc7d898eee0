"""The one contract every answer kind follows.

A kind module exposes ``KIND = Kind(...)``:

- ``parse(raw, spec) -> Reading | FormatError``: read untrusted student input. ``raw`` is what the
  answers file held: a ``str`` (YAML scalars are always read as text), an ``int``/``float``/``bool``/``None``
  (from JSON), or a (nested) ``list`` of those. Never raises on any input; a format error is not a wrong
  answer and is reported back as "could not read ...".
- ``expected(value, spec) -> value``: normalise a reference solver's output to the kind's canonical value;
  raises ``ValueError`` when the solver returned something this kind cannot grade (caught at load time).
- ``grade(value, expected, spec) -> Verdict``: score in [0, 1]. The feedback never reveals the expected
  value; it may say "expected 2×2, got 2×3" for shapes.
- ``show(value, spec) -> str``: a canonical text of a value (for keys, templates, and revealed answers).
- ``describe(spec) -> str``: the accepted format in a sentence, with an example.
- ``example(value, spec) -> value``: an answer that is right for a reference value, as ``parse`` would
  return it. Where answers and references are the same kind of value (a number, a shape) it is the value
  itself; a kind judged by properties (a designed filter or layer) builds one answer that has them. Used to
  check that no named mistake is indistinguishable from the right answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from pydantic import BaseModel, ConfigDict


class SpecModel(BaseModel):
    """Base of every kind's settings model: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class FormatError:
    """The input could not be read; ``message`` says what and why, in the student's terms."""

    message: str


@dataclass(frozen=True)
class Reading:
    """A successfully read answer: the canonical value and how to show it back to the student."""

    value: Any
    shown: str


@dataclass(frozen=True)
class Verdict:
    """The judgement of one read answer against one reference value."""

    score: float
    feedback: str
    note: str

    @property
    def correct(self) -> bool:
        return self.score >= 1.0


CORRECT = "CORRECT"
WRONG = "WRONG"
PARTIAL = "PARTIAL"


def same_value(value: Any, spec: Any) -> Any:
    """The right answer to a reference, for kinds whose answers are values of the reference's kind."""
    return value


@dataclass(frozen=True)
class Kind:
    name: str
    spec_model: type[SpecModel]
    parse: Callable[[Any, Any], "Reading | FormatError"]
    expected: Callable[[Any, Any], Any]
    grade: Callable[[Any, Any, Any], Verdict]
    show: Callable[[Any, Any], str]
    describe: Callable[[Any], str]
    example: Callable[[Any, Any], Any] = same_value
