"""Markdown feedback for a code part: how many cases and property checks passed, the first failing case
with what it returned and what was expected, an exception as ``ZeroDivisionError: ... (cnn.py, line 12)``,
why the batch stopped early, and a named mistake's explanation.

With ``hide_inputs`` nothing input-dependent reaches the student: not the input, not the expected value, not
the returned value (a function can echo its input), not an exception's message (it can too); only "case 17
of 200", the kind of problem, and the file and line of an exception. Student text is shown only inside code
spans, made safe by ``grader.text.code``.
"""

from __future__ import annotations

from typing import Any, Sequence

from grader.code.compare import mismatch_text
from grader.code.judge import CaseVerdict, PropertyVerdict
from grader.code.plan import CallPlan
from grader.code.show import show_call
from grader.sandbox.outcome import CaseOutcome, Failure, NotRun, Raised, Unreadable
from grader.text import code

MAX_PROPERTY_MESSAGES = 3


def summary(cases: Sequence[CaseVerdict], properties: Sequence[PropertyVerdict]) -> str:
    """"Passed: 200 of 200 cases." or, bold when some failed, "**Passed: 150 of 200 cases, 2 of 3 property
    checks.**"."""
    counts = []
    if cases:
        counts.append((sum(v.passed for v in cases), len(cases), "case"))
    if properties:
        counts.append((sum(v.passed for v in properties), len(properties), "property check"))
    text = "Passed: " + ", ".join(f"{passed} of {total} {noun}{'' if total == 1 else 's'}"
                                  for passed, total, noun in counts) + "."
    return text if all(passed == total for passed, total, _ in counts) else f"**{text}**"


def stopped_early(failure: Failure) -> str:
    return f"**Your code stopped early.** {failure.message} The cases after that point were not run."


def case_failure(verdict: CaseVerdict, plan: CallPlan, function: str, *, hidden: bool) -> str:
    """The first failing case: its call and what went wrong, or (hidden) only its number and the kind."""
    number = f"{verdict.case.index + 1} of {len(plan.cases)}"
    if hidden:
        return (f"**First failing case** ({number}; this part's inputs are hidden) "
                f"{_what(verdict, hidden=True)}.")
    call = code(show_call(function, plan.calls[verdict.case.call][0]), 400)
    return f"**First failing case** ({number}): {call} {_what(verdict, hidden=False)}."


def _what(verdict: CaseVerdict, *, hidden: bool) -> str:
    if verdict.mismatch is not None:
        return "returned a wrong result: " + mismatch_text(verdict.mismatch, hidden=hidden)
    return outcome_text(verdict.outcome, hidden=hidden)


def outcome_text(outcome: CaseOutcome | None, *, hidden: bool) -> str:
    """A call that did not return a value: an exception, an unreadable value, or not run."""
    if isinstance(outcome, Raised):
        return "raised " + exception_text(outcome, hidden=hidden)
    if isinstance(outcome, Unreadable):
        reason = "" if hidden else f" ({code(outcome.reason, 200)})"
        return f"returned a value the grader cannot read{reason}; return numbers, lists or numpy arrays"
    if isinstance(outcome, NotRun):
        return "was not run (the code stopped earlier)"
    return "did not return"


def exception_text(raised: Raised, *, hidden: bool) -> str:
    """``ZeroDivisionError: division by zero`` in a code span, then ``(cnn.py, line 12)``; the message is
    left out when inputs are hidden, since a message can carry an input."""
    text = raised.type_name if hidden else f"{raised.type_name}: {raised.message}"
    where = f" ({raised.where})" if raised.where else ""
    note = " (its message is not shown, as this part's inputs are hidden)" if hidden else ""
    return f"{code(text + where, 400)}{note}"


def property_failures(verdicts: Sequence[PropertyVerdict], case_count: int, *, hidden: bool) -> list[str]:
    """One line per failing property (the first few): its description and, unless hidden, why."""
    lines = []
    for verdict in [v for v in verdicts if not v.passed][:MAX_PROPERTY_MESSAGES]:
        where = f"case {(verdict.case or 0) + 1} of {case_count}"
        if hidden:
            lines.append(f"Property check failed: {verdict.description} ({where}).")
        elif verdict.message is not None:
            lines.append(f"Property check failed: {verdict.description}: {verdict.message} ({where}).")
        else:
            lines.append(f"Property check failed: {verdict.description}: the call for {where} "
                         f"{outcome_text(verdict.outcome, hidden=False)}.")
    return lines


def paragraphs(*blocks: Any) -> str:
    """Non-empty blocks (strings or lists of strings) as Markdown paragraphs."""
    lines: list[str] = []
    for block in blocks:
        lines.extend(block if isinstance(block, list) else [block] if block else [])
    return "\n\n".join(lines)
