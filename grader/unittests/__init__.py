"""Instructor-written unittest files (gradescope-utils decorators), run by our own runner.

The test file runs in the trusted grader process; the student's modules it imports are proxies whose
functions run in the sandbox (``proxy``), so the student can neither read the expected values in the
file nor change the recorded outcome. The runner (``runner``, ``recorder``, ``judge``) fixes
JSONTestRunner's defects: failing subtests cost their share instead of removing the test, a failed
``setUpClass``/``setUpModule`` is charged to its tests instead of crashing the run, skipped tests are
listed, decorators are read through any wrapper, reported scores never go stale, scores are finite.
``convert`` turns outcomes into ``PartResult``s; ``bridge`` is the callback that uses the sandbox.
"""

from grader.unittests.convert import leaderboard_entries, to_part_results
from grader.unittests.errors import NotPlainData, StudentCallFailed, StudentError
from grader.unittests.outcome import LeaderboardEntry, Subtests, TestOutcome
from grader.unittests.proxy import Call, StudentModules, check_module_names
from grader.unittests.runner import run_test_file

__all__ = ["Call", "LeaderboardEntry", "NotPlainData", "StudentCallFailed", "StudentError", "StudentModules",
           "Subtests", "TestOutcome", "check_module_names", "leaderboard_entries", "run_test_file",
           "to_part_results"]
