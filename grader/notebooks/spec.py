"""The YAML of notebook problems: ``notebooks:`` (which files, run how) and a part's ``notebook:`` mapping
(which value or function it reads, judged how). Structure only; names are checked by the loader."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from grader.code.spec import CallsSpec

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
VALUE_PATH = rf"^{_NAME}(\.[A-Za-z0-9_]+)*$"
"""A name the notebook defines, then keys into dicts: ``optimizer_state_bytes.adam``, ``acc_by_n.20``."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NotebookSpec(Strict):
    """One notebook of the submission and how to run it (grading mode)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    file: str = Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.\-/]*\.ipynb$", max_length=200)
    parameters: dict[str, Any] = Field(default_factory=dict)
    """Injected after the parameters cell (see ``parameters.with_parameters``): the grading mode."""
    gpu_parameters: dict[str, Any] = Field(default_factory=dict)
    """Merged over ``parameters`` when the grader has a CUDA GPU to lend the notebook (``DEVICE: cuda``);
    on a CPU-only grader, Gradescope's, they are not used."""
    cell_timeout: float = Field(default=60.0, gt=0, le=600)
    timeout: float = Field(default=90.0, gt=0, le=1800)
    memory_mb: int = Field(default=2048, ge=256, le=16384)
    """Address space (RLIMIT_AS) of the kernel, not its memory use: torch and oneDNN reserve far more than
    they touch (1536 MB makes oneDNN fail to create its kernels; the course notebooks peak at about
    450 MB resident). On Gradescope, give notebook assignments a container with at least 2 GB."""

    @field_validator("parameters", "gpu_parameters")
    @classmethod
    def _plain_parameters(cls, parameters: dict[str, Any]) -> dict[str, Any]:
        bad = [name for name in parameters if not re.fullmatch(_NAME, str(name))]
        if bad:
            raise ValueError(f"parameter names must be identifiers, got {bad}")
        for name, value in parameters.items():
            if not _plain(value):
                raise ValueError(f"parameter {name}: use numbers, strings, booleans, null, lists or mappings")
        return parameters


def _plain(value: Any, depth: int = 0) -> bool:
    if depth > 8:
        return False
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, list):
        return all(_plain(item, depth + 1) for item in value)
    if isinstance(value, dict):
        return all(isinstance(key, str) and _plain(item, depth + 1) for key, item in value.items())
    return False


class Threshold(Strict):
    """A numeric value judged against bounds, or against other values the same notebook defines (for
    outcomes no solver can predict, such as accuracies after training)."""

    at_least: float | None = None
    at_most: float | None = None
    greater_than: str | None = Field(default=None, pattern=VALUE_PATH)
    less_than: str | None = Field(default=None, pattern=VALUE_PATH)
    ratio_to: str | None = Field(default=None, pattern=VALUE_PATH)
    ratio: float | None = Field(default=None, gt=0)
    rtol: float = Field(default=0.01, ge=0, le=1)

    @model_validator(mode="after")
    def _some_condition(self) -> "Threshold":
        if (self.ratio_to is None) != (self.ratio is None):
            raise ValueError("`ratio_to` and `ratio` go together")
        if all(getattr(self, name) is None for name in ("at_least", "at_most", "greater_than", "less_than", "ratio")):
            raise ValueError("a check needs at least one of at_least, at_most, greater_than, less_than, ratio")
        return self

    def references(self) -> tuple[str, ...]:
        return tuple(path for path in (self.greater_than, self.less_than, self.ratio_to) if path)


class MeasuredSpec(Strict):
    """The same figure measured by the grader itself on its GPU, when it has one: a probe of
    ``grader.measure`` (``probe`` + ``args``, checked when the file loads), and how close the notebook's
    value must come to it (``rtol``). On a CPU-only grader the part is judged by ``expected`` alone."""

    probe: str = Field(pattern=rf"^{_NAME}$")
    args: dict[str, Any] = Field(default_factory=dict)
    rtol: float = Field(default=0.1, gt=0, le=1)


NotebookCalls = CallsSpec
"""A notebook function's calls on the grader's inputs: a code part's ``code:`` without the file."""


class NotebookSource(Strict):
    """What a notebook part reads: a value (``value``) or a function to call (``function``)."""

    source: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    value: str | None = Field(default=None, pattern=VALUE_PATH)
    function: str | None = Field(default=None, pattern=rf"^{_NAME}$")
    calls: NotebookCalls | None = None

    @model_validator(mode="after")
    def _one_target(self) -> "NotebookSource":
        if (self.value is None) == (self.function is None):
            raise ValueError("a notebook part reads exactly one of `value` or `function`")
        if self.function is not None and self.calls is None:
            raise ValueError("a notebook function needs `calls` (the grader's inputs)")
        if self.value is not None and self.calls is not None:
            raise ValueError("`calls` are for `function`, not `value`")
        return self

    @property
    def root(self) -> str | None:
        return self.value.split(".", 1)[0] if self.value else None
