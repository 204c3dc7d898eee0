"""The run stage for code: every code part and instructor unittest file of a submission through one
sandbox session, judged here.

The sandbox returns plain values only; expected values, mistakes, test files and comparisons never leave
this process. A failure of the grader itself (a solver, a bug here) is an internal error for that part
alone, reported to staff, never blamed on the student.
"""

from __future__ import annotations

import traceback
from dataclasses import replace
from pathlib import Path

from grader.code.grade import grade_code_part
from grader.code.plan import plan_calls
from grader.grading.grade import part_skeleton
from grader.grading.stage_results import CodeResults
from grader.problems.model import CodePart, Problem, ProblemSet, UnittestSuite, part_key
from grader.problems.resolve import resolve_given
from grader.results.model import PartResult
from grader.sandbox import Limits, SandboxSession
from grader.sandbox.limits import MIB


def sandbox_limits(problem_set: ProblemSet) -> Limits:
    settings = problem_set.sandbox
    return Limits(memory_bytes=settings.memory_mb * MIB, cpu_seconds=settings.cpu_seconds)


def grade_code_parts(problem_set: ProblemSet, submission: Path) -> CodeResults:
    parts = problem_set.code_parts()
    if not parts and not problem_set.unittests:
        return CodeResults({}, (), ())
    with SandboxSession(submission, limits=sandbox_limits(problem_set)) as sandbox:
        results = {part_key(problem, part): _grade_one(problem_set, problem, part, sandbox)
                   for problem, part in parts}
        tests = tuple(result for index, suite in enumerate(problem_set.unittests, 1)
                      for result in _run_suite(problem_set, suite, index, sandbox))
        notes, notices = sandbox.notes, sandbox.notices
    return CodeResults(results, tests, notes, notices)


def _grade_one(problem_set: ProblemSet, problem: Problem, part: CodePart, sandbox: SandboxSession) -> PartResult:
    base = part_skeleton(problem_set, problem, part)
    try:
        plan = plan_calls(part, resolve_given(problem.given))
        report = sandbox.call(part.code.file, part.code.function, plan.calls, timeout=part.code.timeout)
        return grade_code_part(base, part, plan, report)
    except Exception:  # a grader bug, never the student's fault
        return replace(base, status="internal_error", note="INTERNAL_ERROR", staff_detail=traceback.format_exc(),
                       feedback="The grader could not check this part; staff have the details.")


def _run_suite(problem_set: ProblemSet, suite: UnittestSuite, index: int,
               sandbox: SandboxSession) -> tuple[PartResult, ...]:
    from grader.unittests import run_test_file, to_part_results
    from grader.unittests.bridge import sandbox_call

    path = problem_set.unittest_path(suite)
    outcomes = run_test_file(path, suite.modules, sandbox_call(sandbox, timeout=suite.timeout))
    major = len(problem_set.problems) + index  # the suite's tests come after the problems, in their own order
    results = to_part_results(outcomes, key_prefix=f"unittests.{Path(suite.file).stem}")
    return tuple(replace(result, number=f"{major}.{result.number}") for result in results)
