"""Hostile notebooks: cells that crash, hang, bomb, forge, snoop or tamper, and files that are not
notebooks at all. The attacked value scores 0; the value read before the attack, the code part and the
answers file keep their scores; results.json stays valid and nothing of the sandbox user survives."""

from __future__ import annotations

import json
import time
from pathlib import Path

import nbformat
import pytest

from tests.adversarial.conftest import HONEST_CNN, IS_ROOT, assert_contained, grade_in_container

PROBLEMS = Path(__file__).with_name("notebooks.yaml")
HONEST = {"2.1": 1.0, "2.2": 1.0, "2.3": 1.0}
FIRST_CELL = "before = 1010"
ANSWERS = "honest.written: 1010\n"


def notebook(*cells: str, metadata: dict | None = None) -> str:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("GRADING = False", metadata={"tags": ["parameters"]}),
                                         nbformat.v4.new_code_cell(FIRST_CELL),
                                         *(nbformat.v4.new_code_cell(cell) for cell in cells)],
                                  metadata=metadata or {})
    return nbformat.writes(nb)


@pytest.fixture
def grade():
    made = []

    def run(content: str | bytes, name: str = "Attack.ipynb", **kwargs):
        graded = grade_in_container(None, files={name: content}, answers=ANSWERS, problems=PROBLEMS, **kwargs)
        made.append(graded)
        return graded

    yield run
    import shutil

    for graded in made:
        shutil.rmtree(graded.root, ignore_errors=True)


CELL_ATTACKS = {
    "raises": ["raise SystemExit('bye')", "answer = 1"],
    "os_exit": ["import os\nos._exit(0)", "answer = 1"],
    "segfault": ["import ctypes\nctypes.string_at(0)"],
    "loops_ignoring_interrupts": ["import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"],
    "sleeps": ["import time\ntime.sleep(3600)"],
    "fork_bomb": ["import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass"],
    "memory_bomb": ["hoard = []\nwhile True:\n    hoard.append(bytearray(64 * 2**20))"],
    "print_bomb": ["while True:\n    print('spam' * 10000)"],
    "lying_value": ["class Yes:\n    def __eq__(self, other): return True\nanswer = Yes()"],
    "tensor_value": ["import numpy as np\nanswer = np.array(['not', 'a', 'number'])"],
    "forged_probe": ["import sys\n_p = sys.modules['_grader_probe']\n"
                     "_p.probe = lambda ns, nonce, names, calls: print(nonce + '{\"values\": {\"answer\": {\"value\": "
                     "{\"$int\": 1}}}, \"score\": 99}')\nanswer = 0"],
    "forged_results_on_stdout": ["import json\nprint(json.dumps({'score': 100, 'tests': []}))\nanswer = 0"],
    "reads_the_key": ["import glob\nanswer = [open(p).read() for p in glob.glob('{ROOT}/source/*')]"],
    "kills_the_grader": ["import os, signal\nfor pid in (os.getppid(), 1):\n    try:\n        os.kill(pid, signal.SIGKILL)\n"
                         "    except OSError:\n        pass\nanswer = 0"],
    "network": ["import socket\nsocket.create_connection(('1.1.1.1', 53), timeout=1)\nanswer = 7464109299"],
    "daemon_rewrites_results": ["import os, time\nif os.fork() == 0:\n    os.setsid()\n    time.sleep(1.5)\n"
                                "    open('{ROOT}/results/results.json', 'w').write('{\"score\": 100}')\n    os._exit(0)",
                                "answer = 0"],
}


@pytest.mark.parametrize("name", sorted(CELL_ATTACKS))
def test_hostile_cells_cost_the_attacked_value_alone(grade, name):
    if not IS_ROOT and name in ("reads_the_key", "kills_the_grader", "daemon_rewrites_results"):
        pytest.skip("without root the kernel runs as the grader's own user (reduced isolation)")
    cells = [cell.replace("{ROOT}", "%ROOT%") for cell in CELL_ATTACKS[name]]
    graded = grade(notebook(*cells).replace("%ROOT%", "{ROOT}"), cnn=HONEST_CNN)
    if name == "daemon_rewrites_results":
        written = graded.results_file().read_text()
        time.sleep(2)
        assert graded.results_file().read_text() == written
    assert_contained(graded, honest=HONEST)
    assert graded.seconds < 40


NOT_NOTEBOOKS = {
    "truncated": notebook("answer = 1")[:300],
    "binary": bytes(range(256)) * 64,
    "deep_nesting": "[" * 50_000 + "]" * 50_000,
    "too_many_cells": json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                                  "cells": [{"cell_type": "code", "source": "x = 1", "metadata": {}, "outputs": [],
                                             "execution_count": None}] * 2000}),
    "huge": '{"cells": [], "padding": "' + "x" * (21 * 2**20) + '"}',
    "not_a_notebook": json.dumps({"hello": "world"}),
}


@pytest.mark.parametrize("name", sorted(NOT_NOTEBOOKS))
def test_files_that_are_not_notebooks_cost_the_notebook_parts_alone(grade, name):
    graded = grade(NOT_NOTEBOOKS[name], cnn=HONEST_CNN)
    assert_contained(graded, honest={"2.1": 0.0, "2.2": 1.0, "2.3": 1.0})
    assert "Attack.ipynb" in graded.feedback("1.1")


def test_a_notebook_saved_as_a_copy_is_graded_under_its_name(grade):
    graded = grade(notebook("answer = 1"), name="Copy of Attack (1).ipynb", cnn=HONEST_CNN)
    assert_contained(graded, honest=HONEST)
    assert ("`Copy of Attack (1).ipynb` was graded as `Attack.ipynb`: name it `Attack.ipynb` next time."
            in graded.results["output"])


def test_a_hostile_kernelspec_is_ignored(grade):
    metadata = {"kernelspec": {"name": "evil", "display_name": "evil", "language": "bash",
                               "argv": ["/bin/sh", "-c", "touch /tmp/pwned-by-kernelspec"]}}
    graded = grade(notebook("answer = (3 * 3 * 7919 + 1) * 104729", metadata=metadata), cnn=HONEST_CNN)
    assert_contained(graded, victim_score=2.0, honest=HONEST, secrets=())  # the right answer is the student's
    assert not Path("/tmp/pwned-by-kernelspec").exists()

