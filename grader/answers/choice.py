"""One of a listed set of options, or another way of writing one, matched ignoring case and spaces.

``aliases`` lists what else a student may write for an option: ``{"O(n)": [linear, "Θ(n)"]}``.
"""

from __future__ import annotations

import unicodedata
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from grader.answers.base import CORRECT, WRONG, FormatError, Kind, Reading, SpecModel, Verdict
from grader.answers.common import never_raises, quote, type_name
from grader.text import code

WHAT = "one of the options"
MAX_CHARS = 500


class ChoiceSpec(SpecModel):
    kind: Literal["choice"]
    options: tuple[str, ...] = Field(min_length=2)
    aliases: dict[str, tuple[str, ...]] = Field(default_factory=dict)

    @field_validator("options")
    @classmethod
    def _distinct(cls, options: tuple[str, ...]) -> tuple[str, ...]:
        keys = [match_key(option) for option in options]
        if not all(keys):
            raise ValueError("an option is empty")
        if len(set(keys)) != len(keys):
            raise ValueError("two options are the same when case and spaces are ignored")
        return options

    @model_validator(mode="after")
    def _aliases_name_options(self) -> ChoiceSpec:
        seen = {match_key(option): option for option in self.options}
        for option, spellings in self.aliases.items():
            if option not in self.options:
                raise ValueError(f"aliases: {option!r} is not one of the options")
            for spelling in spellings:
                key = match_key(spelling)
                if not key:
                    raise ValueError(f"aliases: an alias of {option!r} is empty")
                if key in seen:
                    raise ValueError(f"aliases: {spelling!r} (for {option!r}) already stands for {seen[key]!r}")
                seen[key] = option
        return self


def match_key(text: str) -> str:
    """What two texts must share to be the same option: case, width and spaces do not count."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


@never_raises(WHAT)
def parse(raw: Any, spec: ChoiceSpec) -> Reading | FormatError:
    if isinstance(raw, bool):
        raw_text = "true" if raw else "false"
    elif isinstance(raw, (str, int, float)):
        raw_text = str(raw)
    else:
        return FormatError(f"Expected {WHAT} ({_listed(spec)}), got {type_name(raw)}.")
    if not raw_text.strip():
        return FormatError(f"The answer is empty; answer with one of {_listed(spec)}.")
    option = _find(raw_text, spec) if len(raw_text) <= MAX_CHARS else None
    if option is None:
        return FormatError(f"{quote(raw)} is not one of the options; answer with one of {_listed(spec)}.")
    return Reading(value=option, shown=option)


def _find(text: str, spec: ChoiceSpec) -> str | None:
    key = match_key(text)
    written = [(option, option) for option in spec.options]
    written += [(spelling, option) for option, spellings in spec.aliases.items() for spelling in spellings]
    return next((option for spelling, option in written if match_key(spelling) == key), None)


def expected(value: Any, spec: ChoiceSpec) -> str:
    option = _find(str(value), spec) if isinstance(value, str) else None
    if option is None:
        raise ValueError(f"the solver returned {value!r}, which is not one of the options {list(spec.options)}")
    return option


def grade(value: str, reference: str, spec: ChoiceSpec) -> Verdict:
    if value == reference:
        return Verdict(score=1.0, feedback="Correct.", note=CORRECT)
    return Verdict(score=0.0, feedback="Incorrect choice.", note=WRONG)


def show(value: str, spec: ChoiceSpec) -> str:
    return value


def describe(spec: ChoiceSpec) -> str:
    example = next(((spelling, option) for option, spellings in spec.aliases.items() for spelling in spellings), None)
    others = f"; other spellings such as {code(example[0])} for {code(example[1])} are read too" if example else ""
    return f"One of {_listed(spec)} (case and spaces do not matter{others})."


def _listed(spec: ChoiceSpec) -> str:
    return ", ".join(code(option) for option in spec.options)


KIND = Kind(name="choice", spec_model=ChoiceSpec, parse=parse, expected=expected, grade=grade, show=show,
            describe=describe)
