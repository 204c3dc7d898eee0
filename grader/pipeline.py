"""The grading run, one way through: load problems → read the submission → grade → render → write.

Whatever happens after the fallback is written, the results file is valid: a crash inside grading becomes
an internal-error report (an apology for the student, the traceback for staff).
"""

from __future__ import annotations

import time
import traceback
from pathlib import Path

from grader.grading.grade import grade_part
from grader.problems.model import ProblemSet, part_key
from grader.results.gradescope import render
from grader.results.model import Report
from grader.results.write import write_fallback, write_results
from grader.submission.answers import AnswerSheet, Missing, SheetError, read_answers
from grader.submission.locate import NotFound, find_answers_file


def grade_submission(problem_set: ProblemSet, submission: Path) -> Report:
    started = time.perf_counter()
    keys = [part_key(problem, part) for problem, part in problem_set.parts()]
    found = find_answers_file(submission)
    answers_file = None
    messages: tuple[str, ...] = ()
    sheet = AnswerSheet()
    if isinstance(found, NotFound):
        messages = (found.message,)
    else:
        answers_file = found.shown
        read = read_answers(found.path, found.shown, keys)
        if isinstance(read, SheetError):
            messages = (read.message,)
        else:
            sheet = read
    unread = Missing("no answers were read (see the message at the top)") if messages else None
    parts = tuple(
        grade_part(problem_set, problem, part, unread or sheet.lookup(part_key(problem, part)))
        for problem, part in problem_set.parts()
    )
    return Report(
        problem_set_id=problem_set.id,
        problem_set_title=problem_set.title,
        parts=parts,
        answers_file=answers_file if not messages else None,
        messages=messages,
        warnings=sheet.warnings,
        execution_time=time.perf_counter() - started,
    )


def crash_report(problem_set_id: str, title: str, detail: str, started: float) -> Report:
    return Report(problem_set_id=problem_set_id, problem_set_title=title, parts=(),
                  internal_error=detail, execution_time=time.perf_counter() - started)


def grade_and_write(problem_set: ProblemSet, submission: Path, out: Path) -> Report:
    """Write the fallback, grade, and write results.json; never raises for anything the submission does."""
    started = time.perf_counter()
    write_fallback(out)
    try:
        report = grade_submission(problem_set, submission)
        write_results(out, render(report))
    except Exception:
        report = crash_report(problem_set.id, problem_set.title, traceback.format_exc(), started)
        write_results(out, render(report))
    return report
