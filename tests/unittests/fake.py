"""An in-process stand-in for the sandbox, keeping its plain-data contract: arguments are deep-copied,
returned values rebuilt as exact plain types, exceptions become ``StudentError`` with the student's file
and line, and a missing file or function (or a simulated hang) becomes ``StudentCallFailed``."""

from __future__ import annotations

import copy
import importlib.util
import traceback
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

from grader.unittests import Call, StudentCallFailed, StudentError

FIXTURES = Path(__file__).parent / "fixtures"
HANG = "Your code did not finish within 2.0 s (call 1 of 1 was running)."


def student(name: str) -> dict[str, Any]:
    """The public names of ``fixtures/students/<name>.py`` (a stand-in for a student's module)."""
    path = FIXTURES / "students" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"_student_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {key: value for key, value in vars(module).items() if not key.startswith("_")}


def fake_call(files: Mapping[str, Mapping[str, Any]], *, hang: tuple[str, ...] = (),
              log: list[tuple[str, str]] | None = None) -> Call:
    """``files`` maps a student file name (``cnn.py``) to its namespace; functions named in ``hang``
    time out. Every call is appended to ``log`` when one is given."""

    def call(file: str, function: str, args: tuple, kwargs: dict) -> Any:
        if log is not None:
            log.append((file, function))
        namespace = files.get(file)
        if namespace is None:
            raise StudentCallFailed(f"No file {file} was found in your submission.")
        if function in hang:
            raise StudentCallFailed(HANG)
        target: Callable[..., Any] | None = namespace.get(function)
        if not callable(target):
            raise StudentCallFailed(f"{file} has no function {function}.")
        args, kwargs = copy.deepcopy((args, kwargs))
        try:
            value = target(*args, **kwargs)
        except Exception as error:
            line = traceback.extract_tb(error.__traceback__)[-1].lineno
            raise StudentError(type(error).__name__, str(error), f"{file}, line {line}") from None
        return plain(value)

    return call


def plain(value: Any) -> Any:
    """``value`` rebuilt as exact plain types, as the sandbox's parent side does."""
    if value is None or type(value) in (bool, int, float, str):
        return value
    for kind in (bool, int, float, str):
        if isinstance(value, kind):
            return kind(value)
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        return value.item()
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        return np.array(value)
    if isinstance(value, (list, tuple)):
        items = [plain(item) for item in value]
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, dict) and all(type(key) is str for key in value):
        return {key: plain(item) for key, item in value.items()}
    raise StudentCallFailed(f"Your function returned a {type(value).__name__}, which the grader cannot read.")
