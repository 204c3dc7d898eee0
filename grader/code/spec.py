"""The ``code:`` mapping of a code part: which file and function to call, on which cases, judged how.

Everything here is read from an instructor's YAML and checked when the problem file loads, so that a typo
fails in CI, not on Gradescope. Names of generators and properties are checked against their registries by
``cases.validate_generate`` and ``properties.unknown_property_message`` (the loader's semantic pass), which
can say "did you mean"; this module checks the structure alone.
"""

from __future__ import annotations

import keyword
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

MAX_CASES = 2000
"""Cases of one part, explicit and generated together: each is a call into the sandbox and a solver run."""

MAX_TIMEOUT = 60.0
"""Seconds of wall time for all of one part's calls; Gradescope's whole run must fit well inside its limit."""

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_PATH_PART = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")

Credit = Literal["per_case", "all_or_nothing"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CompareSpec(Strict):
    """Tolerance for floats and float arrays: ``abs(got - expected) <= atol + rtol*abs(expected)``.

    The reference is always the scale (never ``np.isclose``'s second-argument surprise). Integers and
    integer arrays compared with integers are always exact, whatever the tolerance.
    """

    rtol: float = Field(default=1e-6, ge=0, le=1, strict=True, allow_inf_nan=False)
    atol: float = Field(default=1e-9, ge=0, strict=True, allow_inf_nan=False)


class GenerateSpec(Strict):
    """Cases drawn by a named, seeded generator: the same seed gives the same cases on every machine.

    ``params`` are the generator's own options (which arguments vary, sizes); each generator validates
    them with its own model, so an unknown option is an error at load time.
    """

    generator: str = Field(pattern=_NAME.pattern)
    seed: int = Field(ge=0, strict=True)
    count: int = Field(ge=1, le=MAX_CASES, strict=True)
    params: dict[str, Any] = Field(default_factory=dict)


class CallsSpec(Strict):
    """Which calls a part makes and how they are judged: the part of ``code:`` that does not say where the
    function lives (a notebook part's ``calls:`` is exactly this).

    ``signature`` lists solver argument names in the order the student's function takes them: each case (a
    mapping of solver arguments) becomes one positional call. ``properties`` name checks that hold for any
    right answer (each counts as one check, on top of one check per case when the part has ``expected``).
    """

    signature: tuple[str, ...] = ()
    cases: tuple[dict[str, Any], ...] = ()
    generate: GenerateSpec | None = None
    compare: CompareSpec = CompareSpec()
    credit: Credit = "per_case"
    hide_inputs: bool = Field(default=False, strict=True)
    properties: tuple[str, ...] = ()

    @field_validator("signature", "properties")
    @classmethod
    def _unique_names(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        bad = [name for name in names if not _NAME.match(name)]
        if bad:
            raise ValueError(f"names must be identifiers, got {bad}")
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"names must be unique, repeated: {repeated}")
        return names

    @field_validator("cases")
    @classmethod
    def _case_keys(cls, cases: tuple[dict[str, Any], ...]) -> tuple[dict[str, Any], ...]:
        for index, case in enumerate(cases):
            bad = [key for key in case if not _NAME.match(str(key))]
            if bad:
                raise ValueError(f"case {index}: argument names must be identifiers, got {bad}")
        return cases

    @model_validator(mode="after")
    def _some_cases(self) -> "CallsSpec":
        if not self.cases and self.generate is None:
            raise ValueError("a code part needs `cases`, `generate` or both")
        total = len(self.cases) + (self.generate.count if self.generate else 0)
        if total > MAX_CASES:
            raise ValueError(f"{total} cases in all; at most {MAX_CASES}")
        return self

    @property
    def case_count(self) -> int:
        """Explicit plus generated cases."""
        return len(self.cases) + (self.generate.count if self.generate else 0)


class CodeSpec(CallsSpec):
    """A code part's ``code:`` mapping: the file and function to call, the calls, and their time limit."""

    file: str = Field(max_length=200)
    function: str = Field(max_length=100)
    timeout: float = Field(default=5.0, gt=0, le=MAX_TIMEOUT, strict=True, allow_inf_nan=False)

    @field_validator("file")
    @classmethod
    def _relative_python_file(cls, value: str) -> str:
        """A path inside the submission: relative, no ``..``, plain characters, ending in ``.py``."""
        if value.startswith("/") or "\\" in value:
            raise ValueError("file must be a relative path with '/' separators, e.g. 'cnn.py' or 'hw/cnn.py'")
        parts = value.split("/")
        if ".." in parts:
            raise ValueError("file must stay inside the submission: '..' is not allowed")
        if not value.endswith(".py") or not all(_PATH_PART.match(part) for part in parts):
            raise ValueError("file must be a path of letters, digits, '_', '-' and '.' ending in '.py'")
        return value

    @field_validator("function")
    @classmethod
    def _function_name(cls, value: str) -> str:
        if not _NAME.match(value) or keyword.iskeyword(value):
            raise ValueError(f"function must be a Python identifier, got {value!r}")
        if value.startswith("__"):
            raise ValueError(f"function must be one the student defines, not a dunder name ({value!r})")
        return value
