"""Headless execution in the sandbox: errors do not stop the run, timeouts interrupt, a kernel that ignores
the interrupt or dies ends the run with what was read so far, outputs are capped, figures come back."""

import os
import textwrap
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest

from grader.notebooks.execute import FunctionCalls, Request, Settings, run_notebook
from grader.notebooks.parameters import with_parameters
from grader.sandbox import Limits, NotRun, Raised, Returned, SandboxSession
from grader.sandbox.identity import current_identity
from grader.sandbox.limits import MIB
from tests.adversarial.conftest import sandbox_processes

LIMITS = Limits(memory_bytes=1536 * MIB, open_files=1024)
FAST = Settings(cell_timeout=3, total_timeout=30, interrupt_grace=1.5)


def notebook(*sources: str, parameters: str | None = None):
    cells = [nbformat.v4.new_markdown_cell("# A notebook")]
    if parameters is not None:
        cells.append(nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]}))
    cells += [nbformat.v4.new_code_cell(textwrap.dedent(source)) for source in sources]
    return nbformat.v4.new_notebook(cells=cells)


def run(nb, tmp_path: Path, request: Request = Request(names=("x", "y")), settings: Settings = FAST,
        files: dict[str, str] | None = None):
    for name, text in (files or {}).items():
        (tmp_path / name).write_text(text)
    with SandboxSession(tmp_path, limits=LIMITS) as sandbox:
        return run_notebook(nb, sandbox, request, settings)


def statuses(result) -> list[tuple[int, str]]:
    return [(cell.number, cell.status) for cell in result.cells]


def test_values_and_functions_are_read_back_as_plain_data(tmp_path):
    result = run(notebook("import numpy as np\nx = {'acc': 0.5, 'shape': (2, 3)}",
                          "y = np.arange(4).reshape(2, 2)\ndef add(a, b):\n    return a + b"), tmp_path,
                 Request(names=("x", "y", "never"), functions=(FunctionCalls("add", "add", (((1, 2), {}), ((0.5,), {"b": 1}))),)))
    assert statuses(result) == [(2, "ok"), (3, "ok")]
    assert result.values["x"] == (Returned({"acc": 0.5, "shape": (2, 3)}), 3)
    value, cell = result.values["y"]
    assert cell == 3 and type(value.value) is np.ndarray and value.value.tolist() == [[0, 1], [2, 3]]
    assert "never" not in result.values
    assert {"np", "x", "y", "add"} <= set(result.defined) and not any(n.startswith("_") for n in result.defined)
    assert result.calls["add"] == (Returned(3), Returned(1.5))
    assert result.failure is None and result.died_in is None


def test_the_kernel_runs_as_the_sandbox_user_in_the_uploads_copy(tmp_path):
    result = run(notebook("import os\nx = [os.getuid(), os.getcwd().endswith('submission'), open('data.txt').read(), "
                          "open('/proc/self/oom_score_adj').read().strip()]"),
                 tmp_path, files={"data.txt": "shipped"})
    uid, in_copy, data, oom_score_adj = result.values["x"][0].value
    assert oom_score_adj == "1000"  # a container's OOM killer takes the kernel before the grader
    identity = current_identity()
    assert uid == (identity.uid if identity.dropped else os.getuid()) and in_copy and data == "shipped"
    if os.geteuid() == 0:
        assert uid != 0


def test_errors_do_not_stop_the_run(tmp_path):
    result = run(notebook("x = 1", "1 / 0", "y = x + 1"), tmp_path)
    assert statuses(result) == [(2, "ok"), (3, "error"), (4, "ok")]
    assert result.cells[1].detail == "ZeroDivisionError: division by zero"
    assert result.values["y"] == (Returned(2), 4)


def test_grading_parameters_follow_the_parameters_cell(tmp_path):
    nb = notebook("x = EPOCHS * 2", parameters="EPOCHS = 100\nGRADING = False")
    prepared, numbers = with_parameters(nb, {"EPOCHS": 3, "GRADING": True})
    assert numbers == [1, 2, 0, 3] and "EPOCHS = 3" in prepared.cells[2].source
    result = run(nb, tmp_path, Request(names=("x", "GRADING")),
                 Settings(parameters={"EPOCHS": 3, "GRADING": True}, cell_timeout=3, total_timeout=30))
    assert result.values["x"][0] == Returned(6) and result.values["GRADING"][0] == Returned(True)
    assert statuses(result) == [(2, "ok"), (3, "ok")]


def untagged(*sources: str):
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(textwrap.dedent(s)) for s in sources])


def test_without_a_tag_the_parameters_follow_the_first_cell_that_assigns_one(tmp_path):
    nb = untagged("import math", "%matplotlib inline\nGRADING = False\nEPOCHS: int = 100", "x = EPOCHS * 2",
                  "EPOCHS = 7")
    prepared, numbers = with_parameters(nb, {"EPOCHS": 3, "GRADING": True})
    assert numbers == [1, 2, 0, 3, 4] and "EPOCHS = 3" in prepared.cells[2].source
    result = run(nb, tmp_path, Request(names=("x", "GRADING")),
                 Settings(parameters={"EPOCHS": 3, "GRADING": True}, cell_timeout=3, total_timeout=30))
    assert result.values["x"][0] == Returned(6) and result.values["GRADING"][0] == Returned(True)


@pytest.mark.parametrize("cells, after", [
    (["x = 1", "A, (B, C) = 1, (2, 3)", "EPOCHS = 1"], 1),   # only plain names and flat tuples count
    (["def f():\n    EPOCHS = 1", "EPOCHS += 1", "[EPOCHS] = [1]"], 2),
    (["EPOCHS[0] = 1", "print(EPOCHS)", "for EPOCHS in range(3): pass"], None),
    (["EPOCHS = (" * 5000 + ")" * 5000, "EPOCHS = 1 +", "EPOCHS = '\0'", "EPOCHS = 1"], 3),
])
def test_what_counts_as_assigning_a_parameter(cells, after):
    prepared, numbers = with_parameters(untagged(*cells), {"EPOCHS": 3, "A": 0})
    assert numbers.index(0) == (0 if after is None else after + 1)


def test_a_tagged_cell_wins_over_an_earlier_assignment():
    nb = untagged("EPOCHS = 100", "y = 1")
    nb.cells[1].metadata["tags"] = ["parameters"]
    assert with_parameters(nb, {"EPOCHS": 3})[1] == [1, 2, 0]


def test_a_slow_cell_is_interrupted_and_the_run_goes_on(tmp_path):
    started = time.perf_counter()
    result = run(notebook("x = 1", "import time\ntime.sleep(600)", "y = 2"), tmp_path)
    assert statuses(result) == [(2, "ok"), (3, "timeout"), (4, "ok")]
    assert result.values["y"][0] == Returned(2)
    assert time.perf_counter() - started < 15


def test_a_cell_ignoring_the_interrupt_gets_the_kernel_killed(tmp_path):
    started = time.perf_counter()
    result = run(notebook("x = 1", "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass",
                          "y = 2"), tmp_path)
    assert statuses(result) == [(2, "ok"), (3, "timeout"), (4, "not_run")]
    assert "ignored the interrupt" in result.cells[2].detail
    assert result.values["x"][0] == Returned(1) and "y" not in result.values
    assert time.perf_counter() - started < 20
    assert sandbox_processes() == []


@pytest.mark.parametrize("killer, how", [
    ("import os\nos._exit(3)", "exited with code 3"),
    ("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)",  # as a container's memory limit kills
     "was killed by the system, most likely for running out of memory"),
    ("import ctypes\nctypes.string_at(0)", "crashed with a segmentation fault"),
    ("import os\nos.abort()", "aborted"),
], ids=["os_exit", "sigkill", "segfault", "abort"])
def test_a_dead_kernel_keeps_what_came_before(tmp_path, killer, how):
    result = run(notebook("x = 1", killer, "y = 2"), tmp_path)
    assert statuses(result) == [(2, "ok"), (3, "died"), (4, "not_run")]
    assert result.died_in == 3 and result.cells[2].detail == "not run: the kernel died in cell 3"
    assert result.died_how == how and result.cells[1].detail == f"the kernel died while this cell ran: it {how}"
    assert result.values == {"x": (Returned(1), 2)}
    assert sandbox_processes() == []


def test_the_total_time_limit_stops_the_run(tmp_path):
    result = run(notebook("x = 1", "import time\ntime.sleep(1.5)", "import time\ntime.sleep(1.5)", "y = 2"),
                 tmp_path, settings=Settings(cell_timeout=5, total_timeout=3.5, interrupt_grace=1))
    assert result.timed_out and statuses(result)[-1] == (5, "not_run")
    assert "time limit of 3.5 s" in result.cells[-1].detail


def test_outputs_are_capped_while_they_arrive(tmp_path):
    result = run(notebook("x = 1\nfor _ in range(20000):\n    print('spam' * 100)", "y = 2"), tmp_path,
                 settings=Settings(cell_timeout=20, total_timeout=40, max_output_bytes=100_000))
    assert result.output_truncated and result.values["y"][0] == Returned(2)


def test_a_function_that_hangs_or_raises_when_called(tmp_path):
    source = "def slow(n):\n    while True:\n        pass\ndef bad(n):\n    raise ValueError('no')\nx = 1"
    result = run(notebook(source, "y = 2"), tmp_path,
                 Request(names=("x", "y"), functions=(FunctionCalls("bad", "bad", (((1,), {}),)),
                                                      FunctionCalls("slow", "slow", (((1,), {}),)))),
                 Settings(cell_timeout=3, total_timeout=30, interrupt_grace=1.5, probe_timeout=1.5))
    assert result.calls["bad"] == (Raised("ValueError", "no", None),)
    assert isinstance(result.calls["slow"][0], NotRun)


def test_figures_shown_and_saved_come_back_as_png(tmp_path):
    result = run(notebook("import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\n"
                          "from IPython.display import Image, display\nimport io, os\n"
                          "plt.plot([1, 2, 3]); os.makedirs('figures', exist_ok=True); plt.savefig('figures/line.png')\n"
                          "buffer = io.BytesIO(); plt.savefig(buffer, format='png'); display(Image(buffer.getvalue()))\n"
                          "open('figures/fake.png', 'wb').write(b'not a png')\nx = 1"), tmp_path)
    names = sorted(figure.name for figure in result.figures)
    assert names == ["cell02-1.png", "figures-line.png"]
    assert all(figure.png.startswith(b"\x89PNG") for figure in result.figures)


def test_a_kernel_that_cannot_start_is_the_graders_fault(tmp_path):
    (tmp_path / "x").write_text("")
    with SandboxSession(tmp_path, limits=LIMITS, python="/nonexistent/python") as sandbox:
        result = run_notebook(notebook("x = 1"), sandbox, Request(names=("x",)), FAST)
    assert result.failure == "The grader could not start a Python kernel for your notebook."
    assert result.staff_detail and not result.values


def test_under_a_data_limit_shared_memory_is_watched_and_the_kernel_stopped(tmp_path):
    """A data limit (a kernel lent the GPU) does not count shared mappings: the watchdog does."""
    bomb = """
    import mmap
    x = 1
    block = mmap.mmap(-1, 1 << 30)  # shared and anonymous: not counted by RLIMIT_DATA
    for offset in range(0, len(block), 4096):
        block[offset] = 1
    import time
    time.sleep(10)  # holding it: the watchdog looks every 0.25 s
    """
    limits = Limits(memory_bytes=512 * MIB, open_files=1024, memory_kind="data")
    with SandboxSession(tmp_path, limits=limits) as sandbox:
        result = run_notebook(notebook("x = 0", bomb, "y = 2"), sandbox, Request(names=("x", "y")),
                              Settings(cell_timeout=20, total_timeout=40, interrupt_grace=1.5))
    assert statuses(result) == [(2, "ok"), (3, "died"), (4, "not_run")]
    assert result.cells[1].detail == "used more than 512 MB of memory, so the kernel was stopped"
    assert result.cells[2].detail == "not run: cell 3 used more than 512 MB of memory, so the kernel was stopped"
    assert result.memory_limit_mb == 512 and result.died_in == 3
    assert result.values["x"][0] == Returned(0)
    assert sandbox_processes() == []
