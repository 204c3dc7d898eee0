"""A TA grading without root gets reduced isolation (no uid drop), reported in the staff notes, but crashes,
hangs and bombs are still contained by the rlimits, the wall-clock kill and the session kill."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from tests.adversarial.conftest import HONEST_ANSWERS, HONEST_CNN, PROBLEMS
from tests.adversarial.test_bombs import ATTACKS as BOMBS
from tests.adversarial.test_hangs import ATTACKS as HANGS
from tests.helpers import load_valid_results

ATTACKS = {"os_exit": "import os\ndef victim(a, b, k):\n    os._exit(0)\n",
           "busy_loop": HANGS["busy_loop"], "orphan_grandchild": HANGS["orphan_grandchild"],
           "memory_bomb": BOMBS["memory_bomb"], "print_bomb": BOMBS["print_bomb"],
           "fork_bomb": BOMBS["fork_bomb"]}

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or shutil.which("runuser") is None,
                                reason="needs root to run the grader as an ordinary user")


def _processes_of(user: str) -> list[str]:
    run = subprocess.run(["pgrep", "-u", user, "-a", "python"], capture_output=True, text=True)
    return [line for line in run.stdout.splitlines() if "cnn-sandbox-" in line or "victim" in line]


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attacks_are_contained_without_root(name):
    folder = Path(tempfile.mkdtemp(prefix="adversarial-nonroot-"))
    try:
        os.chmod(folder, 0o777)
        submission = folder / "submission"
        submission.mkdir()
        (submission / "attack.py").write_text(textwrap.dedent(ATTACKS[name]))
        (submission / "cnn.py").write_text(HONEST_CNN)
        (submission / "answers.yaml").write_text(HONEST_ANSWERS)
        for path in (submission, *submission.iterdir()):
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
        out = folder / "results.json"
        started = time.perf_counter()
        run = subprocess.run(["runuser", "-u", "nobody", "--", sys.executable, "-m", "grader", "grade",
                              str(submission), "--problems", str(PROBLEMS.resolve()), "--out", str(out)],
                             cwd=folder, capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
        assert time.perf_counter() - started < 30
        results = load_valid_results(out)
        scores = {test["number"]: test["score"] for test in results["tests"]}
        assert scores == {"1.1": 0.0, "2.1": 1.0, "2.2": 1.0, "2.3": 1.0, "3.1": 1.0}, json.dumps(results)[:3000]
        assert any("isolation reduced" in note for note in results["extra_data"]["staff_notes"])
        time.sleep(0.2)
        assert _processes_of("nobody") == []
    finally:
        subprocess.run(["pkill", "-9", "-u", "nobody", "-f", "cnn-sandbox-"], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)
