"""The instructor's pre-flight for one problem set, before it goes to Gradescope.

Three questions, every failure reported (never only the first):

1. Is the problem file valid, solvers and all (``grader validate``)?
2. Does every example submission under ``<examples>/<problem set id>/`` score as its stored
   ``expected_results.json`` (compared as ``tests/test_examples.py`` does)?
3. Does the reference solution get full marks? For a problem set answered wholly in an answers file, an
   answers file is written from the key (each value in the text its kind shows, checked to read back as
   correct) and graded: it must earn every point. Otherwise its ``full_marks`` example must earn the
   maximum.
"""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from grader.build import Check, score_differences, strict_results
from grader.problems.loader import ProblemSetError, load_problem_set, validate_file
from grader.problems.model import Part, Problem, ProblemSet, part_key

TRAINED = frozenset({"hw004_notebooks"})
"""Problem sets whose feedback quotes accuracies of models trained in a notebook: only their scores are
compared with the stored results (as in ``tests/test_examples.py``), since the decimals vary by CPU."""

FULL_MARKS = "full_marks"
ANSWERS_FILE = "answers.yaml"
MAX_DIFFERENCES = 8


@dataclass(frozen=True)
class PreflightReport:
    problem_file: Path
    problem_set_id: str | None
    checks: tuple[Check, ...]
    valid: bool
    """Whether the problem file loads and validates; when it does not, the input is invalid (exit 2)."""

    @property
    def ok(self) -> bool:
        return self.valid and all(check.passed for check in self.checks)

    @property
    def failures(self) -> tuple[Check, ...]:
        return tuple(check for check in self.checks if not check.passed)

    def lines(self) -> list[str]:
        lines = [f"pre-flight of {self.problem_file}" + (f" (problem set {self.problem_set_id})"
                                                         if self.problem_set_id else "") + ":"]
        for check in self.checks:
            lines += check.lines()
        verdict = ("ready" if self.ok else
                   f"{len(self.failures)} of {len(self.checks)} checks failed")
        return [*lines, f"{self.problem_file}: {verdict}"]


def check_problem_set(problem_file: Path, examples_root: Path = Path("submissions_example")) -> PreflightReport:
    problem_file, examples_root = Path(problem_file), Path(examples_root)
    try:
        problem_set = load_problem_set(problem_file)
    except ProblemSetError as error:
        return PreflightReport(problem_file, None, (Check(f"{problem_file} loads", False, str(error)),),
                               valid=False)
    errors = validate_file(problem_file)
    checks = [Check(f"{problem_file} validates (every solver runs; checks and mistakes hold)", not errors,
                    "\n".join(str(error) for error in errors))]
    with tempfile.TemporaryDirectory(prefix="grader-preflight-") as folder:
        graded, example_checks = _examples(problem_set, examples_root, Path(folder))
        checks += example_checks
        if _answers_only(problem_set):
            checks += _key_earns_full_marks(problem_set, Path(folder) / "key")
        else:
            checks.append(_full_marks_example(problem_set, examples_root, graded))
    return PreflightReport(problem_file, problem_set.id, tuple(checks), valid=not errors)


# --- the examples ----------------------------------------------------------------------------------------

def _examples(problem_set: ProblemSet, root: Path, folder: Path) -> tuple[dict[str, dict[str, Any]], list[Check]]:
    """Grade every example; returns the results by example name and a check for each."""
    from grader.measure.client import cpu_only
    from grader.pipeline import grade_and_write

    cases = sorted(path for path in (root / problem_set.id).glob("*") if (path / "submission").is_dir())
    if not cases:
        return {}, [Check("example submissions", False, f"none under {root / problem_set.id}")]
    graded: dict[str, dict[str, Any]] = {}
    checks = []
    for index, case in enumerate(cases):
        what = f"example {problem_set.id}/{case.name} scores as stored"
        out = folder / f"example-{index}" / "results.json"
        with cpu_only():  # stored results are Gradescope's, made without a GPU
            grade_and_write(problem_set, case / "submission", out)
        results, problem = strict_results(out)
        if results is None:
            checks.append(Check(what, False, f"results.json is invalid: {problem}"))
            continue
        graded[case.name] = results
        golden = case / "expected_results.json"
        if not golden.is_file():
            checks.append(Check(what, False, f"no {golden} (write it with "
                                             "`pytest tests/test_examples.py --update-goldens` and review it)"))
            continue
        try:
            stored = json.loads(golden.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            checks.append(Check(what, False, f"{golden} cannot be read: {error}"))
            continue
        differences = result_differences(results, stored, scores_only=problem_set.id in TRAINED)
        checks.append(Check(what, not differences, "\n".join(differences) if differences
                            else f"{results['score']:g} points"))
    return graded, checks


def normalised(results: dict[str, Any]) -> dict[str, Any]:
    """Without what changes from run to run or machine to machine: timing, the sandbox's staff notes, the
    checkout's location in staff tracebacks, and in trained problem sets the measured decimals."""
    extra = {key: value for key, value in results.get("extra_data", {}).items() if key != "staff_notes"}
    normal = {**results, "execution_time": 0.0, "extra_data": extra,
              "tests": [{**test, "output": _checkout_paths(test.get("output", ""))} for test in results["tests"]]}
    if extra.get("problem_set") in TRAINED:
        normal["output"] = _decimals(normal.get("output", ""))
        normal["tests"] = [{**test, "output": _decimals(test.get("output", ""))} for test in normal["tests"]]
    return normal


def _checkout_paths(text: str) -> str:
    """Tracebacks in the hidden staff test name files by absolute path: keep them relative to the checkout,
    the standard library and site-packages, wherever those are installed. The standard library's frames
    and 3.11's ``^^^`` markers differ between Python versions, so they are left out."""
    text = re.sub(r'File "[^"\n]*?/site-packages/([^"\n]*)"', r'File "<site-packages>/\1"', text)
    text = re.sub(r'File "[^"\n]*?/lib/python3\.\d+/([^"\n]*)"', r'File "<stdlib>/\1"', text)
    text = re.sub(r'File "[^"\n]*?/((?:problems|grader|tests|submissions_example)/[^"\n]*)"', r'File "\1"', text)
    text = re.sub(r'^ *[\^~]+ *\n', "", text, flags=re.MULTILINE)
    return re.sub(r'^  File "<stdlib>/[^\n]*\n(?:    [^\n]*\n)*', "", text, flags=re.MULTILINE)


def _decimals(text: str) -> str:
    return re.sub(r"\d+\.\d+(e-?\d+)?", "<measured>", text)


def result_differences(results: dict[str, Any], stored: dict[str, Any], *, scores_only: bool = False) -> list[str]:
    """What differs between a fresh results.json and the stored one: the scores first, then (unless
    ``scores_only``) every other field, test by test."""
    differences = score_differences(results, stored)
    if scores_only:
        return differences[:MAX_DIFFERENCES]
    got, want = normalised(results), normalised(stored)
    for key in sorted((set(got) | set(want)) - {"tests", "score"}):
        if got.get(key) != want.get(key):
            differences.append(f"`{key}`: {_short(got.get(key))}, stored {_short(want.get(key))}")
    tests, stored_tests = got.get("tests", []), want.get("tests", [])
    if len(tests) != len(stored_tests):
        differences.append(f"{len(tests)} tests, stored {len(stored_tests)}")
    for test, stored_test in zip(tests, stored_tests):
        for key in sorted((set(test) | set(stored_test)) - {"score", "max_score"}):
            if test.get(key) != stored_test.get(key):
                differences.append(f"test {test.get('number')} `{key}`: {_short(test.get(key))}, "
                                   f"stored {_short(stored_test.get(key))}")
    if len(differences) > MAX_DIFFERENCES:
        differences = [*differences[:MAX_DIFFERENCES], f"... and {len(differences) - MAX_DIFFERENCES} more"]
    return differences


def _short(value: Any, limit: int = 100) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit - 3] + "..."


# --- the reference solution ------------------------------------------------------------------------------

def _answers_only(problem_set: ProblemSet) -> bool:
    return not problem_set.unittests and all(isinstance(part, Part) for _, part in problem_set.parts())


def key_answers(problem_set: ProblemSet) -> tuple[dict[str, str], list[str]]:
    """The key as answers-file text, ``<problem>.<part>`` → text, and the parts whose kind's ``show`` does
    not read back as correct (their plain JSON form is used instead, when that reads back)."""
    from grader.keys import key_values

    plain = key_values(problem_set)
    answers, problems = {}, []
    for problem, part in problem_set.answer_parts():
        key = part_key(problem, part)
        text, problem_text = _written(problem, part, plain[key])
        if problem_text:
            problems.append(f"{key}: {problem_text}")
        if text is not None:
            answers[key] = text
    return answers, problems


def _written(problem: Problem, part: Part, plain: Any) -> tuple[str | None, str | None]:
    """The text to write for a part's reference value, and why its kind's ``show`` would not do."""
    from grader.answers import KINDS
    from grader.grading.reference import reference_value

    kind, spec = KINDS[part.answer.kind], part.answer
    expected = reference_value(problem, part)
    shown = kind.show(expected, spec)
    if _reads_back(kind, spec, shown, expected):
        return shown, None
    fallback = plain if isinstance(plain, str) else json.dumps(plain)
    why = f"`show` gives {shown!r}, which does not read back as correct"
    if fallback != shown and _reads_back(kind, spec, fallback, expected):
        return fallback, f"{why} (written as {fallback!r})"
    return None, f"{why}, nor does {fallback!r}"


def _reads_back(kind: Any, spec: Any, text: str, expected: Any) -> bool:
    from grader.answers.base import FormatError

    reading = kind.parse(text, spec)
    return not isinstance(reading, FormatError) and kind.grade(reading.value, expected, spec).correct


def answers_yaml(answers: dict[str, str]) -> str:
    """An answers file: flat ``<problem>.<part>`` keys, every value a double-quoted YAML string (the reader
    keeps scalars as text, so quoting changes nothing but protects ``#`` and ``:``)."""
    return yaml.safe_dump(answers, default_style='"', allow_unicode=True, sort_keys=False, width=1 << 30)


def _key_earns_full_marks(problem_set: ProblemSet, folder: Path) -> list[Check]:
    from grader.pipeline import grade_and_write

    what = "an answers file written from the key earns every point"
    try:
        answers, problems = key_answers(problem_set)
    except Exception as error:  # a solver failed: the validation check above names the part
        return [Check(what, False, f"the key cannot be computed: {type(error).__name__}: {error}")]
    checks = [Check("every key value, as its kind shows it, reads back as correct", not problems,
                    "\n".join(problems))]
    submission = folder / "submission"
    submission.mkdir(parents=True)
    (submission / ANSWERS_FILE).write_text(answers_yaml(answers), encoding="utf-8")
    report = grade_and_write(problem_set, submission, folder / "results.json")
    results, invalid = strict_results(folder / "results.json")
    short = [f"{part.number} {part.key}: {part.earned:g} of {part.points:g} ({part.status}, {part.note})"
             for part in report.parts if abs(part.earned - part.points) > 1e-9]
    short += [f"message: {message}" for message in report.messages]
    if report.internal_error:
        short.append(f"internal error: {report.internal_error.strip().splitlines()[-1]}")
    if results is None:
        short.append(f"results.json is invalid: {invalid}")
    possible = sum(part.points for part in report.parts if not part.extra_credit)
    extra = sum(part.points for part in report.parts if part.extra_credit)
    summary = f"{possible:g} of {possible:g} points" + (f" and {extra:g} of {extra:g} extra credit" if extra else "")
    checks.append(Check(what, not short, "\n".join(short) if short else summary))
    return checks


def _full_marks_example(problem_set: ProblemSet, root: Path, graded: dict[str, dict[str, Any]]) -> Check:
    what = f"the {FULL_MARKS} example earns the maximum"
    results = graded.get(FULL_MARKS)
    if results is None:
        return Check(what, False, f"no gradable {root / problem_set.id / FULL_MARKS / 'submission'}")
    tests = [test for test in results["tests"] if not test.get("extra_data", {}).get("extra_credit")]
    maximum = round(sum(test["max_score"] for test in tests), 2)
    earned = round(sum(test["score"] for test in tests), 2)
    short = [f"test {test['number']} {test['name']}: {test['score']:g} of {test['max_score']:g}"
             for test in tests if test["score"] < test["max_score"]]
    if maximum <= 0:
        short.append("no test has points")
    return Check(what, not short, "\n".join(short) if short else f"{earned:g} of {maximum:g} points")
