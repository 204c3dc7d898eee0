"""The pure half against the real sandbox: plans that cross the pipe, replies judged in the parent. And no
torch on this path."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from grader.code.grade import grade_code_part
from grader.code.plan import plan_calls
from grader.sandbox import SandboxSession
from tests.code.stand_in import base_result, code_part

STUDENT = '''
import numpy as np

def conv_output_size(n, k, s=1, p=0, d=1):
    return (n + 2 * p - d * (k - 1) - 1) // s + 1

def conv_output_size_buggy(n, k, s=1, p=0, d=1):
    return (n + 2 * p - d * (k - 1) - 1) // s

def iou(a, b):
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)

def max_pool2d_backward(x, g, k, stride=None):
    x, g = np.asarray(x, dtype=float), np.asarray(g, dtype=float)
    s = stride or k
    dx = np.zeros_like(x)
    for i in range(g.shape[0]):
        for j in range(g.shape[1]):
            window = x[i * s:i * s + k, j * s:j * s + k]
            a, b = np.unravel_index(np.argmax(window), window.shape)
            dx[i * s + a, j * s + b] += g[i, j]
    return dx

def crashes(*args):
    return 1 // 0
'''

SIZE = {"signature": ["size", "kernel_size", "stride", "padding", "dilation"],
        "generate": {"generator": "conv_output_size_cases", "seed": 3, "count": 200}}
PARTS = {
    "size": code_part({"function": "conv_output_size", **SIZE}, expected={"solver": "conv_output_size"}),
    "buggy": code_part({"function": "conv_output_size_buggy", **SIZE}, expected={"solver": "conv_output_size"},
                       mistakes=[{"name": "OFF_BY_ONE", "solver": "conv_output_size_no_plus_one",
                                  "feedback": "Count the first window too.", "credit": 0.25}]),
    "iou": code_part({"function": "iou", "signature": ["box_a", "box_b"],
                      "generate": {"generator": "iou_cases", "seed": 1, "count": 100},
                      "properties": ["iou_in_unit_interval", "iou_symmetric", "iou_self_is_one",
                                     "iou_disjoint_is_zero", "iou_scale_invariant"]}, expected={"solver": "iou"}),
    "pool": code_part({"function": "max_pool2d_backward", "signature": ["input", "upstream", "kernel_size", "stride"],
                       "generate": {"generator": "max_pool2d_backward_cases", "seed": 1, "count": 100,
                                    "params": {"pairs": False}}}, expected={"solver": "max_pool2d_backward_matrix"}),
    "crash": code_part({"function": "crashes", **SIZE}, expected={"solver": "conv_output_size"}),
    "missing": code_part({"function": "conv_transpose_output_size", **SIZE}, expected={"solver": "conv_output_size"}),
}


def test_a_submission_graded_through_the_sandbox(tmp_path: Path) -> None:
    (tmp_path / "cnn.py").write_text(textwrap.dedent(STUDENT))
    results = {}
    with SandboxSession(tmp_path) as sandbox:
        for name, part in PARTS.items():
            plan = plan_calls(part, {})
            reply = sandbox.call(part.code.file, part.code.function, plan.calls, timeout=part.code.timeout)
            results[name] = grade_code_part(base_result(), part, plan, reply)
    assert [(results[name].status, results[name].earned) for name in ("size", "iou", "pool")] == [("correct", 2.0)] * 3
    assert (results["buggy"].note, results["buggy"].earned) == ("OFF_BY_ONE", 0.5)
    assert results["crash"].note == "EXCEPTION" and "`ZeroDivisionError: integer division or modulo by zero (cnn.py, line" in results["crash"].feedback
    assert (results["missing"].status, results["missing"].note) == ("missing", "NO_FUNCTION")


def test_the_code_path_never_imports_torch() -> None:
    program = ("import sys, grader.code.grade, grader.code.plan, grader.code.cases, grader.code.properties; "
               "import json; print(json.dumps([m for m in sys.modules if m == 'torch' or m.startswith('torch.')]))")
    run = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == []
