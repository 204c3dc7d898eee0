"""The exceptions a call to student code can end in, as the instructor's test sees them.

The call callback (the sandbox, or a fake in tests) raises ``StudentError`` when the student's function
raised, and ``StudentCallFailed`` when the call could not complete (timeout, crash, missing file or
function). The proxy re-raises a ``StudentError`` as a subclass of the builtin exception it names, so an
instructor's ``assertRaises(ValueError)`` still works although the student's ``ValueError`` was raised in
another process: only the type *name* crosses, and only builtin exception classes are ever looked up.
"""

from __future__ import annotations

import builtins

# Not mapped: an AssertionError from student code must not read as an ordinary failed assertion of the
# test, and the iteration protocol's exceptions change control flow where they are raised.
_NOT_MAPPED = (AssertionError, StopIteration, StopAsyncIteration)


class StudentError(Exception):
    """The student's function raised ``type_name: message``; ``where`` is the student's own file and line
    (``cnn.py, line 12``) when known. ``function`` is filled in by the proxy that made the call."""

    def __init__(self, type_name: str, message: str, where: str | None = None, *, function: str | None = None):
        super().__init__(type_name, message, where)
        self.type_name = type_name
        self.message = message
        self.where = where
        self.function = function

    def __str__(self) -> str:
        who = f"Your function {self.function}" if self.function else "Your function"
        detail = f": {self.message}" if self.message else ""
        where = f" ({self.where})" if self.where else ""
        return f"{who} raised {self.type_name}{detail}{where}"


class StudentCallFailed(Exception):
    """The call did not complete: a timeout, a crash, no such file or function. ``message`` is written for
    the student and names no grader path or expected value."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class NotPlainData(TypeError):
    """The instructor's test passed something other than plain data to a student function (or the call
    callback returned one): the instructor's mistake, reported to staff, never blamed on the student."""


def raised_by(function: str, error: StudentError) -> StudentError:
    """``error`` for the student's ``function``, as a subclass of the builtin exception it names when
    there is one (``ValueError`` → a ``StudentError`` that is also a ``ValueError``)."""
    builtin = getattr(builtins, error.type_name, None) if error.type_name.isidentifier() else None
    if isinstance(builtin, type) and issubclass(builtin, Exception) and not issubclass(builtin, _NOT_MAPPED):
        try:
            kind = type(f"Student{error.type_name}", (StudentError, builtin), {"__module__": __name__})
            return kind(error.type_name, error.message, error.where, function=function)
        except Exception:  # an incompatible layout or constructor (UnicodeDecodeError): the plain class
            pass
    return StudentError(error.type_name, error.message, error.where, function=function)
