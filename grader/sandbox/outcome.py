"""What comes back from running student code: plain values rebuilt in the trusted parent, never objects.

A call's value is rebuilt from size-capped JSON (arrays from ``.npy`` bytes read with ``allow_pickle=False``)
into exact plain types: ``int``, ``float``, ``bool``, ``None``, ``str``, ``list``, ``tuple``, ``dict`` with
``str`` keys, and ``numpy.ndarray`` of a numeric or boolean dtype. Nothing the student produced is
unpickled, and no method of a student object is ever called in the parent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Union


@dataclass(frozen=True)
class Returned:
    """The call returned; ``value`` is a rebuilt plain value."""

    value: Any


@dataclass(frozen=True)
class Raised:
    """The call raised. ``where`` is the student's own file and line (``cnn.py, line 12``) when known."""

    type_name: str
    message: str
    where: str | None = None


@dataclass(frozen=True)
class Unreadable:
    """The call returned something that cannot cross to the grader (an object of the student's class, a
    string-keyed dict nested too deep, an array of objects...): ``reason`` says what."""

    reason: str


@dataclass(frozen=True)
class NotRun:
    """The call did not happen or did not finish (an earlier case hung or crashed the process)."""

    reason: str


CaseOutcome = Union[Returned, Raised, Unreadable, NotRun]

FailureCode = Literal["NO_FILE", "IMPORT_ERROR", "NO_FUNCTION", "TIMEOUT", "CRASH", "MEMORY", "OUTPUT_LIMIT",
                      "SANDBOX_ERROR"]


@dataclass(frozen=True)
class Failure:
    """Why a batch of calls stopped early, in the student's terms (no grader path, no expected value).

    ``SANDBOX_ERROR`` is the grader's own fault (the sandbox could not start); ``staff_detail`` carries
    what staff need to fix it."""

    code: FailureCode
    message: str
    staff_detail: str | None = None


@dataclass(frozen=True)
class CallReport:
    """The outcome of calling one student function on a batch of argument lists, one outcome per call,
    in order. ``failure`` is set when the batch stopped early; the calls after it are ``NotRun``."""

    outcomes: tuple[CaseOutcome, ...]
    failure: Failure | None = None
    stdout: str = ""
    seconds: float = 0.0
    notes: tuple[str, ...] = field(default=())
