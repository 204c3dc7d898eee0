"""One sandbox per submission: a private folder with a copy of the upload, and a child process that runs
batches of calls to the student's functions: one child per file of the submission in turn (calls to
``cnn.py`` share one; a call to another file starts a fresh child, so code in one file can never tamper
with the grading of another's), restarted after a crash or timeout.

    with SandboxSession(submission) as sandbox:
        report = sandbox.call("cnn.py", "conv_output_size", [((7, 3, 1, 0, 1), {})], timeout=5)

Each batch has a wall-clock deadline enforced here with SIGKILL (the child's cooperation is never needed);
when it passes, or the child dies, the calls not yet answered are ``NotRun`` and the next batch starts a
fresh child. Closing the session kills every process the sandbox started, removes its folder and, when the
child ran under its own uid, whatever that uid left in the shared temporary folders (/tmp, /dev/shm).
"""

from __future__ import annotations

import os
import selectors
import shutil
import signal
import tempfile
import time
import traceback
import uuid
from pathlib import Path
from typing import Any, Sequence

from grader.sandbox import reap, replies, wire
from grader.sandbox.identity import Identity, current_identity
from grader.sandbox.launch import Launched, launch
from grader.sandbox.limits import MIB, Limits
from grader.sandbox.outcome import CallReport, CaseOutcome, Failure, NotRun
from grader.sandbox.slots import Slot, claim_slot
from grader.sandbox.lookup import Lookup, locate
from grader.sandbox.stage import Staged, stage_submission
from grader.text import code

Call = tuple[Sequence[Any], dict[str, Any]]
POLL_SECONDS = 0.05


class SandboxSession:
    def __init__(self, submission: Path, *, limits: Limits = Limits(), python: str | None = None,
                 identity: Identity | None = None):
        self.submission = submission
        self.limits = limits
        self.python = python
        self.identity = identity or current_identity()
        self.slot: Slot | None = None
        self.marker = uuid.uuid4().hex
        self.home: Path | None = None
        self.staged: Staged | None = None
        self.child: Launched | None = None
        self.child_file: str | None = None
        self.leftovers = False
        self.renamed: dict[str, str] = {}

    @property
    def notices(self) -> tuple[str, ...]:
        """For the student: the files that were read under a copy's name (``GPUMemory (1).ipynb``)."""
        return tuple(self.renamed.values())

    @property
    def notes(self) -> tuple[str, ...]:
        """Staff-only notes: reduced isolation, a truncated upload, processes that could not be killed."""
        notes = [*self.identity.notes, *(self.staged.notes if self.staged else ())]
        if self.leftovers:
            notes.append("some sandbox processes could not be killed")
        return tuple(notes)

    def __enter__(self) -> SandboxSession:
        self.slot = claim_slot(self.identity)
        self.identity = self.slot.identity
        self.home = Path(tempfile.mkdtemp(prefix="cnn-sandbox-"))
        (self.home / "tmp").mkdir()
        staged_dir = self.home / "submission"
        staged_dir.mkdir()
        self.staged = stage_submission(self.submission, staged_dir, max_files=self.limits.max_files,
                                       max_bytes=self.limits.max_upload_bytes)
        if self.identity.dropped:
            _give_to(self.home, self.identity)
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._stop()
        if self.identity.dropped and self.identity.uid is not None:
            reap.remove_files_of(self.identity.uid)
        if self.home is not None:
            shutil.rmtree(self.home, ignore_errors=True)
            self.home = None
        if self.slot is not None:
            self.slot.release()
            self.slot = None

    @property
    def staged_dir(self) -> Path:
        """The child's copy of the upload (its working folder)."""
        assert self.home is not None, "use the session as a context manager"
        return self.home / "submission"

    def kill_everything(self, session_leader: int | None = None) -> None:
        """Kill the child and every other process the sandbox started (a notebook kernel among them):
        by uid when the sandbox has its own, else by ``session_leader``'s session and the run's marker."""
        self._stop()
        if self.identity.dropped and self.identity.uid is not None and self.identity.gid is not None:
            clean = reap.kill_uid(self.identity.uid, self.identity.gid)
        else:
            clean = reap.kill_session(session_leader if session_leader is not None else -1, self.marker)
        self.leftovers = self.leftovers or not clean

    def resident_bytes(self, session_leader: int | None = None) -> int:
        """Memory in use by every process the sandbox started, found as ``kill_everything`` finds them."""
        uid = self.identity.uid if self.identity.dropped else None
        return reap.resident_bytes(uid, session_leader if session_leader is not None else -1)

    def find(self, file: str) -> Lookup:
        assert self.staged is not None, "use the session as a context manager"
        lookup = locate(self.staged.files, file)
        if lookup.renamed:
            self.renamed[file] = lookup.message
        return lookup

    def call(self, file: str, function: str, calls: Sequence[Call], *, timeout: float) -> CallReport:
        started = time.perf_counter()
        lookup = self.find(file)
        relative = lookup.relative
        if relative is None:
            return _report(calls, {}, Failure("NO_FILE", lookup.message), "", started, timeout)
        try:
            child = self._child(relative)
        except Exception:
            failure = Failure("SANDBOX_ERROR", "The grader could not start your code.", traceback.format_exc())
            return _report(calls, {}, failure, "", started, timeout)
        request = {"file": relative, "function": function,
                   "calls": [{"args": wire.encode_args(list(args)), "kwargs": wire.encode_args(dict(kwargs))}
                             for args, kwargs in calls]}
        outcomes, failure = self._exchange(child, request, len(calls), file, function, started + timeout)
        return _report(calls, outcomes, failure, self._output(child), started, timeout)

    def _child(self, relative: str) -> Launched:
        """The child for ``relative``: the running one if it serves that file and is alive, else a fresh one
        (stopping the old one kills everything it started, daemons included)."""
        if self.child is not None and (self.child_file != relative or self.child.process.poll() is not None):
            self._stop()
        if self.child is None:
            assert self.home is not None
            self.child = launch(self.identity, self.limits, home=self.home, staged=self.home / "submission",
                                marker=self.marker, python=self.python)
            self.child_file = relative
        return self.child

    def _exchange(self, child: Launched, request: dict[str, Any], count: int, file: str, function: str,
                  deadline: float) -> tuple[dict[int, CaseOutcome], Failure | None]:
        outcomes: dict[int, CaseOutcome] = {}
        sent = _send(child.requests.fileno(), wire.json_line(request), deadline)
        if sent is None:
            return outcomes, self._died(child)
        if isinstance(sent, Failure):
            self._stop()
            return outcomes, sent
        reader = _LineReader(child.reply_fd, self.limits.reply_bytes)
        while True:
            line = reader.next_line(deadline, child.process)
            if isinstance(line, Failure) or line is None:
                failure = line or self._died(child)
                if failure.code in ("TIMEOUT", "OUTPUT_LIMIT"):
                    self._stop()
                return outcomes, failure
            try:
                message = wire.parse_line(line)
                done = _absorb(message, outcomes, count, file, function)
            except wire.BadReply as error:
                self._stop()
                return outcomes, Failure("CRASH", "The grader could not read what your code sent back "
                                         f"({error}); did your code write to the grader's pipe?")
            if isinstance(done, Failure):
                return outcomes, done
            if done:
                return outcomes, None

    def _died(self, child: Launched) -> Failure:
        try:
            status = child.process.wait(timeout=1.0)
        except Exception:
            status = None
        self._stop()
        return _death_failure(status, self.limits)

    def _output(self, child: Launched) -> str:
        try:
            child.output.seek(0)
            raw = child.output.read(self.limits.stdout_bytes)
        except (OSError, ValueError):
            return ""
        return raw.decode("utf-8", errors="replace")

    def _stop(self) -> None:
        """Kill the child and everything it started (by uid when the child runs as the sandbox user)."""
        child, self.child = self.child, None
        if child is None:
            return
        try:
            os.killpg(child.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if self.identity.dropped:
            clean = reap.kill_uid(self.identity.uid, self.identity.gid)
        else:
            clean = reap.kill_session(child.process.pid, self.marker)
        self.leftovers = self.leftovers or not clean
        try:
            child.process.wait(timeout=5)
        except Exception:
            pass
        for closing in (child.requests.close, lambda: os.close(child.reply_fd)):
            try:
                closing()
            except OSError:
                pass


def _send(fd: int, data: bytes, deadline: float) -> bool | Failure | None:
    """Write the request without ever blocking past the deadline; None when the child is gone."""
    os.set_blocking(fd, False)
    view = memoryview(data)
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_WRITE)
        while view:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                return Failure("TIMEOUT", "")
            if not selector.select(min(remaining, POLL_SECONDS)):
                continue
            try:
                view = view[os.write(fd, view):]
            except BlockingIOError:
                continue
            except OSError:
                return None
    return True


class _LineReader:
    """Reply lines from the child, under a deadline and a cap on total bytes."""

    def __init__(self, fd: int, cap: int):
        self.fd = fd
        self.cap = cap
        self.buffer = bytearray()
        self.total = 0

    def next_line(self, deadline: float, process: Any) -> bytes | Failure | None:
        """The next line; ``None`` when the child is gone; a Failure on timeout or too much output."""
        with selectors.DefaultSelector() as selector:
            selector.register(self.fd, selectors.EVENT_READ)
            while True:
                newline = self.buffer.find(b"\n")
                if newline >= 0:
                    line = bytes(self.buffer[:newline])
                    del self.buffer[:newline + 1]
                    return line
                remaining = deadline - time.perf_counter()
                if remaining <= 0:
                    return Failure("TIMEOUT", "")
                if not selector.select(min(remaining, POLL_SECONDS)):
                    if process.poll() is not None and not selector.select(0):
                        return None
                    continue
                chunk = os.read(self.fd, 65536)
                if not chunk:
                    return None
                self.total += len(chunk)
                if self.total > self.cap:
                    return Failure("OUTPUT_LIMIT", f"Your function returned more than {self.cap // MIB} MB of data.")
                self.buffer += chunk


def _absorb(message: dict[str, Any], outcomes: dict[int, CaseOutcome], count: int, file: str,
            function: str) -> bool | Failure:
    """Record one reply; True when the batch is complete, a Failure when it cannot run at all."""
    if message.get("done") is True and len(message) == 1:
        if len(outcomes) != count:
            raise wire.BadReply("the batch ended early")
        return True
    if "failed" in message:
        return _batch_failure(message, file, function)
    index = message.get("i")
    if type(index) is not int or index != len(outcomes) or index >= count or len(message) != 2:
        raise wire.BadReply("a reply out of order")
    outcomes[index] = replies.outcome(message)
    return False


def _batch_failure(message: dict[str, Any], file: str, function: str) -> Failure:
    if message["failed"] == "NO_FUNCTION":
        return Failure("NO_FUNCTION", f"{code(file, 80)} has no function {code(function, 80)}.")
    raised = replies.raised(message.get("raised", {}))
    where = f" ({raised.where})" if raised.where else ""
    return Failure("IMPORT_ERROR", f"{code(file, 80)} could not be imported: "
                   f"{raised.type_name}: {raised.message}{where}")


def _death_failure(status: int | None, limits: Limits) -> Failure:
    if status is not None and status < 0:
        number = -status
        if number == signal.SIGXCPU:
            return Failure("TIMEOUT", f"Your code used more than {limits.cpu_seconds} s of CPU time.")
        if number == signal.SIGXFSZ:
            return Failure("OUTPUT_LIMIT", f"Your code wrote more than {limits.file_bytes // MIB} MB "
                           "(printed output or a file).")
        if number == signal.SIGSEGV:
            return Failure("CRASH", "Your code crashed the Python process (segmentation fault).")
        name = signal.Signals(number).name if number in signal.Signals._value2member_map_ else str(number)
        return Failure("CRASH", f"Your code's process was killed ({name}); it may have run out of memory "
                       f"(limit {limits.memory_bytes // MIB} MB) or started too many processes.")
    if status is None:
        return Failure("CRASH", "Your code's process stopped answering.")
    return Failure("CRASH", f"Your code ended the Python process (exit status {status}), e.g. with os._exit().")


def _report(calls: Sequence[Call], outcomes: dict[int, CaseOutcome], failure: Failure | None, output: str,
            started: float, timeout: float) -> CallReport:
    seconds = time.perf_counter() - started
    if failure is not None and failure.code == "TIMEOUT" and not failure.message:
        failure = Failure("TIMEOUT", f"Your code did not finish within {timeout:g} s "
                          f"(call {len(outcomes) + 1} of {len(calls)} was running).")
    elif failure is not None and failure.code in ("CRASH", "OUTPUT_LIMIT") and len(outcomes) < len(calls):
        failure = Failure(failure.code, f"{failure.message} (during call {len(outcomes) + 1} of {len(calls)})",
                          failure.staff_detail)
    reason = "not run: " + (failure.message if failure else "")
    full = tuple(outcomes.get(index, NotRun(reason)) for index in range(len(calls)))
    return CallReport(outcomes=full, failure=failure, stdout=output, seconds=seconds)


def _give_to(home: Path, identity: Identity) -> None:
    """The private folder belongs to the sandbox user alone (mode 0700 all the way down)."""
    for folder, dirs, files in os.walk(home):
        for name in (folder, *(os.path.join(folder, d) for d in dirs), *(os.path.join(folder, f) for f in files)):
            os.chown(name, identity.uid, identity.gid, follow_symlinks=False)
            os.chmod(name, 0o700 if os.path.isdir(name) else 0o600)
