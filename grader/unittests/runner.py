"""Run one instructor-written unittest file against a submission, in the trusted process.

    outcomes = run_test_file(Path("problems/unittests_example/test_cnn.py"), {"cnn": "cnn.py"}, call)

The file is imported fresh under a private module name while the student modules are proxies
(``proxy.StudentModules``), its tests run with our ``Recorder``, and the file, the proxies and the finder
are all gone from ``sys.modules`` afterwards. Whatever the file does, the result is a tuple of outcomes:
a file that fails to import (or defines no test, or breaks the runner) gives one ``internal_error``
outcome with the traceback for staff, never an exception.

Time: each test (and each fixture between tests) gets ``test_seconds`` of wall time for its calls to the
student's code; a call attempted after that raises ``StudentCallFailed`` in the test. Each call is bounded
by the callback itself. The test file is the instructor's, trusted, and not time-limited here.
"""

from __future__ import annotations

import contextlib
import importlib.util
import re
import sys
import time
import traceback
import types
import unittest
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Iterator, Mapping

from grader.unittests.judge import after_teardown, file_error, fixtures_of, judge, not_run
from grader.unittests.metadata import read_meta
from grader.unittests.outcome import TestOutcome
from grader.unittests.proxy import Call, StudentModules
from grader.unittests.recorder import Recorder, Sink

DEFAULT_TEST_SECONDS = 60.0
OUTPUT_LIMIT = 8_000


def run_test_file(path: Path, modules: Mapping[str, str], call: Call, *,
                  test_seconds: float = DEFAULT_TEST_SECONDS) -> tuple[TestOutcome, ...]:
    """Every test of the unittest file at ``path``, in the order unittest runs them; ``modules`` maps the
    module names the file imports (``cnn``) to the student's files (``cnn.py``) that ``call`` runs."""
    started = time.perf_counter()
    try:
        with StudentModules(modules, call, window_seconds=test_seconds) as students, _imported(path) as module:
            suite, tests = _load(module)
            sink = Sink(OUTPUT_LIMIT)
            recorder = Recorder(students, sink)
            with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                suite.run(recorder)
            return _unique(tuple(_outcome(test, recorder) for test in tests))
    except (Exception, SystemExit):
        return (file_error(path, traceback.format_exc(), time.perf_counter() - started),)


def _outcome(test: unittest.TestCase, recorder: Recorder) -> TestOutcome:
    meta = read_meta(test)
    ran = recorder.ran.get(id(test))
    if ran is None:
        setups = fixtures_of(test, recorder.fixtures, setup=True)
        outcome = not_run(test, meta, setups[0] if setups else None)
    else:
        outcome = judge(test, meta, ran)
    for fixture in fixtures_of(test, recorder.fixtures, setup=False):
        outcome = after_teardown(outcome, test, meta, fixture)
    return outcome


@contextlib.contextmanager
def _imported(path: Path) -> Iterator[types.ModuleType]:
    """The test file as a fresh module under a private name, removed from ``sys.modules`` afterwards."""
    name = "_grader_unittests_" + re.sub(r"\W", "_", path.stem)
    if name in sys.modules:
        raise RuntimeError(f"{name} is already imported: test files cannot run nested")
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"{path} cannot be imported as a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        if sys.modules.get(name) is module:
            del sys.modules[name]


def _load(module: types.ModuleType) -> tuple[unittest.TestSuite, tuple[unittest.TestCase, ...]]:
    """The file's suite and its tests in order (listed first: running a suite empties it)."""
    loader = unittest.TestLoader()
    suite = loader.loadTestsFromModule(module)
    if loader.errors:
        raise RuntimeError("unittest could not load the tests:\n" + "\n".join(loader.errors))
    tests = tuple(_flatten(suite))
    if not tests:
        raise RuntimeError("the file defines no tests (unittest.TestCase methods named test*)")
    return suite, tests


def _flatten(suite: unittest.TestSuite) -> Iterator[unittest.TestCase]:
    for item in suite:
        if isinstance(item, unittest.TestSuite):
            yield from _flatten(item)
        else:
            yield item


def _unique(outcomes: tuple[TestOutcome, ...]) -> tuple[TestOutcome, ...]:
    """Number repeated ids (the same class name in two modules, a test listed twice): ``Class.test#2``."""
    seen: Counter[str] = Counter()
    unique = []
    for outcome in outcomes:
        seen[outcome.test_id] += 1
        count = seen[outcome.test_id]
        unique.append(outcome if count == 1 else replace(outcome, test_id=f"{outcome.test_id}#{count}"))
    return tuple(unique)
