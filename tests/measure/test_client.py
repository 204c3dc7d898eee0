"""Finding the grader's GPU and measuring on it: the policy, the driver check (no torch), the real child
process (which on a CPU-only machine says why there is no GPU), and the probes on a real GPU when there is
one (skipped here otherwise; see tests/measure/README.md for the device run)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from grader.measure import PROBES
from grader.measure import client
from grader.measure.client import GpuReport, ProbeCall, gpu_report, run_child

CALL = ProbeCall.of("gpu_training_peak_memory",
                    {"depth": 18, "num_classes": 10, "batch_size": 8, "optimizer": "sgd_momentum"})


def cuda_available() -> bool:
    if not client.driver_present():
        return False
    check = [sys.executable, "-c", "import torch; print(torch.cuda.is_available())"]
    return subprocess.run(check, capture_output=True, text=True).stdout.strip() == "True"


def test_the_tests_run_as_gradescope_does_without_a_gpu():
    assert client.gpu_policy() == "off"  # tests/conftest.py; a GPU test turns it on itself


def test_cpu_only_restores_the_policy(monkeypatch):
    monkeypatch.setenv("GRADER_GPU", "auto")
    with client.cpu_only():
        assert client.gpu_policy() == "off"
    assert client.gpu_policy() == "auto"


@pytest.mark.parametrize("value, policy", [(None, "auto"), ("off", "off"), (" OFF ", "off"), ("auto", "auto"),
                                           ("bogus", "auto")])
def test_the_policy_comes_from_GRADER_GPU(monkeypatch, value, policy):
    if value is None:
        monkeypatch.delenv("GRADER_GPU", raising=False)
    else:
        monkeypatch.setenv("GRADER_GPU", value)
    assert client.gpu_policy() == policy


def test_off_or_no_driver_starts_no_child(monkeypatch):
    monkeypatch.setattr(client, "run_child", lambda calls: pytest.fail("no child may start"))
    monkeypatch.setenv("GRADER_GPU", "off")
    assert gpu_report((CALL,)) == GpuReport(None, "GRADER_GPU=off")
    monkeypatch.setenv("GRADER_GPU", "auto")
    monkeypatch.setattr(client, "driver_present", lambda: False)
    assert gpu_report((CALL,)) == GpuReport(None, "no NVIDIA GPU on this machine")


@pytest.mark.parametrize("version, requires, cuda", [
    ("2.13.0+cpu", [], False), ("2.13.0+cu130", [], True),
    ("2.13.0", ['nvidia-cudnn-cu13==9.20.0.48; platform_system == "Linux"', "filelock"], True),
    ("2.13.0", ["filelock"], False)])
def test_a_cuda_build_of_torch_is_told_from_its_metadata(monkeypatch, version, requires, cuda):
    from importlib import metadata

    monkeypatch.setattr(metadata, "version", lambda name: version)
    monkeypatch.setattr(metadata, "requires", lambda name: requires)
    client.torch_is_cuda_build.cache_clear()
    try:
        assert client.torch_is_cuda_build() is cuda
    finally:
        client.torch_is_cuda_build.cache_clear()


def test_hidden_devices_count_as_no_driver(monkeypatch):
    for hidden in ("", "-1"):
        monkeypatch.setenv("CUDA_VISIBLE_DEVICES", hidden)
        assert not client.driver_present()


def test_measurements_are_cached_per_process(monkeypatch):
    started = []
    monkeypatch.setattr(client, "driver_present", lambda: True)
    monkeypatch.setattr(client, "run_child", lambda calls: started.append(calls) or GpuReport("G", values={CALL: 1.0}))
    monkeypatch.setenv("GRADER_GPU", "auto")
    client._measured.cache_clear()
    try:
        for _ in range(3):
            assert gpu_report((CALL, CALL)).values == {CALL: 1.0}
        assert started == [(CALL,)]
    finally:
        client._measured.cache_clear()


def test_a_call_is_keyed_by_its_arguments_in_any_order():
    assert ProbeCall.of("p", {"a": 1, "b": [2, 3]}) == ProbeCall.of("p", {"b": [2, 3], "a": 1})
    assert ProbeCall.of("p", {"a": 1}).args == {"a": 1}


def test_probes_validate_their_arguments_like_solvers():
    probe = PROBES["gpu_training_peak_memory"]
    assert probe.validate_args(CALL.args)["steps"] == 3
    with pytest.raises(Exception, match="depth"):
        probe.validate_args({**CALL.args, "depth": 19})


CUDA = cuda_available()


@pytest.mark.skipif(CUDA, reason="this machine has a CUDA GPU")
def test_the_child_on_a_cpu_only_machine_says_why_there_is_no_gpu():
    report = run_child((CALL,))
    assert report.device is None and report.values == {}
    assert report.reason.startswith("torch.cuda.is_available() is False (torch ")


@pytest.mark.skipif(CUDA, reason="this machine has a CUDA GPU")
def test_a_driver_with_a_torch_that_cannot_use_it_grades_as_on_a_cpu(monkeypatch):
    """A GPU workstation with setup.sh's CPU wheel of torch: the child looks, and says why not."""
    monkeypatch.setenv("GRADER_GPU", "auto")
    monkeypatch.setattr(client, "driver_present", lambda: True)
    client._measured.cache_clear()
    try:
        report = gpu_report((CALL,))
    finally:
        client._measured.cache_clear()
    assert report.device is None and "torch.cuda.is_available() is False" in report.reason


def test_a_child_that_fails_or_hangs_is_a_report_not_an_exception(monkeypatch):
    monkeypatch.setattr(client, "_child_command", lambda: ["/bin/false"])
    assert run_child((CALL,)).reason == "the measuring process failed (exit 1): no output"
    monkeypatch.setattr(client, "_child_command", lambda: ["/bin/sleep", "5"])
    assert run_child((CALL,), timeout=0.2) == GpuReport(None, "the measuring process ran past 0.2 s")
    for reply in ("CUDA warming up", '{"device": "H200", "values": []}', '{"device": "H200", "values": [1]}'):
        monkeypatch.setattr(client, "_child_command", lambda reply=reply: ["/bin/echo", reply])
        assert run_child((CALL,)).reason.startswith("the measuring process gave an unexpected reply: ")


needs_gpu = pytest.mark.skipif(not CUDA, reason="needs a CUDA GPU")


@needs_gpu
def test_the_peak_training_memory_on_a_real_gpu_lies_between_the_state_and_the_analytic_bound():
    from grader.solvers.memory import resnet_params, training_memory_bytes

    calls = (CALL, ProbeCall.of("gpu_training_peak_memory", {**CALL.args, "batch_size": 64}),
             ProbeCall.of("gpu_training_peak_memory", {**CALL.args, "optimizer": "adam"}))
    report = run_child(calls)
    assert report.device, report.reason
    small, large, adam = (report.values[call] for call in calls)
    state = training_memory_bytes(resnet_params(18, 10), "sgd_momentum") / 1e6
    assert state < small < large  # weights + gradients + momentum, then activations grow with the batch
    assert adam > small  # one more buffer per parameter


@needs_gpu
def test_the_course_notebook_measured_on_a_real_gpu_earns_full_marks(monkeypatch, tmp_path):
    """The solution GPUMemory.ipynb with DEVICE cuda, through the real pipeline: its CUDA paths run, and
    its measurement agrees with the grader's own."""
    from pathlib import Path

    from grader.pipeline import grade_submission
    from grader.problems.loader import load_problem_set

    monkeypatch.setenv("GRADER_GPU", "auto")
    root = Path(__file__).resolve().parents[2]
    problem_set = load_problem_set(root / "problems" / "hw004_notebooks.yaml")
    report = grade_submission(problem_set, root / "submissions_example" / "hw004_notebooks" / "full_marks" / "submission")
    gpu_parts = {part.key: part for part in report.parts if part.key.startswith("gpu.")}
    assert all(part.earned == part.points for part in gpu_parts.values()), {
        key: (part.status, part.feedback) for key, part in gpu_parts.items() if part.earned < part.points}
    assert "The grader measured the same training on its GPU" in gpu_parts["gpu.batch_memory_model"].feedback
    assert any("on the grader's GPU" in notice for notice in report.notices), report.notices
