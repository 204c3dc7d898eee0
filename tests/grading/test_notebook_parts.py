"""Judging the values and functions a notebook left behind, from a run made up here (no kernel)."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from grader.grading.grade import part_skeleton
from grader.grading.notebook_parts import _Context, as_text, run_summary
from grader.notebooks.execute import CellRun, NotebookRun
from grader.problems.loader import ProblemSetError, load_problem_set
from grader.sandbox.outcome import Raised, Returned, Unreadable

HEAD = """
id: nb
title: Notebook
document: 004_0a2f1cc5d8d8b21d.txt
notebooks:
  - {id: book, file: Book.ipynb}
problems:
  - id: q
    title: Questions
    parts:
"""

PARTS = """
      - id: count
        prompt: p
        points: 1
        notebook: {source: book, value: params}
        answer: {kind: integer}
        expected: {solver: linear_params, args: {in_features: 100, out_features: 10}}
        mistakes: [{name: NO_BIAS, args: {bias: false}, feedback: No biases.}]
      - id: size
        prompt: p
        points: 1
        notebook: {source: book, value: size_mb}
        answer: {kind: real, rtol: 0.001}
        expected: {solver: model_size, args: {count: "@params"}}
      - id: accuracy
        prompt: p
        points: 1
        notebook: {source: book, value: acc.cnn}
        check: {at_least: 0.9, greater_than: acc.mlp}
      - id: ratio
        prompt: p
        points: 1
        notebook: {source: book, value: state.adam}
        check: {ratio_to: state.momentum, ratio: 2}
      - id: size_function
        prompt: p
        points: 1
        notebook:
          source: book
          function: model_size
          calls: {signature: [count], cases: [{count: 1000}, {count: 2000}]}
        expected: {solver: model_size}
"""


@pytest.fixture
def problem_set(tmp_path):
    path = tmp_path / "nb.yaml"
    path.write_text(textwrap.dedent(HEAD) + PARTS)
    return load_problem_set(path)


WANTED = frozenset({"params", "size_mb", "acc", "state", "model_size"})


def judge(problem_set, values, *, calls=None, cells=(), died_in=None, defined=(), died_how=""):
    run = NotebookRun(cells=tuple(cells), values={name: (value if isinstance(value, (Unreadable,)) else
                                                         Returned(value), 5) for name, value in values.items()},
                      calls=calls or {}, died_in=died_in, defined=tuple(defined), died_how=died_how)
    context = _Context(problem_set, problem_set.notebooks[0], "Book.ipynb", run, WANTED)
    results = {}
    for problem, part in problem_set.notebook_parts():
        plan = None
        if part.notebook.function:
            from grader.code.plan import plan_calls
            plan = plan_calls(part.as_code_part(), {})
        results[part.id] = context.judge(part_skeleton(problem_set, problem, part), problem, part, plan)
    return results


GOOD = {"params": 1010, "size_mb": 0.00404, "acc": {"cnn": 0.95, "mlp": 0.5},
        "state": {"adam": 800, "momentum": 400}}


def test_right_values_score_full_marks(problem_set):
    results = judge(problem_set, GOOD, calls={"q.size_function": (Returned(0.004), Returned(0.008))})
    assert {name: (result.status, result.earned) for name, result in results.items()} == {
        name: ("correct", 1.0) for name in ("count", "size", "accuracy", "ratio", "size_function")}
    assert "Read `acc.cnn` = 0.95 from `Book.ipynb`." in results["accuracy"].feedback
    assert "✅ greater than `acc.mlp` = 0.5" in results["accuracy"].feedback


def test_a_named_mistake_and_a_value_consistent_with_the_students_own_count(problem_set):
    results = judge(problem_set, {**GOOD, "params": 1000, "size_mb": 0.004})
    assert (results["count"].note, results["count"].earned) == ("NO_BIAS", 0.0)
    assert results["size"].status == "correct"  # judged against the student's own count: no double penalty


def test_failed_checks_say_which_condition_failed(problem_set):
    results = judge(problem_set, {**GOOD, "acc": {"cnn": 0.85, "mlp": 0.9}, "state": {"adam": 500, "momentum": 400}})
    assert results["accuracy"].status == "wrong"
    assert "❌ at least 0.9" in results["accuracy"].feedback and "❌ greater than `acc.mlp` = 0.9" in results["accuracy"].feedback
    assert "yours is 1.25 ×" in results["ratio"].feedback


def test_missing_unreadable_and_wrongly_typed_values(problem_set):
    results = judge(problem_set, {"params": Unreadable("a value of type Tensor"), "acc": {"cnn": "high"}},
                    cells=[CellRun(7, "error", "NameError: name 'model' is not defined")])
    assert results["count"].note == "UNREADABLE" and "Tensor" in results["count"].feedback
    assert results["size"].note == "NOT_DEFINED"
    assert results["accuracy"].note == "NOT_A_NUMBER"
    assert results["ratio"].feedback == ("Your notebook never defined `state` (cell 7 raised "
                                         "`NameError: name 'model' is not defined`).")
    assert results["size_function"].note == "NO_FUNCTION"
    forged = judge(problem_set, {"params": Unreadable("a value of type `<img src=x onerror=alert(1)>`")})
    assert "(`a value of type '<img src=x onerror=alert(1)>'`)" in forged["count"].feedback  # a class named so


def test_a_dead_kernel_is_named_in_the_reason(problem_set):
    results = judge(problem_set, {"params": 1010}, died_in=12)
    assert "the kernel died in cell 12" in results["size_function"].feedback
    assert "the kernel died in cell 12" in results["accuracy"].feedback
    assert results["count"].status == "correct"
    killed = judge(problem_set, {}, died_in=7, died_how="was killed by the system, most likely for running out of memory")
    assert killed["count"].feedback == ("Your notebook never defined `params` (the kernel died in cell 7: it was killed by "
                                        "the system, most likely for running out of memory, so later cells did not run).")


def test_a_function_judged_case_by_case(problem_set):
    results = judge(problem_set, GOOD, calls={"q.size_function": (Returned(0.004), Raised("ValueError", "no", None))})
    assert (results["size_function"].status, results["size_function"].earned) == ("partial", 0.5)


def test_values_as_text_for_the_answer_kinds():
    assert [as_text(v) for v in (3, 0.1, [1, 2], (1, 2), np.array([[1, 2]]), True)] == [
        "3", "0.1", "[1, 2]", "[1, 2]", "[[1, 2]]", "True"]


def test_the_run_summary():
    run = NotebookRun(cells=(CellRun(2, "ok"), CellRun(3, "error", "ValueError: x"), CellRun(4, "died"),
                             CellRun(5, "not_run")), values={}, calls={}, died_in=4)
    assert run_summary("Book.ipynb", run, 2) == (
        "**Notebook `Book.ipynb`** (run in grading mode): 1 of 4 code cells ran without an error; 1 raised an "
        "exception (cell 3: `ValueError: x`); the kernel died in cell 4, so the cell after it did not run. "
        "Its 2 figures were saved for your TAs.")


@pytest.mark.parametrize("part, message", [
    ("{id: a, prompt: p, points: 1, notebook: {source: other, value: x}, check: {at_least: 1}}", "unknown notebook 'other'"),
    ("{id: a, prompt: p, points: 1, notebook: {source: book, value: x, function: f}, check: {at_least: 1}}",
     "exactly one of `value` or `function`"),
    ("{id: a, prompt: p, points: 1, notebook: {source: book, function: f}, expected: {solver: model_size}}",
     "needs `calls`"),
    ("{id: a, prompt: p, points: 1, notebook: {source: book, value: x}}", "judged by `answer` with `expected`, or by `check`"),
    ("{id: a, prompt: p, points: 1, notebook: {source: book, value: x}, check: {ratio: 2}}", "go together"),
    ("{id: a, prompt: p, points: 1, notebook: {source: book, function: f, calls: {signature: [nope], cases: [{nope: 1}]}}, "
     "expected: {solver: model_size}}", "'nope' is not an argument of solver 'model_size'"),
])
def test_invalid_notebook_parts_fail_at_load_time(tmp_path, part, message):
    path = tmp_path / "nb.yaml"
    path.write_text(textwrap.dedent(HEAD) + "      - " + part + "\n")
    with pytest.raises(ProblemSetError) as error:
        load_problem_set(path)
    assert message in str(error.value)


def test_the_run_summary_says_when_the_grader_stopped_the_kernel_for_its_memory():
    run = NotebookRun(cells=(CellRun(2, "ok"), CellRun(3, "died", "used more than 2,048 MB of memory, so the kernel "
                                                               "was stopped"), CellRun(4, "not_run")),
                      values={}, calls={}, died_in=3, memory_limit_mb=2048)
    assert ("the kernel died in cell 3 (it used more than 2,048 MB of memory and was stopped), so the cell "
            "after it did not run.") in run_summary("Book.ipynb", run, 0)


@pytest.mark.parametrize("how", ["was killed by the system, most likely for running out of memory", ""])
def test_the_run_summary_says_how_the_kernel_died_when_its_exit_status_tells(how):
    run = NotebookRun(cells=(CellRun(2, "ok"), CellRun(3, "died"), CellRun(4, "not_run"), CellRun(5, "not_run")),
                      values={}, calls={}, died_in=3, died_how=how)
    why = f" (it {how})" if how else ""
    assert f"the kernel died in cell 3{why}, so the 2 cells after it did not run." in run_summary("Book.ipynb", run, 0)
    last = NotebookRun(cells=(CellRun(2, "ok"), CellRun(3, "died")), values={}, calls={}, died_in=3, died_how=how)
    assert run_summary("Book.ipynb", last, 0).endswith(f"the kernel died in cell 3{why}.")


def test_a_near_name_the_notebook_defines_is_suggested(problem_set):
    results = judge(problem_set, {"acc": GOOD["acc"], "state": GOOD["state"]},
                    defined=["param", "acc", "sizes_mb", "state", "model_sizes", "np", "torch"])
    assert results["count"].feedback == ("Your notebook never defined `params`. It defines `param`: if that is it, "
                                         "name it `params`.")
    assert results["size"].feedback.endswith("It defines `sizes_mb`: if that is it, name it `size_mb`.")
    assert "It defines `model_sizes`: if that is it, name it `model_size`." in results["size_function"].feedback
    assert results["count"].earned == results["size"].earned == results["size_function"].earned == 0


def test_names_other_parts_read_and_distant_names_are_never_suggested(problem_set):
    results = judge(problem_set, {"size_mb": 1.0, "model_size": 1}, defined=["size_mb", "paramz_total_count", "model_size"])
    assert results["count"].feedback == "Your notebook never defined `params`."
    assert "It defines" not in results["size_function"].feedback


def test_no_suggestion_when_a_failed_cell_explains_the_missing_name(problem_set):
    results = judge(problem_set, {}, defined=["param"], cells=[CellRun(7, "error", "NotImplementedError: TODO")])
    assert results["count"].feedback == "Your notebook never defined `params` (cell 7 raised `NotImplementedError: TODO`)."
