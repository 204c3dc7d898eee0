"""Exits and crashes, while a call runs or while the file is imported: the part scores 0 with a message
naming what happened, and the next part gets a fresh child."""

import re

import pytest

from tests.adversarial.conftest import CORRECT_VICTIM, HONEST_CNN, assert_contained

ATTACKS = {
    "sys_exit": ("import sys\ndef victim(a, b, k):\n    sys.exit(0)\n", "SystemExit"),
    "sys_exit_at_import": ("import sys\nsys.exit(3)\ndef victim(a, b, k):\n    return 0\n", "SystemExit"),
    "os_exit": ("import os\ndef victim(a, b, k):\n    os._exit(0)\n", "exit status 0"),
    "os_exit_at_import": ("import os\nos._exit(7)\n", "exit status 7"),
    "abort": ("import os\ndef victim(a, b, k):\n    os.abort()\n", "SIGABRT"),
    "segfault": ("import ctypes\ndef victim(a, b, k):\n    return ctypes.string_at(0)\n", "segmentation fault"),
    "kill_itself": ("import os, signal\ndef victim(a, b, k):\n    os.kill(os.getpid(), signal.SIGKILL)\n",
                    "SIGKILL"),
    "keyboard_interrupt": ("def victim(a, b, k):\n    raise KeyboardInterrupt\n", "KeyboardInterrupt"),
    "base_exception_subclass": ("class Out(BaseException): pass\ndef victim(a, b, k):\n    raise Out('bye')\n",
                                "Out (attack.py, line 3)"),
    "closes_every_descriptor": ("import os\ndef victim(a, b, k):\n    os.closerange(0, 4096)\n    return 0\n",
                                "stopped early"),
    "unbounded_recursion": ("import sys\nsys.setrecursionlimit(10**8)\ndef victim(a, b, k):\n"
                            "    return victim(a, b, k) + 1\n", "stopped early"),
    "exception_whose_str_raises": ("class Bad(Exception):\n    def __str__(self): raise RuntimeError('no')\n"
                                   "def victim(a, b, k):\n    raise Bad()\n", "Bad (attack.py, line 4)"),
}


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_exits_and_crashes_cost_the_part_alone(grade, name):
    source, shown = ATTACKS[name]
    graded = grade(source)
    assert_contained(graded)
    assert shown in graded.feedback("1.1")


def test_exception_messages_are_defanged(grade):
    """A part that shows its inputs shows the student's exception message: escaped, stripped, capped."""
    message = "\\x1b[31m<script>alert(1)</script>\\n```\\n<img src=x onerror=alert(1)>`" + "x" * 50000
    cnn = HONEST_CNN + f"\ndef conv2d_params(c_in, c_out, k, bias=True):\n    raise ValueError('{message}')\n"
    graded = grade(CORRECT_VICTIM, cnn=cnn)
    assert_contained(graded, victim_score=2.0, honest={"2.1": 1.0, "2.2": 0.0, "2.3": 1.0, "3.1": 0.0})
    for number in ("2.2", "3.1"):
        feedback = graded.feedback(number)
        outside_code_spans = re.sub(r"`[^`\n]*`", "", re.sub(r"```text\n[^`]*\n```", "", feedback))
        assert "ValueError" in feedback and "<script>" not in outside_code_spans and "<img" not in outside_code_spans, feedback
        assert "\x1b" not in feedback and len(feedback) < 5000
