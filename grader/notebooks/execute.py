"""Run a notebook headless in the sandbox, cell by cell, and read the requested names back after each one.

    with SandboxSession(submission, limits=...) as sandbox:
        run = run_notebook(notebook, sandbox, Request(names=("resnet152_params",)), Settings(...))

Each code cell gets ``cell_timeout`` seconds (less when the notebook's total budget runs short); on a
timeout the kernel is interrupted, and if it does not answer within ``interrupt_grace`` it is killed
(with everything else the sandbox user runs), so a cell that ignores SIGINT cannot stall grading. Errors
do not stop the run. A dead kernel ends it: the cells after it are not run, and the values read so far
are kept. Outputs are capped while they arrive.
"""

from __future__ import annotations

import asyncio
import base64
import math
import os
import time
import traceback
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Sequence

from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

from grader.notebooks.kernel import kernel_manager, launch_options
from grader.notebooks.parameters import with_parameters
from grader.sandbox import wire
from grader.sandbox.launch import CHILD_SOURCE
from grader.sandbox.exits import exit_in_words
from grader.sandbox.outcome import CaseOutcome, NotRun, Unreadable
from grader.sandbox.replies import clean, outcome
from grader.sandbox.session import SandboxSession

PROBE_SOURCE = (Path(__file__).with_name("probe.py")).read_text(encoding="utf-8")
Call = tuple[Sequence[Any], dict[str, Any]]
CellStatus = Literal["ok", "error", "timeout", "died", "not_run"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TIMED_OUT = {"ename": "GraderCellTimeout", "evalue": "the cell ran past its time limit", "traceback": []}
"""The reply nbclient makes up for a cell that timed out (it interrupts the kernel first)."""
REPLY_BYTES = 16 * 1024 * 1024
"""What one probe may print (the values read back), as the sandbox child's reply cap."""
MAX_DEFINED = 2000
"""How many of the notebook's names a probe reports (for "it defines `x`" suggestions), as probe.py sends."""


@dataclass(frozen=True)
class FunctionCalls:
    """Calls of one notebook function on the grader's inputs (``key`` names the batch)."""

    key: str
    function: str
    calls: tuple[Call, ...]


@dataclass(frozen=True)
class Request:
    names: tuple[str, ...] = ()
    functions: tuple[FunctionCalls, ...] = ()


@dataclass(frozen=True)
class Settings:
    parameters: dict[str, Any] = field(default_factory=dict)
    cell_timeout: float = 60.0
    total_timeout: float = 90.0
    interrupt_grace: float = 5.0
    probe_timeout: float = 20.0
    max_output_bytes: int = 2 * 1024 * 1024
    max_figures: int = 40
    max_figure_bytes: int = 2 * 1024 * 1024
    gpu: bool = False
    """The kernel may use the grader's CUDA GPU: it keeps the driver's environment (see ``kernel.py``)."""
    memory_poll: float = 0.25
    """Seconds between looks at the kernel's resident memory, under a data limit (see ``_watch_memory``)."""


@dataclass(frozen=True)
class CellRun:
    number: int
    """The cell's position in the student's notebook, counting every cell from 1."""
    status: CellStatus
    detail: str = ""


@dataclass(frozen=True)
class Figure:
    name: str
    png: bytes


@dataclass(frozen=True)
class NotebookRun:
    cells: tuple[CellRun, ...]
    values: dict[str, tuple[CaseOutcome, int]]
    """name → (the latest value read, the number of the last cell after which it was read)."""
    calls: dict[str, tuple[CaseOutcome, ...]]
    died_in: int | None = None
    timed_out: bool = False
    figures: tuple[Figure, ...] = ()
    failure: str | None = None
    """Set when the notebook could not be run at all (the grader's fault: ``staff_detail`` says why)."""
    staff_detail: str | None = None
    output_truncated: bool = False
    seconds: float = 0.0
    memory_limit_mb: int | None = None
    """Set when the grader stopped the kernel in cell ``died_in`` for using more memory than this."""
    died_how: str = ""
    """How the kernel died, from its exit status, when the grader did not stop it: "crashed with a
    segmentation fault", "was killed by the system, most likely for running out of memory" (a container's
    memory limit, which sends SIGKILL), "exited with code 3"."""
    defined: tuple[str, ...] = ()
    """The public names of the notebook's namespace at the last probe (untrusted, for suggestions only)."""


def run_notebook(notebook: Any, sandbox: SandboxSession, request: Request, settings: Settings) -> NotebookRun:
    started = time.perf_counter()
    prepared, numbers = with_parameters(notebook, settings.parameters)
    runner = _Runner(prepared, numbers, sandbox, request, settings)
    try:
        asyncio.run(runner.run())
    except Exception:  # nbclient or the kernel failed in a way the run loop does not expect
        if not runner.started:
            runner.failure = "The grader could not start a Python kernel for your notebook."
        elif not runner.finished and runner.died_in is None:
            runner.died_in = runner.current
        runner.staff_detail = traceback.format_exc()
    finally:
        sandbox.kill_everything(runner.kernel_pid)
        _reap(runner.kernel_pid)
    shown = tuple(_output_figures(prepared, numbers, settings))
    figures = shown + tuple(_saved_figures(sandbox.staged_dir, settings, len(shown)))
    return NotebookRun(cells=tuple(runner.cells), values=dict(runner.values), calls=dict(runner.calls),
                       died_in=runner.died_in, timed_out=runner.timed_out, figures=figures,
                       failure=runner.failure, staff_detail=runner.staff_detail,
                       output_truncated=runner.client_truncated(), seconds=time.perf_counter() - started,
                       memory_limit_mb=runner.memory_limit_mb() if runner.memory_stopped_in is not None else None,
                       died_how=runner.died_how, defined=runner.defined)


class _Runner:
    def __init__(self, notebook: Any, numbers: list[int], sandbox: SandboxSession, request: Request,
                 settings: Settings):
        self.notebook = notebook
        self.numbers = numbers
        self.sandbox = sandbox
        self.request = request
        self.settings = settings
        self.nonce = "@@grader-" + uuid.uuid4().hex + "@@"
        self.cells: list[CellRun] = []
        self.values: dict[str, tuple[CaseOutcome, int]] = {}
        self.calls: dict[str, tuple[CaseOutcome, ...]] = {}
        self.defined: tuple[str, ...] = ()
        self.died_how = ""
        self.manager: Any = None
        self.finished = False
        self.died_in: int | None = None
        self.killed_in: int | None = None
        self.memory_stopped_in: int | None = None
        self.timed_out = False
        self.failure: str | None = None
        self.staff_detail: str | None = None
        self.started = False
        self.current = 0
        self.kernel_pid: int | None = None
        self.client: Any = None

    def client_truncated(self) -> bool:
        return bool(self.client is not None and self.client.truncated)

    async def run(self) -> None:
        sandbox = self.sandbox
        assert sandbox.home is not None
        manager = self.manager = kernel_manager(sandbox.home, sandbox.identity, sandbox.python)
        self.client = _CappedClient(self.notebook, km=manager, timeout=_seconds(self.settings.cell_timeout), allow_errors=True,
                                    interrupt_on_timeout=True, error_on_timeout=TIMED_OUT,
                                    iopub_timeout=_seconds(self.settings.interrupt_grace), record_timing=False,
                                    max_output_bytes=self.settings.max_output_bytes)
        options = launch_options(sandbox.home, sandbox.staged_dir, sandbox.identity, sandbox.limits, sandbox.marker,
                                 gpu=self.settings.gpu)
        deadline = time.monotonic() + self.settings.total_timeout
        async with self.client.async_setup_kernel(**options):
            self.started = True
            self.kernel_pid = _pid_of(manager)
            watch = asyncio.create_task(self._watch_memory()) if sandbox.limits.memory_kind == "data" else None
            try:
                await self._install_probe()
                await self._run_cells(deadline)
            finally:
                if watch is not None:
                    watch.cancel()
            self.finished = True

    async def _watch_memory(self) -> None:
        """Under a data limit (a kernel lent the GPU, or a CUDA build of torch) shared mappings are not counted,
        so the resident memory of everything the sandbox runs is watched too, and the kernel is stopped when
        it passes the limit."""
        limit = self.sandbox.limits.memory_bytes
        while True:
            await asyncio.sleep(self.settings.memory_poll)
            used = await asyncio.to_thread(self.sandbox.resident_bytes, self.kernel_pid)
            if used > limit:
                self.memory_stopped_in = self.current
                await asyncio.to_thread(self.sandbox.kill_everything, self.kernel_pid)
                return

    async def _run_cells(self, deadline: float) -> None:
        for index, cell in enumerate(list(self.notebook.cells)):
            number = self.numbers[index]
            if cell.cell_type != "code" or not cell.source.strip():
                continue
            if self.died_in is not None or self.timed_out:
                self._record(number, "not_run", self._why_not_run())
                continue
            remaining = deadline - time.monotonic()
            if remaining <= 1:
                self.timed_out = True
                self._record(number, "not_run", self._why_not_run())
                continue
            self.current = number
            self.client.timeout = _seconds(min(self.settings.cell_timeout, remaining))
            try:
                await self.client.async_execute_cell(cell, index)
            except DeadKernelError:
                self.died_in = number
                if self.memory_stopped_in == number:
                    self._record(number, "died", self._memory_stopped())
                    continue
                self.died_how = exit_in_words(_exit_status(self.manager))
                how = f": it {self.died_how}" if self.died_how else ""
                self._record(number, "died", f"the kernel died while this cell ran{how}")
                continue
            if self.client.replies.get(index, {}).get("ename") == TIMED_OUT["ename"]:
                self._record(number, "timeout", f"did not finish within {self.client.timeout:g} s")
                if not await self._recovered():
                    self.killed_in = self.died_in = number
                continue
            self._record(number, *_cell_status(cell, self.client.replies.get(index, {})))
            if not await self._probe(number):
                continue

    def memory_limit_mb(self) -> int:
        return self.sandbox.limits.memory_bytes // 2**20

    def _memory_stopped(self) -> str:
        return f"used more than {self.memory_limit_mb():,} MB of memory, so the kernel was stopped"

    def _why_not_run(self) -> str:
        if self.memory_stopped_in is not None:
            return f"not run: cell {self.memory_stopped_in} {self._memory_stopped()}"
        if self.killed_in is not None:
            return (f"not run: cell {self.killed_in} ran past its time limit and ignored the interrupt, "
                    "so the kernel was stopped")
        if self.died_in is not None:
            return f"not run: the kernel died in cell {self.died_in}"
        return f"not run: the notebook's time limit of {self.settings.total_timeout:g} s had passed"

    def _record(self, number: int, status: CellStatus, detail: str = "") -> None:
        if number:  # 0: the grader's own parameters cell
            self.cells.append(CellRun(number, status, detail))

    async def _recovered(self) -> bool:
        """After a timeout (the kernel was interrupted): whether it answers again within the grace period.
        When it does not, it is killed, with everything else the sandbox user runs."""
        try:
            await self._hidden("pass", timeout=self.settings.interrupt_grace)
            if self.client.last_hidden_reply.get("ename") != TIMED_OUT["ename"]:
                return True
        except DeadKernelError:
            pass
        self.sandbox.kill_everything(self.kernel_pid)
        return False

    async def _install_probe(self) -> None:
        setup = ("import sys as _s, types as _t\n"
                 "_m = _t.ModuleType('_grader_probe')\n"
                 f"exec(compile({CHILD_SOURCE!r}, '<grader>', 'exec'), _m.__dict__)\n"
                 f"exec(compile({PROBE_SOURCE!r}, '<grader>', 'exec'), _m.__dict__)\n"
                 "_s.modules['_grader_probe'] = _m\n"
                 "del _s, _t, _m\n")
        await self._hidden(setup, timeout=30)

    async def _probe(self, number: int) -> bool:
        """Read the requested names back, then call each requested function in a probe of its own (one that
        hangs costs only its own calls); False when the kernel is gone."""
        batches = [((), batch) for batch in self.request.functions]
        for names, batch in ([(self.request.names, None)] if self.request.names else []) + batches:
            if not await self._probe_one(number, names, batch):
                return False
        return True

    async def _probe_one(self, number: int, names: tuple[str, ...], batch: FunctionCalls | None) -> bool:
        calls = [] if batch is None else [[batch.key, batch.function, [
            {"args": wire.encode_args(list(args)), "kwargs": wire.encode_args(dict(kwargs))}
            for args, kwargs in batch.calls]]]
        source = (f"__import__('_grader_probe').probe(globals(), {self.nonce!r}, {list(names)!r}, "
                  f"__import__('json').loads({_json(calls)!r}))")
        try:
            cell = await self._hidden(source, timeout=self.settings.probe_timeout)
        except DeadKernelError:
            self.died_in = number
            return False
        if self.client.last_hidden_reply.get("ename") == TIMED_OUT["ename"]:
            if batch is not None:
                reason = NotRun(f"not run: calling `{batch.function}` ran past {self.settings.probe_timeout:g} s")
                self.calls[batch.key] = tuple(reason for _ in batch.calls)
            if not await self._recovered():
                self.killed_in = self.died_in = number
                return False
            return True
        self._absorb(cell, number)
        return True

    async def _hidden(self, source: str, *, timeout: float) -> Any:
        import nbformat

        cell = nbformat.v4.new_code_cell(source)
        self.notebook.cells.append(cell)
        index = len(self.notebook.cells) - 1
        saved = self.client.timeout
        self.client.timeout = _seconds(timeout)
        self.client.hidden_index, self.client.hidden_budget = index, REPLY_BYTES
        try:
            return await self.client.async_execute_cell(cell, index, store_history=False)
        finally:
            self.client.timeout = saved
            self.client.hidden_index = None
            self.client.last_hidden_reply = self.client.replies.pop(index, {})
            del self.notebook.cells[index]

    def _absorb(self, cell: Any, number: int) -> None:
        text = "".join(output.get("text", "") for output in cell.get("outputs", [])
                       if output.get("output_type") == "stream" and output.get("name") == "stdout")
        lines = [line for line in text.splitlines() if line.startswith(self.nonce)]
        if not lines:
            return
        try:
            message = wire.parse_line(lines[-1][len(self.nonce):].encode("utf-8"))
        except wire.BadReply:
            return
        values = message.get("values") if isinstance(message.get("values"), dict) else {}
        for name in self.request.names:
            if name in values and isinstance(values[name], dict):
                self.values[name] = (_outcome(values[name]), number)
        defined = message.get("defined")
        if isinstance(defined, list):
            self.defined = tuple(name for name in defined[:MAX_DEFINED]
                                 if isinstance(name, str) and name.isidentifier() and len(name) <= 80)
        calls = message.get("calls") if isinstance(message.get("calls"), dict) else {}
        for batch in self.request.functions:
            replies = calls.get(batch.key)
            if isinstance(replies, list) and len(replies) == len(batch.calls):
                self.calls[batch.key] = tuple(_outcome(reply) if isinstance(reply, dict) else
                                              Unreadable("an unexpected reply") for reply in replies)


def _outcome(message: dict[str, Any]) -> CaseOutcome:
    try:
        return outcome(message)
    except wire.BadReply as error:
        return Unreadable(str(error))


def _seconds(value: float) -> int:
    """nbclient's timeouts are whole seconds."""
    return max(1, math.ceil(value))


def _json(value: Any) -> str:
    import json

    return json.dumps(value, allow_nan=False)


def _cell_status(cell: Any, reply: dict[str, Any]) -> tuple[CellStatus, str]:
    """From the kernel's execute reply (an exception IPython failed to display still sets its status)."""
    errors = [output for output in cell.get("outputs", []) if output.get("output_type") == "error"]
    if reply.get("status") != "error" and not errors:
        return "ok", ""
    source = errors[0] if errors else reply
    name = clean(str(source.get("ename", "Error")), 80)
    value = clean(str(source.get("evalue", "")), 300)
    return "error", f"{name}: {value}" if value else name


def _reap(pid: int | None) -> None:
    """Collect the killed kernel (our own child), so it does not linger as a zombie of the sandbox uid."""
    if pid is None:
        return
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return
        if done:
            return
        time.sleep(0.01)


def _exit_status(manager: Any) -> int | None:
    process = getattr(getattr(manager, "provisioner", None), "process", None)
    return None if process is None else process.poll()


def _pid_of(manager: Any) -> int | None:
    provisioner = getattr(manager, "provisioner", None)
    return getattr(provisioner, "pid", None)


def _output_figures(notebook: Any, numbers: list[int], settings: Settings):
    count = 0
    for index, cell in enumerate(notebook.cells[:len(numbers)]):
        for order, output in enumerate(cell.get("outputs", []) if cell.cell_type == "code" else []):
            data = output.get("data", {}).get("image/png") if isinstance(output.get("data"), dict) else None
            if not isinstance(data, str) or count >= settings.max_figures:
                continue
            try:
                png = base64.b64decode(data, validate=False)
            except ValueError:
                continue
            if png.startswith(PNG_SIGNATURE) and len(png) <= settings.max_figure_bytes:
                count += 1
                yield Figure(f"cell{numbers[index]:02d}-{order + 1}.png", png)


def _saved_figures(folder: Path, settings: Settings, already: int):
    """PNG files the notebook saved in its working folder (regular files only, capped)."""
    count = already
    try:
        paths = sorted(path for path in folder.rglob("*.png") if path.is_file() and not path.is_symlink())
    except OSError:
        return
    for path in paths:
        if count >= settings.max_figures:
            return
        try:
            if path.lstat().st_size > settings.max_figure_bytes:
                continue
            png = path.read_bytes()
        except OSError:
            continue
        if png.startswith(PNG_SIGNATURE):
            count += 1
            yield Figure(path.relative_to(folder).as_posix().replace("/", "-"), png)


class _CappedClient(NotebookClient):
    """Drops the student's outputs past a byte budget as they arrive (a print bomb cannot grow the
    grader); the grader's hidden probe cell has a budget of its own, fresh for each probe."""

    def __init__(self, *args: Any, max_output_bytes: int, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.budget = max_output_bytes
        self.truncated = False
        self.hidden_index: int | None = None
        self.hidden_budget = 0
        self.replies: dict[int, dict[str, Any]] = {}
        self.last_hidden_reply: dict[str, Any] = {}
        self.on_cell_executed = self._keep_reply

    def _keep_reply(self, cell: Any, cell_index: int, execute_reply: dict[str, Any]) -> None:
        content = execute_reply.get("content", {}) if isinstance(execute_reply, dict) else {}
        self.replies[cell_index] = content if isinstance(content, dict) else {}

    def output(self, outs, msg, display_id, cell_index):  # type: ignore[override]
        size = _message_size(msg)
        if cell_index == self.hidden_index:
            self.hidden_budget -= size
            return super().output(outs, msg, display_id, cell_index) if self.hidden_budget >= 0 else None
        if size > self.budget:
            self.truncated = True
            return None
        self.budget -= size
        return super().output(outs, msg, display_id, cell_index)


def _message_size(msg: dict[str, Any]) -> int:
    content = msg.get("content", {})
    size = len(content.get("text", "")) if isinstance(content.get("text"), str) else 0
    data = content.get("data")
    if isinstance(data, dict):
        size += sum(len(value) if isinstance(value, str) else 100 for value in data.values())
    if isinstance(content.get("traceback"), list):
        size += sum(len(line) for line in content["traceback"] if isinstance(line, str))
    return size
