"""The run stage for notebooks: each notebook a problem set names, run headless in a sandbox of its own in
grading mode, then every part that reads it judged here, in the trusted process.

A value is judged by the part's answer kind against the reference solver (the same judging as an answers
file, so tolerances, formats and named mistakes carry over) or by a ``check``; a function by the code-part
judge, on the calls the kernel answered. A name the notebook never defined scores 0 with the reason (the
kernel died in cell N, a cell ran past its time limit, or it was simply never assigned); the other parts
keep their scores. The grader's own failures are internal errors for staff, never the student's zero.
"""

from __future__ import annotations

import difflib
import math
import traceback
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from grader.code.grade import grade_code_part
from grader.code.plan import plan_calls
from grader.grading.grade import grade_part, part_skeleton
from grader.grading.measured import measurement_notes, probe_call, with_measurement
from grader.grading.stage_results import NotebookResults
from grader.measure.client import GpuReport, gpu_report, torch_is_cuda_build
from grader.notebooks.spec import NotebookSpec
from grader.problems.model import Expected, Mistake, NotebookPart, Part, Problem, ProblemSet, part_key
from grader.problems.resolve import resolve_given
from grader.results.model import PartResult
from grader.sandbox import Limits, SandboxSession
from grader.sandbox.limits import MIB
from grader.sandbox.outcome import CallReport, Failure, NotRun, Unreadable
from grader.text import code

APOLOGY = ("The grader could not run your notebook for this part. This is the grader's fault, not yours: "
           "staff have the details and will regrade it.")


def notebook_limits(spec: NotebookSpec, on_gpu: bool = False) -> Limits:
    """A kernel needs more descriptors and threads than the code child; CPU time counts every thread. On a
    GPU, or with a CUDA build of torch, the memory limit is on data, not address space (see ``Limits``)."""
    data = on_gpu or torch_is_cuda_build()
    return Limits(memory_bytes=spec.memory_mb * MIB, cpu_seconds=int(spec.timeout * 4) + 30, processes=128,
                  open_files=1024, memory_kind="data" if data else "address_space")


def grade_notebook_parts(problem_set: ProblemSet, submission: Path) -> NotebookResults:
    by_notebook: dict[str, list[tuple[Problem, NotebookPart]]] = {}
    for problem, part in problem_set.notebook_parts():
        by_notebook.setdefault(part.notebook.source, []).append((problem, part))
    gpu = _gpu(problem_set)
    parts: dict[str, PartResult] = {}
    notices: list[str] = []
    figures: list[tuple[str, bytes]] = []
    notes: list[str] = list(measurement_notes(gpu)) if gpu.device or gpu.reason else []
    for notebook_id, members in by_notebook.items():
        spec = problem_set.notebook(notebook_id)
        assert spec is not None, "the loader checks every notebook part's source"
        graded = _grade_notebook(problem_set, spec, members, submission, gpu)
        parts.update(graded.parts)
        notices += graded.notices
        figures += graded.figures
        notes += graded.staff_notes
    return NotebookResults(parts, tuple(notices), tuple(figures), tuple(dict.fromkeys(notes)))


def _gpu(problem_set: ProblemSet) -> GpuReport:
    """The grader's GPU and its measurements, asked for only when a notebook or part could use them."""
    calls = tuple(call for problem, part in problem_set.notebook_parts()
                  if (call := probe_call(problem, part)) is not None)
    if not calls and not any(spec.gpu_parameters for spec in problem_set.notebooks):
        return GpuReport(None)
    return gpu_report(calls)


def _grade_notebook(problem_set: ProblemSet, spec: NotebookSpec, members: list[tuple[Problem, NotebookPart]],
                    submission: Path, gpu: GpuReport) -> NotebookResults:
    from grader.notebooks.execute import FunctionCalls, Request, Settings, run_notebook
    from grader.notebooks.read import InvalidNotebook, read_notebook

    bases = {part_key(problem, part): part_skeleton(problem_set, problem, part) for problem, part in members}
    on_gpu = gpu.device is not None and bool(spec.gpu_parameters)
    with SandboxSession(submission, limits=notebook_limits(spec, on_gpu)) as sandbox:
        lookup = sandbox.find(spec.file)
        relative = lookup.relative
        if relative is None:
            return NotebookResults(_all(bases, "missing", "NO_NOTEBOOK", lookup.message), (lookup.message,),
                                   staff_notes=sandbox.notes)
        notebook = read_notebook(sandbox.staged_dir / relative, relative)
        renamed = sandbox.notices
        if isinstance(notebook, InvalidNotebook):
            return NotebookResults(_all(bases, "format_error", "INVALID_NOTEBOOK", notebook.message),
                                   (*renamed, notebook.message), staff_notes=sandbox.notes)
        plans = {part_key(problem, part): plan_calls(part.as_code_part(), resolve_given(problem.given))
                 for problem, part in members if part.notebook.function is not None}
        names = tuple(dict.fromkeys(name for _, part in members for name in part.references()))
        functions = tuple(FunctionCalls(key, part.notebook.function, plans[key].calls)
                          for (problem, part), key in ((m, part_key(*m)) for m in members) if key in plans)
        parameters = {**spec.parameters, **spec.gpu_parameters} if on_gpu else spec.parameters
        settings = Settings(parameters=parameters, cell_timeout=spec.cell_timeout, total_timeout=spec.timeout,
                            gpu=on_gpu)
        run = run_notebook(notebook, sandbox, Request(names=names, functions=functions), settings)
        notes = sandbox.notes
    if run.failure is not None:
        results = {key: replace(base, status="internal_error", note="INTERNAL_ERROR", feedback=APOLOGY,
                                staff_detail=run.staff_detail) for key, base in bases.items()}
        return NotebookResults(results, staff_notes=notes)
    if run.staff_detail:
        notes = (*notes, f"{relative}: the run ended unexpectedly: {run.staff_detail.strip().splitlines()[-1]}")
    wanted = frozenset(names) | {calls.function for calls in functions}
    context = _Context(problem_set, spec, relative, run, wanted, gpu if on_gpu else GpuReport(None))
    results = {}
    for problem, part in members:
        key = part_key(problem, part)
        try:
            results[key] = context.judge(bases[key], problem, part, plans.get(key))
        except Exception:  # a grader bug, never the student's fault
            results[key] = replace(bases[key], status="internal_error", note="INTERNAL_ERROR", feedback=APOLOGY,
                                   staff_detail=traceback.format_exc())
    figures = tuple((f"{spec.id}-{figure.name}", figure.png) for figure in run.figures)
    summary = run_summary(relative, run, len(figures), gpu.device if on_gpu else None)
    return NotebookResults(results, (*renamed, summary), figures, notes)


def _all(bases: dict[str, PartResult], status: Any, note: str, message: str) -> dict[str, PartResult]:
    return {key: replace(base, status=status, note=note, earned=0.0, feedback=message) for key, base in bases.items()}


def _how_it_died(run: Any) -> str:
    """How the kernel died, when the grader knows: it stopped it for its memory, or the exit status says."""
    limit = getattr(run, "memory_limit_mb", None)
    return f"used more than {limit:,} MB of memory and was stopped" if limit else getattr(run, "died_how", "")


def _died_why(run: Any) -> str:
    how = _how_it_died(run)
    return f" (it {how})" if how else ""


def _cells(count: int) -> str:
    return "the cell" if count == 1 else f"the {count} cells"


def run_summary(shown: str, run: Any, figures: int, device: str | None = None) -> str:
    """One paragraph for the top of the feedback: how the notebook ran."""
    counts = {status: sum(cell.status == status for cell in run.cells) for status in
              ("ok", "error", "timeout", "died", "not_run")}
    parts = [f"{counts['ok']} of {len(run.cells)} code cells ran without an error"]
    errors = [cell for cell in run.cells if cell.status == "error"]
    if errors:
        listed = "; ".join(f"cell {cell.number}: {code(cell.detail, 100)}" for cell in errors[:3])
        parts.append(f"{len(errors)} raised an exception ({listed}{'; …' if len(errors) > 3 else ''})")
    for cell in run.cells:
        if cell.status == "timeout":
            parts.append(f"cell {cell.number} {cell.detail} and was interrupted")
    later = counts["not_run"]
    after = f", so {_cells(later)} after it did not run" if later else ""
    if run.died_in is not None:
        parts.append(f"the kernel died in cell {run.died_in}{_died_why(run)}{after}"
                     if not any(c.status == "timeout" and c.number == run.died_in for c in run.cells) else
                     f"cell {run.died_in} ignored the interrupt, so the kernel was stopped{after}")
    elif run.timed_out:
        parts.append(f"the notebook's time limit passed before {_cells(later)} could run")
    if run.output_truncated:
        parts.append("its printed output was too long and was cut")
    where = f"run in grading mode on the grader's GPU, {device}" if device else "run in grading mode"
    text = f"**Notebook {code(shown, 80)}** ({where}): " + "; ".join(parts) + "."
    if figures:
        text += f" Its {figures} figure{'s were' if figures != 1 else ' was'} saved for your TAs."
    return text


class _Context:
    def __init__(self, problem_set: ProblemSet, spec: NotebookSpec, shown: str, run: Any,
                 wanted: frozenset[str] = frozenset(), gpu: GpuReport = GpuReport(None)):
        self.problem_set = problem_set
        self.spec = spec
        self.shown = shown
        self.run = run
        self.wanted = wanted
        """Every name the parts read from this notebook: never suggested in place of another."""
        self.gpu = gpu

    def judge(self, base: PartResult, problem: Problem, part: NotebookPart, plan: Any) -> PartResult:
        if part.notebook.function is not None:
            return self._judge_function(base, part, plan)
        path = part.notebook.value
        assert path is not None
        found = self.lookup(path)
        if isinstance(found, _Absent):
            return replace(base, status=found.status, note=found.note, feedback=found.message, hint=part.hint)
        try:
            if part.check is not None:
                return self._judge_check(base, part, path, found)
            return self._judge_answer(problem, part, path, found)
        except _Unavailable as missing:
            return replace(base, status=missing.absent.status, note=missing.absent.note, hint=part.hint,
                           feedback=f"Read `{path}` = {code(as_text(found), 80)}, but this part also needs "
                                    f"another value: {missing.absent.message}")

    def lookup(self, path: str) -> Any:
        root, *keys = path.split(".")
        entry = self.run.values.get(root)
        if entry is None:
            return _Absent("missing", "NOT_DEFINED",
                           f"Your notebook never defined `{root}`{self._why()}.{self._did_you_mean(root)}")
        outcome, _ = entry
        if isinstance(outcome, Unreadable):
            return _Absent("wrong", "UNREADABLE", f"`{root}` could not be read ({code(outcome.reason, 200)}); use numbers, "
                           "strings, lists, dicts with string or number keys, or numeric numpy arrays.")
        value = outcome.value
        walked = root
        for key in keys:
            value = _step(value, key)
            walked += f".{key}"
            if isinstance(value, _Absent):
                return _Absent("missing", "NOT_DEFINED", f"`{walked}` is not in your notebook's `{root}`.")
        if value is None:
            return _Absent("missing", "NOT_DEFINED", f"`{path}` is None in your notebook{self._why()}.")
        return value

    def _did_you_mean(self, name: str) -> str:
        """A near name the notebook does define (a typo, a plural), never one that another part reads; only
        when every cell ran, since a failed cell explains a missing name better than a typo does."""
        if self._why():
            return ""
        others = [defined for defined in self.run.defined if defined not in self.wanted]
        near = difflib.get_close_matches(name, others, n=1, cutoff=0.8)
        return f" It defines {code(near[0], 80)}: if that is it, name it `{name}`." if near else ""

    def _why(self) -> str:
        run = self.run
        if run.died_in is not None:
            how = _how_it_died(run)
            return f" (the kernel died in cell {run.died_in}{': it ' + how if how else ''}, so later cells did not run)"
        if run.timed_out:
            return " (the notebook's time limit passed before every cell ran)"
        errors = [cell for cell in run.cells if cell.status in ("error", "timeout")]
        if errors:
            first = errors[0]
            return f" (cell {first.number} {'raised ' + code(first.detail, 100) if first.status == 'error' else first.detail})"
        return ""

    def _judge_answer(self, problem: Problem, part: NotebookPart, path: str, value: Any) -> PartResult:
        expected = self._late(part.expected)
        mistakes = tuple(replace_mistake(mistake, self) for mistake in part.mistakes)
        as_answer = Part(id=part.id, title=part.title, prompt=part.prompt, points=part.points,
                         extra_credit=part.extra_credit, answer=part.answer, expected=expected,
                         visibility=part.visibility, reveal_expected=part.reveal_expected, hint=part.hint,
                         mistakes=mistakes, tags=part.tags)
        result = grade_part(self.problem_set, problem, as_answer, as_text(value))
        read = f"Read `{path}` = {code(as_text(value), 80)} from {code(self.shown, 80)}."
        result = replace(result, feedback=f"{read}\n\n{result.feedback}" if result.feedback else read)
        call = probe_call(problem, part)
        return result if call is None else with_measurement(result, part, _number(value), self.gpu, call)

    def _late(self, expected: Expected | None) -> Expected:
        """``expected`` with every ``@name`` argument replaced by the notebook's value."""
        assert expected is not None
        return Expected(solver=expected.solver, args=self.late_args(expected.args), check=expected.check)

    def late_args(self, args: dict[str, Any]) -> dict[str, Any]:
        resolved = {}
        for name, value in args.items():
            if isinstance(value, str) and value.startswith("@"):
                found = self.lookup(value[1:])
                if isinstance(found, _Absent):
                    raise _Unavailable(found)
                resolved[name] = found.item() if isinstance(found, np.generic) else found
            else:
                resolved[name] = value
        return resolved

    def _judge_check(self, base: PartResult, part: NotebookPart, path: str, value: Any) -> PartResult:
        check = part.check
        assert check is not None
        number = _number(value)
        if number is None:
            return replace(base, status="wrong", note="NOT_A_NUMBER", hint=part.hint,
                           feedback=f"`{path}` should be a number; your notebook has {code(as_text(value), 80)}.")
        lines, passed = [], True
        for label, holds in self._conditions(check, path, number):
            lines.append(("✅ " if holds else "❌ ") + label)
            passed = passed and holds
        status = "correct" if passed else "wrong"
        read = f"Read `{path}` = {_fmt(number)} from {code(self.shown, 80)}."
        return replace(base, status=status, note="CORRECT" if passed else "CHECK_FAILED",
                       earned=part.points if passed else 0.0, answer_shown=_fmt(number),
                       hint=None if passed else part.hint, feedback="\n\n".join([read, "\n".join(lines)]))

    def _conditions(self, check: Any, path: str, number: float):
        if check.at_least is not None:
            yield f"at least {_fmt(check.at_least)}", number >= check.at_least
        if check.at_most is not None:
            yield f"at most {_fmt(check.at_most)}", number <= check.at_most
        for other, word, holds in ((check.greater_than, "greater than", lambda a, b: a > b),
                                   (check.less_than, "less than", lambda a, b: a < b)):
            if other is not None:
                reference = _number(self.lookup(other))
                if reference is None:
                    yield f"{word} `{other}`, which your notebook does not define as a number", False
                else:
                    yield f"{word} `{other}` = {_fmt(reference)}", holds(number, reference)
        if check.ratio_to is not None:
            reference = _number(self.lookup(check.ratio_to))
            if reference is None or reference == 0:
                yield f"{_fmt(check.ratio)} × `{check.ratio_to}`, which your notebook does not define as a non-zero number", False
            else:
                ratio = number / reference
                yield (f"{_fmt(check.ratio)} × `{check.ratio_to}` = {_fmt(reference)} (yours is {_fmt(ratio)} ×)",
                       math.isclose(ratio, check.ratio, rel_tol=check.rtol))

    def _judge_function(self, base: PartResult, part: NotebookPart, plan: Any) -> PartResult:
        key = base.key
        outcomes = self.run.calls.get(key)
        function = part.notebook.function
        if outcomes is None:
            failure = Failure("NO_FUNCTION", f"Your notebook never defined a function {code(function, 80)}"
                                             f"{self._why()}.{self._did_you_mean(function)}")
            report = CallReport(outcomes=tuple(NotRun("not run") for _ in plan.calls), failure=failure)
        else:
            report = CallReport(outcomes=outcomes, failure=None)
        return grade_code_part(base, part.as_code_part(), plan, report)


def replace_mistake(mistake: Mistake, context: _Context) -> Mistake:
    return mistake.model_copy(update={"args": context.late_args(mistake.args)})


@dataclass(frozen=True)
class _Absent:
    status: Any
    note: str
    message: str


class _Unavailable(Exception):
    def __init__(self, absent: _Absent):
        super().__init__(absent.message)
        self.absent = absent


def _step(value: Any, key: str) -> Any:
    if isinstance(value, dict):
        return value[key] if key in value else _Absent("missing", "NOT_DEFINED", "")
    if isinstance(value, (list, tuple)) and key.isdigit() and int(key) < len(value):
        return value[int(key)]
    return _Absent("missing", "NOT_DEFINED", "")


def _number(value: Any) -> float | None:
    if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "iuf":
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _fmt(value: float | None) -> str:
    if value is None:
        return "?"
    return f"{value:,}" if float(value).is_integer() and abs(value) < 1e15 else f"{value:.4g}"


def as_text(value: Any) -> str:
    """A notebook value as the text an answers file would hold, for the answer kinds to parse."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, tuple):
        value = list(value)
    if isinstance(value, float):
        return repr(value)
    return str(value)

