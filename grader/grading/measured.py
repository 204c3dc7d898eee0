"""A notebook figure against the grader's own GPU measurement (a part's ``measured:``), when there is one.

On a CPU-only grader the part keeps the judgement of its analytic model (``expected``) and says so. On a
grader with a CUDA GPU the notebook ran there too, so its figure and the grader's probe measured the same
thing on the same device: the figure must come within ``rtol`` of the probe's, which decides the part
(the analytic judgement stays in the feedback as a guide).
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from grader.measure.client import GpuReport, ProbeCall
from grader.problems.model import NotebookPart, Problem
from grader.problems.resolve import resolve_args, resolve_given
from grader.results.model import PartResult

NO_GPU = "The grader has no GPU to measure on, so this figure is judged against the analytic model alone."
FAILED = ("The grader's own measurement on its GPU ({device}) did not succeed, so this figure is judged "
          "against the analytic model alone.")


def probe_call(problem: Problem, part: NotebookPart) -> ProbeCall | None:
    if part.measured is None:
        return None
    return ProbeCall.of(part.measured.probe, resolve_args(part.measured.args, resolve_given(problem.given)))


def with_measurement(result: PartResult, part: NotebookPart, number: float | None, report: GpuReport,
                     call: ProbeCall) -> PartResult:
    """``result`` (the analytic judgement of ``number``) with the GPU comparison added."""
    assert part.measured is not None
    if report.device is None:
        return _add(result, NO_GPU)
    measured = report.values.get(call)
    if not isinstance(measured, (int, float)) or isinstance(measured, bool):
        return _add(result, FAILED.format(device=report.device))
    if number is None:
        return result
    rtol = part.measured.rtol
    off = (number - measured) / measured if measured else math.inf
    close = abs(off) <= rtol  # relative to the measurement, not to the larger of the two
    unit = f" {call.args['unit']}" if "unit" in call.args else ""
    line = (f"{'✅' if close else '❌'} The grader measured the same training on its GPU ({report.device}): "
            f"{measured:,.1f}{unit}. Yours is {off:+.1%} from it (within ±{rtol:.0%} is needed).")
    if close:
        return replace(result, status="correct", note="CORRECT", earned=result.points, hint=None,
                       feedback=_join(result.feedback, line))
    if result.status != "correct":
        return _add(result, line)
    return replace(result, status="wrong", note="MEASUREMENT_DISAGREES", earned=0.0, hint=part.hint,
                   feedback=_join(result.feedback, line))


def measurement_notes(report: GpuReport) -> tuple[str, ...]:
    """For staff: on which device the figures were measured, or why none was."""
    if report.device is None:
        return (f"GPU measurements: none ({report.reason}).",)
    failed = [f"{call.probe}({call.arguments}): {value.strip().splitlines()[-1]}"
              for call, value in report.values.items() if isinstance(value, str)]
    return (f"GPU measurements on {report.device}.", *(f"GPU measurement failed: {line}" for line in failed))


def _add(result: PartResult, line: str) -> PartResult:
    return replace(result, feedback=_join(result.feedback, line))


def _join(*paragraphs: Any) -> str:
    return "\n\n".join(str(p) for p in paragraphs if p)
