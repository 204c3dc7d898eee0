"""The grading run, one way through: load problems → read the submission → grade → render → write.

Whatever happens after the fallback is written, the results file is valid: a crash inside grading becomes
an internal-error report (an apology for the student, the traceback for staff).
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from grader.grading.grade import grade_part
from grader.grading.late import late_penalty
from grader.grading.stage_results import NO_CODE, NO_NOTEBOOKS, CodeResults, NotebookResults
from grader.problems.model import CodePart, NotebookPart, ProblemSet, part_key
from grader.results.gradescope import render
from grader.results.model import Report
from grader.results.write import write_fallback, write_figures, write_results
from grader.submission.answers import AnswerSheet, Missing, SheetError, read_answers
from grader.submission.locate import NotFound, find_answers_file
from grader.submission.metadata import SubmissionMetadata


def grade_submission(problem_set: ProblemSet, submission: Path,
                     metadata: SubmissionMetadata | None = None) -> Report:
    started = time.perf_counter()
    answers = _read_answers(problem_set, submission)
    code = _grade_code(problem_set, submission)
    notebooks = _grade_notebooks(problem_set, submission)
    unread = Missing("no answers were read (see the message at the top)") if answers.messages else None
    parts = tuple(
        code.parts[part_key(problem, part)] if isinstance(part, CodePart)
        else notebooks.parts[part_key(problem, part)] if isinstance(part, NotebookPart)
        else grade_part(problem_set, problem, part, unread or answers.sheet.lookup(part_key(problem, part)))
        for problem, part in problem_set.parts()
    ) + code.tests
    return Report(
        problem_set_id=problem_set.id,
        problem_set_title=problem_set.title,
        parts=parts,
        answers_file=answers.shown if not answers.messages else None,
        messages=answers.messages,
        warnings=answers.sheet.warnings,
        execution_time=time.perf_counter() - started,
        staff_notes=tuple(dict.fromkeys(code.staff_notes + notebooks.staff_notes)),
        notices=code.notices + notebooks.notices,
        figures=notebooks.figures,
        late=late_penalty(problem_set.late_policy, metadata),
    )


def _grade_code(problem_set: ProblemSet, submission: Path) -> CodeResults:
    """Code parts and unittest files, when the problem set has any (the code judge is imported only then)."""
    if not problem_set.code_parts() and not problem_set.unittests:
        return NO_CODE
    from grader.grading.code_parts import grade_code_parts

    return grade_code_parts(problem_set, submission)


def _grade_notebooks(problem_set: ProblemSet, submission: Path) -> NotebookResults:
    """Notebook parts, when the problem set has any (nbclient is imported only then)."""
    if not problem_set.notebook_parts():
        return NO_NOTEBOOKS
    from grader.grading.notebook_parts import grade_notebook_parts

    return grade_notebook_parts(problem_set, submission)


@dataclass(frozen=True)
class _Answers:
    sheet: AnswerSheet
    shown: str | None = None
    messages: tuple[str, ...] = ()


def _read_answers(problem_set: ProblemSet, submission: Path) -> _Answers:
    """The answers file, when the problem set has parts answered in one."""
    keys = [part_key(problem, part) for problem, part in problem_set.answer_parts()]
    if not keys:
        return _Answers(AnswerSheet())
    found = find_answers_file(submission)
    if isinstance(found, NotFound):
        return _Answers(AnswerSheet(), messages=(found.message,))
    read = read_answers(found.path, found.shown, keys)
    if isinstance(read, SheetError):
        return _Answers(AnswerSheet(), found.shown, (read.message,))
    return _Answers(read, found.shown)


def crash_report(problem_set_id: str, title: str, detail: str, started: float) -> Report:
    return Report(problem_set_id=problem_set_id, problem_set_title=title, parts=(),
                  internal_error=detail, execution_time=time.perf_counter() - started)


def grade_and_write(problem_set: ProblemSet, submission: Path, out: Path,
                    metadata: SubmissionMetadata | None = None) -> Report:
    """Write the fallback, grade, and write results.json; never raises for anything the submission does."""
    started = time.perf_counter()
    write_fallback(out)
    try:
        report = grade_submission(problem_set, submission, metadata)
        write_results(out, render(report))
        write_figures(out.parent / "figures", report.figures)
    except Exception:
        report = crash_report(problem_set.id, problem_set.title, traceback.format_exc(), started)
        write_results(out, render(report))
    return report
