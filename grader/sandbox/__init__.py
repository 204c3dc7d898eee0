"""Running untrusted student code: one child process per submission, as an unprivileged user when the
grader is root, under resource limits and a wall-clock kill, exchanging only plain data with the parent.

See ``THREATS.md`` in the design notes for the threat model. The parent (this package) never imports,
unpickles or calls anything the student produced; the child (``child.py``) is a small stdlib-and-numpy
program that loads the student's file and answers call requests over a pipe.
"""

from grader.sandbox.limits import Limits
from grader.sandbox.outcome import CallReport, Failure, NotRun, Raised, Returned, Unreadable
from grader.sandbox.session import SandboxSession

__all__ = ["Limits", "SandboxSession", "CallReport", "Failure", "NotRun", "Raised", "Returned", "Unreadable"]
