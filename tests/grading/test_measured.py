"""A notebook figure against the grader's own GPU measurement: the judgement with and without a GPU, and
the run through the real pipeline with a stand-in GPU report (the notebook gets the GPU parameters and a
data limit instead of an address-space limit)."""

from __future__ import annotations

import textwrap

import nbformat
import pytest

from grader.grading import notebook_parts
from grader.grading.measured import FAILED, NO_GPU, measurement_notes, probe_call, with_measurement
from grader.measure.client import GpuReport, ProbeCall, torch_is_cuda_build
from grader.pipeline import grade_submission
from grader.problems.loader import ProblemSetError, load_problem_set
from grader.results.model import PartResult

PROBLEMS = """
id: nb
title: Notebook
document: 004_0a2f1cc5d8d8b21d.txt
notebooks:
  - id: book
    file: Book.ipynb
    parameters: {DEVICE: cpu}
    gpu_parameters: {DEVICE: fake-gpu}
    cell_timeout: 30
problems:
  - id: q
    title: Questions
    given: {batch: 64}
    parts:
      - id: memory
        prompt: p
        points: 1
        notebook: {source: book, value: memory_mb}
        answer: {kind: real, rtol: 0.5}
        expected: {solver: model_size, args: {count: 1000000}}
        measured:
          probe: gpu_training_peak_memory
          args: {depth: 18, num_classes: 10, batch_size: $batch, optimizer: sgd_momentum}
          rtol: 0.1
        hint: Reset the peak statistics before the training steps.
      - id: limits
        prompt: p
        points: 1
        notebook: {source: book, value: data_limited}
        check: {at_least: 1}
      - id: sees
        prompt: p
        points: 1
        notebook: {source: book, value: sees}
        check: {at_least: 3, at_most: 3}
"""

NOTEBOOK_CELLS = [
    'DEVICE = "auto"',
    """
    import resource
    memory_mb = 4.0 if DEVICE == "cpu" else 7.5
    data, address = (resource.getrlimit(limit)[0] for limit in (resource.RLIMIT_DATA, resource.RLIMIT_AS))
    data_limited = int(data != resource.RLIM_INFINITY and (address == resource.RLIM_INFINITY or address > data))
    import os
    sees = int(os.environ.get("CUDA_VISIBLE_DEVICES", "-1"))
    """,
]
CALL = ProbeCall.of("gpu_training_peak_memory",
                    {"depth": 18, "num_classes": 10, "batch_size": 64, "optimizer": "sgd_momentum"})


@pytest.fixture
def problem_set(tmp_path):
    path = tmp_path / "nb.yaml"
    path.write_text(PROBLEMS)
    return load_problem_set(path)


@pytest.fixture
def submission(tmp_path):
    cells = [nbformat.v4.new_code_cell(NOTEBOOK_CELLS[0], metadata={"tags": ["parameters"]}),
             nbformat.v4.new_code_cell(textwrap.dedent(NOTEBOOK_CELLS[1]))]
    folder = tmp_path / "submission"
    folder.mkdir()
    nbformat.write(nbformat.v4.new_notebook(cells=cells), folder / "Book.ipynb")
    return folder


def graded(problem_set, submission, monkeypatch, report: GpuReport):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "3")
    asked = []
    monkeypatch.setattr(notebook_parts, "gpu_report", lambda calls: asked.append(calls) or report)
    result = grade_submission(problem_set, submission)
    assert asked == [(CALL,)]  # the measured part's call, with `$batch` resolved from `given`
    return {part.key: part for part in result.parts}, result


def test_without_a_gpu_the_analytic_model_alone_judges(problem_set, submission, monkeypatch):
    parts, result = graded(problem_set, submission, monkeypatch, GpuReport(None, "no NVIDIA GPU on this machine"))
    memory = parts["q.memory"]
    assert (memory.status, memory.earned) == ("correct", 1.0)
    assert NO_GPU in memory.feedback
    # On the CPU the kernel keeps its address-space limit, unless torch is a CUDA build (its libraries alone
    # map gigabytes of address space).
    assert parts["q.limits"].status == ("correct" if torch_is_cuda_build() else "wrong")
    assert parts["q.sees"].status == "wrong"  # and none of the grader's environment
    assert "GPU measurements: none (no NVIDIA GPU on this machine)." in result.staff_notes
    assert "on the grader's GPU" not in result.notices[0]


def test_with_a_gpu_the_notebook_gets_the_gpu_parameters_and_the_measurement_decides(
        problem_set, submission, monkeypatch):
    parts, result = graded(problem_set, submission, monkeypatch, GpuReport("Fake GPU", values={CALL: 7.0}))
    memory = parts["q.memory"]
    # 7.5 is 87.5% off the analytic 4.0 MB, but within 10% of what the grader measured on the same GPU.
    assert (memory.status, memory.earned, memory.note) == ("correct", 1.0, "CORRECT")
    assert "Read `memory_mb` = `7.5`" in memory.feedback
    assert ("✅ The grader measured the same training on its GPU (Fake GPU): 7.0. Yours is +7.1% from it "
            "(within ±10% is needed).") in memory.feedback
    assert parts["q.limits"].status == "correct"  # a data limit: CUDA reserves more address space than it uses
    assert parts["q.sees"].status == "correct"  # the devices it may use
    assert "run in grading mode on the grader's GPU, Fake GPU" in result.notices[0]
    assert "GPU measurements on Fake GPU." in result.staff_notes


def test_a_gpu_measurement_that_failed_leaves_the_analytic_judgement(problem_set, submission, monkeypatch):
    parts, result = graded(problem_set, submission, monkeypatch, GpuReport("Fake GPU", values={CALL: "out of memory"}))
    assert parts["q.memory"].status == "wrong"  # 7.5 against the analytic 4.0 (50%)
    assert FAILED.format(device="Fake GPU") in parts["q.memory"].feedback
    assert any("out of memory" in note for note in result.staff_notes)


def base(status="correct", earned=1.0, note="CORRECT") -> PartResult:
    return PartResult(key="q.memory", number="1", title="t", points=1.0, earned=earned, status=status,
                      note=note, feedback="Read it.", hint=None)


@pytest.fixture
def measured_part(problem_set):
    return next(part for _, part in problem_set.notebook_parts() if part.id == "memory")


@pytest.mark.parametrize("number, analytic, status, earned, note", [
    (100.0, base(), "correct", 1.0, "CORRECT"),
    (109.9, base(), "correct", 1.0, "CORRECT"),
    (111.0, base(), "wrong", 0.0, "MEASUREMENT_DISAGREES"),
    (60.0, base(), "wrong", 0.0, "MEASUREMENT_DISAGREES"),
    (60.0, base("wrong", 0.0, "NO_ACTIVATIONS"), "wrong", 0.0, "NO_ACTIVATIONS"),  # the named mistake stays
    (101.0, base("wrong", 0.0, "WRONG"), "correct", 1.0, "CORRECT"),
])
def test_the_measurement_decides_within_its_tolerance(measured_part, number, analytic, status, earned, note):
    judged = with_measurement(analytic, measured_part, number, GpuReport("G", values={CALL: 100.0}), CALL)
    assert (judged.status, judged.earned, judged.note) == (status, earned, note)
    assert judged.feedback.startswith("Read it.") and "(G): 100.0" in judged.feedback
    if note in ("CORRECT", "MEASUREMENT_DISAGREES"):
        assert judged.hint == (None if status == "correct" else measured_part.hint)


def test_a_value_that_is_not_a_number_keeps_its_judgement(measured_part):
    wrong = base("wrong", 0.0, "NOT_A_NUMBER")
    assert with_measurement(wrong, measured_part, None, GpuReport("G", values={CALL: 100.0}), CALL) == wrong


def test_probe_calls_and_staff_notes(problem_set):
    problem, part = next((p, part) for p, part in problem_set.notebook_parts() if part.id == "memory")
    assert probe_call(problem, part) == CALL
    assert probe_call(problem, part.model_copy(update={"measured": None})) is None
    assert measurement_notes(GpuReport("G", values={CALL: "Traceback\n  ...\nRuntimeError: boom\n"})) == (
        "GPU measurements on G.", 'GPU measurement failed: gpu_training_peak_memory({"batch_size": 64, '
        '"depth": 18, "num_classes": 10, "optimizer": "sgd_momentum"}): RuntimeError: boom')


@pytest.mark.parametrize("measured, message", [
    ("{probe: nope}", "unknown probe 'nope'"),
    ("{probe: gpu_training_peak_memory, args: {depth: 152}}", "missing argument 'num_classes'"),
    ("{probe: gpu_training_peak_memory, args: {depth: 17, num_classes: 10, batch_size: 1, optimizer: sgd}}",
     "measured.args.depth"),
    ("{probe: gpu_training_peak_memory, args: {depth: 18, num_classes: 10, batch_size: 1, optimizer: sgd, x: 1}}",
     "unknown argument"),
])
def test_a_bad_probe_fails_at_load_time_with_its_line(tmp_path, measured, message):
    text = PROBLEMS.replace(PROBLEMS[PROBLEMS.index("        measured:"):PROBLEMS.index("      - id: limits")],
                            f"        measured: {measured}\n")
    path = tmp_path / "nb.yaml"
    path.write_text(text)
    with pytest.raises(ProblemSetError) as error:
        load_problem_set(path)
    assert message in str(error.value) and "nb.yaml:" in str(error.value)


def test_a_measured_part_needs_a_notebook_that_runs_on_the_gpu(tmp_path):
    text = PROBLEMS.replace("    gpu_parameters: {DEVICE: fake-gpu}\n", "")
    path = tmp_path / "nb.yaml"
    path.write_text(text)
    with pytest.raises(ProblemSetError, match="notebook 'book' has no `gpu_parameters`") as error:
        load_problem_set(path)
    assert f"nb.yaml:{text.splitlines().index('        measured:') + 1}: " in str(error.value)


def test_measured_goes_with_a_value_judged_by_an_answer(tmp_path):
    text = PROBLEMS.replace("        check: {at_least: 1}\n",
                            "        check: {at_least: 1}\n        measured: {probe: gpu_training_peak_memory}\n")
    path = tmp_path / "nb.yaml"
    path.write_text(text)
    with pytest.raises(ProblemSetError, match="`measured` adds a GPU measurement"):
        load_problem_set(path)


def test_the_course_notebooks_run_in_gpu_mode_under_a_data_limit(monkeypatch, tmp_path):
    """GPU mode's kernel (data limit, the driver's environment, `gpu_parameters`) runs the solutions, with the
    CPU standing in for the GPU: torch and oneDNN start under RLIMIT_DATA as they do under RLIMIT_AS."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    text = (root / "problems" / "hw004_notebooks.yaml").read_text(encoding="utf-8")
    assert "gpu_parameters: {DEVICE: cuda}" in text
    path = tmp_path / "hw004_notebooks.yaml"
    path.write_text(text.replace("gpu_parameters: {DEVICE: cuda}", "gpu_parameters: {DEVICE: cpu}"))
    problem_set = load_problem_set(path)
    (call,) = [probe_call(problem, part) for problem, part in problem_set.notebook_parts() if part.measured]
    monkeypatch.setattr(notebook_parts, "gpu_report", lambda calls: GpuReport("CPU standing in", values={call: 936.0}))
    report = grade_submission(problem_set, root / "submissions_example" / "hw004_notebooks" / "full_marks" / "submission")
    assert [(p.key, p.status) for p in report.parts if p.earned < p.points] == []
    assert "on the grader's GPU, CPU standing in" in report.notices[1]
    memory = next(part for part in report.parts if part.key == "gpu.batch_memory_model")
    assert "The grader measured the same training on its GPU (CPU standing in): 936.0 MB." in memory.feedback
