"""Stand-in modules for the student's code, so that an instructor's test file can run in the trusted process.

Inside ``StudentModules({"cnn": "cnn.py"}, call)``, ``import cnn`` / ``from cnn import f`` give a proxy
module whose attributes are ``RemoteFunction``s: calling one checks that the arguments are plain data and
hands ``("cnn.py", "f", args, kwargs)`` to ``call``, which runs the function in the sandbox and returns a
rebuilt plain value or raises ``StudentError`` / ``StudentCallFailed``. The student's code never shares
this process, so it can neither read the expected values in the test file nor touch the recorded outcome.

Any attribute name gives a callable (``hasattr(cnn, "x")`` is always true); a name the student's module
lacks, or one that is not a function, fails when it is called, as the sandbox reports it. Dunder names
raise ``AttributeError``. Only configured names are served, and a name that is importable otherwise
(``numpy``, ``json``, anything in the standard library or site-packages) is refused up front, so a proxy
can never shadow a real module. On exit the finder and the proxy modules leave ``sys.modules``, and a
proxy kept by the test file refuses to call anything: nothing leaks from one submission to the next.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import keyword
import math
import sys
import time
import traceback
import types
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from grader.unittests.errors import NotPlainData, StudentCallFailed, StudentError, raised_by
from grader.unittests.plain import problem_with

Call = Callable[[str, str, tuple, dict], Any]
"""``call(module_file, function_name, args, kwargs)``: a rebuilt plain value, or raises ``StudentError`` /
``StudentCallFailed``; any other exception is the grader's own fault."""

PLAIN = "use numbers, strings, lists, tuples, str-keyed dicts or numeric numpy arrays"


def check_module_names(modules: Mapping[str, str]) -> dict[str, str]:
    """A copy of ``modules`` (module name → the student's file), or ``ValueError`` listing every problem:
    a name that is not a plain top-level identifier, one that is importable here (the proxy would shadow
    it), or a file that is not a ``.py`` name."""
    problems = []
    for name, file in modules.items():
        if type(name) is not str or not name.isidentifier() or keyword.iskeyword(name):
            problems.append(f"{name!r} is not a top-level module name")
        elif _importable(name):
            problems.append(f"{name!r} is already an importable module here; a student module of that "
                            "name would shadow it")
        if type(file) is not str or not file.endswith(".py"):
            problems.append(f"{name!r}: the student's file must be a .py name, got {file!r}")
    if problems:
        raise ValueError("student modules: " + "; ".join(problems))
    return dict(modules)


def _importable(name: str) -> bool:
    if name in sys.modules or name in sys.stdlib_module_names or name in sys.builtin_module_names:
        return True
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return True


class StudentModules:
    """The context in which the configured student modules import as proxies (see the module docstring).

    It also keeps two things per *window* (the runner opens one for each test): a time budget (a call
    attempted after ``window_seconds`` raises ``StudentCallFailed``, so a test looping over many slow
    calls stays bounded) and the grader-side faults seen (a non-plain argument, a failing callback), which
    make the test an internal error even when the test itself catches the exception."""

    def __init__(self, modules: Mapping[str, str], call: Call, *, window_seconds: float = 60.0,
                 clock: Callable[[], float] = time.monotonic):
        self.files = check_module_names(modules)
        self.window_seconds = window_seconds
        self._call = call
        self._clock = clock
        self._deadline = math.inf
        self._faults: list[str] = []
        self._open = False
        self._finder = _Finder(self)

    def __enter__(self) -> StudentModules:
        sys.meta_path.insert(0, self._finder)
        self._open = True
        self.new_window()
        return self

    def __exit__(self, *exc: object) -> None:
        self._open = False
        while self._finder in sys.meta_path:
            sys.meta_path.remove(self._finder)
        for name in self.files:
            if isinstance(sys.modules.get(name), _StudentModule):
                del sys.modules[name]

    def new_window(self) -> None:
        """Start a new time budget and forget the faults of the previous window."""
        self._deadline = self._clock() + self.window_seconds
        self._faults.clear()

    def faults(self) -> tuple[str, ...]:
        """Grader-side faults seen in the current window (for staff; they make the test an internal error)."""
        return tuple(self._faults)

    def call(self, file: str, function: str, args: tuple, kwargs: dict) -> Any:
        if not self._open:
            raise RuntimeError(f"student function {function} called after its test run ended")
        self._check_arguments(function, args, kwargs)
        if self._clock() > self._deadline:
            raise StudentCallFailed(f"This test ran past its time limit of {self.window_seconds:g} s, so "
                                    f"{function} was not called again.")
        try:
            value = self._call(file, function, args, kwargs)
        except StudentError as error:
            raise raised_by(function, error) from None
        except StudentCallFailed as error:
            raise StudentCallFailed(error.message) from None
        except Exception:
            self._faults.append(f"calling {function} failed in the grader:\n{traceback.format_exc()}")
            raise
        problem = problem_with(value, numpy_scalars=False)
        if problem:
            self._fault(f"the call callback returned {problem} from {function}, not a rebuilt plain value")
        return value

    def _check_arguments(self, function: str, args: tuple, kwargs: dict) -> None:
        named = [(f"argument {index + 1}", value) for index, value in enumerate(args)]
        named += [(f"argument {key}=", value) for key, value in kwargs.items()]
        for label, value in named:
            problem = problem_with(value)
            if problem:
                self._fault(f"{function}(): {label} is not plain data ({problem}); {PLAIN}")

    def _fault(self, message: str) -> None:
        self._faults.append(message)
        raise NotPlainData(message)


@dataclass(frozen=True)
class RemoteFunction:
    """A student function as the test sees it: calling it runs the real one in the sandbox."""

    file: str
    function: str
    session: StudentModules

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.session.call(self.file, self.function, args, kwargs)

    def __repr__(self) -> str:
        return f"<student function {self.function} in {self.file}>"


class _StudentModule(types.ModuleType):
    """A proxy module: every non-dunder attribute is a ``RemoteFunction`` (created once, then cached)."""

    def __init__(self, name: str, file: str, session: StudentModules):
        super().__init__(name, f"The student's {file}, run in the sandbox.")
        self._grader_file = file
        self._grader_session = session

    def __getattr__(self, name: str) -> RemoteFunction:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        remote = RemoteFunction(self._grader_file, name, self._grader_session)
        setattr(self, name, remote)
        return remote


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves the configured top-level names, and nothing else, as proxy modules."""

    def __init__(self, session: StudentModules):
        self.session = session

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if path is not None or fullname not in self.session.files:
            return None
        return importlib.util.spec_from_loader(fullname, self, origin=f"student:{self.session.files[fullname]}")

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        return _StudentModule(spec.name, self.session.files[spec.name], self.session)

    def exec_module(self, module: types.ModuleType) -> None:
        """Nothing to run: the student's code runs only in the sandbox."""
