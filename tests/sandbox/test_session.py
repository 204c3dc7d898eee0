"""The sandbox's contract: plain values back, exceptions and failures reported, limits enforced."""

import os
import time

import numpy as np
import pytest

from grader.sandbox import Limits, NotRun, Raised, Returned, SandboxSession, Unreadable
from grader.sandbox.identity import current_identity
from grader.sandbox.limits import MIB


def test_returns_plain_values_of_every_supported_type(run):
    report = run("""
        import numpy as np
        def f(kind):
            return {"int": 11329414656, "float": 0.5, "bool": True, "none": None, "str": "ok",
                    "list": [1, [2.5]], "tuple": (1, 2), "dict": {"a": 1},
                    "array": np.arange(6, dtype=np.int64).reshape(2, 3), "npint": np.int64(7),
                    "npfloat": np.float32(0.25), "nan": float("nan")}[kind]
    """, "f", *[(k,) for k in ("int", "float", "bool", "none", "str", "list", "tuple", "dict", "array",
                                "npint", "npfloat", "nan")])
    values = [outcome.value for outcome in report.outcomes]
    assert report.failure is None
    assert values[:8] == [11329414656, 0.5, True, None, "ok", [1, [2.5]], (1, 2), {"a": 1}]
    assert type(values[0]) is int and type(values[6]) is tuple
    assert type(values[8]) is np.ndarray and values[8].dtype == np.int64 and values[8].tolist() == [[0, 1, 2], [3, 4, 5]]
    assert values[9] == 7 and type(values[9]) is int
    assert values[10] == 0.25 and type(values[10]) is float
    assert values[11] != values[11]


def test_arguments_cross_intact(run):
    report = run("def f(*args, **kwargs):\n    return [type(a).__name__ for a in args]\n", "f",
                 (1, 2.5, (1, 2), [1], {"k": 1}, np.zeros((2, 2)), None, "s"))
    assert report.outcomes[0].value == ["int", "float", "tuple", "list", "dict", "ndarray", "NoneType", "str"]


def test_exception_is_reported_with_the_students_line(run):
    report = run("def f(x):\n    return 1 / x\n", "f", (0,), (2,))
    assert report.outcomes == (Raised("ZeroDivisionError", "division by zero", "cnn.py, line 2"), Returned(0.5))
    assert report.failure is None


@pytest.mark.parametrize("source, reason", [
    ("class A: pass\ndef f():\n    return A()\n", "a value of type A"),
    ("import numpy as np\ndef f():\n    return np.array(['a'])\n", "an array of dtype <U1 (numbers only)"),
    ("def f():\n    return {1: 2}\n", "a dict whose keys are not all strings"),
    ("def f():\n    x = []\n    for _ in range(100): x = [x]\n    return x\n", "the value is nested more than 32 levels deep"),
    ("def f():\n    return 'x' * 20000\n", "a string of 20000 characters (at most 10000)"),
])
def test_values_that_cannot_cross_are_unreadable(run, source, reason):
    assert run(source, "f", ()).outcomes == (Unreadable(reason),)


def test_missing_file_function_and_import_errors(submission):
    with SandboxSession(submission("def f(:\n", **{"other.py": "raise SystemExit(3)\n"})) as sandbox:
        assert sandbox.call("missing.py", "f", [((), {})], timeout=5).failure.code == "NO_FILE"
        syntax = sandbox.call("cnn.py", "f", [((), {})], timeout=5)
        assert syntax.failure.code == "IMPORT_ERROR" and "SyntaxError" in syntax.failure.message
        assert sandbox.call("other.py", "f", [((), {})], timeout=5).failure.code == "IMPORT_ERROR"
    with SandboxSession(submission("x = 1\n")) as sandbox:
        report = sandbox.call("cnn.py", "x", [((), {})], timeout=5)
        assert report.failure.code == "NO_FUNCTION" and isinstance(report.outcomes[0], NotRun)


def test_nested_upload_is_found(submission):
    folder = submission("", **{"hw__src__cnn.py": "def f():\n    return 1\n"})
    (folder / "cnn.py").unlink()
    with SandboxSession(folder) as sandbox:
        assert sandbox.call("cnn.py", "f", [((), {})], timeout=5).outcomes == (Returned(1),)


def test_timeout_kills_and_the_next_batch_gets_a_fresh_child(submission):
    with SandboxSession(submission("import time\ndef f(x):\n    time.sleep(x)\n    return x\n")) as sandbox:
        started = time.perf_counter()
        report = sandbox.call("cnn.py", "f", [((0,), {}), ((60,), {}), ((0,), {})], timeout=1)
        assert time.perf_counter() - started < 3
        assert report.failure.code == "TIMEOUT" and "call 2 of 3" in report.failure.message
        assert report.outcomes[0] == Returned(0) and isinstance(report.outcomes[2], NotRun)
        assert sandbox.call("cnn.py", "f", [((0,), {})], timeout=5).outcomes == (Returned(0),)


def test_crash_of_the_process_is_reported(run):
    report = run("import os\ndef f():\n    os._exit(4)\n", "f", ())
    assert report.failure.code == "CRASH" and "exit status 4" in report.failure.message
    segv = run("import ctypes\ndef f():\n    ctypes.string_at(0)\n", "f", ())
    assert segv.failure.code == "CRASH" and "segmentation fault" in segv.failure.message


def test_output_is_captured_and_capped(run):
    report = run("def f():\n    print('hello')\n    return 1\n", "f", ())
    assert report.stdout == "hello\n"


def test_runs_as_the_sandbox_user_when_root(run):
    report = run("import os\ndef f():\n    return os.getuid()\n", "f", ())
    identity = current_identity()
    expected = identity.uid if identity.dropped else os.getuid()
    assert report.outcomes == (Returned(expected),)
    if os.geteuid() == 0:
        assert identity.dropped and report.outcomes[0].value != 0


def test_environment_is_scrubbed_and_the_folder_private(run):
    os.environ["GRADER_TEST_SECRET"] = "s3cret"
    report = run("import os, sys\ndef f():\n    return [sorted(os.environ), os.getcwd().endswith('submission'), "
                 "sys.flags.isolated]\n", "f", ())
    names, in_staged_folder, isolated = report.outcomes[0].value
    assert "GRADER_TEST_SECRET" not in names and in_staged_folder and isolated == 1


def test_session_removes_its_folder(submission):
    with SandboxSession(submission("def f():\n    return 1\n")) as sandbox:
        home = sandbox.home
        sandbox.call("cnn.py", "f", [((), {})], timeout=5)
        assert home.exists()
    assert not home.exists()


def test_startup_is_fast(submission):
    with SandboxSession(submission("def f():\n    return 1\n")) as sandbox:
        started = time.perf_counter()
        sandbox.call("cnn.py", "f", [((), {})], timeout=5)
        assert time.perf_counter() - started < 2.0  # generous: the benchmark measures the real figure


def test_memory_limit_stops_a_large_allocation(submission):
    source = "def f():\n    x = bytearray(400 * 1024 * 1024)\n    return len(x)\n"
    with SandboxSession(submission(source), limits=Limits(memory_bytes=256 * 1024 * 1024)) as sandbox:
        report = sandbox.call("cnn.py", "f", [((), {})], timeout=10)
    assert report.outcomes[0] == Raised("MemoryError", "", "cnn.py, line 2")


def test_a_data_limit_stops_a_large_allocation_and_leaves_the_address_space_alone(submission):
    """What a CUDA child gets: the driver reserves far more address space than it uses."""
    source = ("import resource\ndef f():\n    return [resource.getrlimit(r)[0] for r in (resource.RLIMIT_DATA, "
              "resource.RLIMIT_AS)]\ndef g():\n    x = bytearray(400 * 1024 * 1024)\n    return len(x)\n")
    limits = Limits(memory_bytes=256 * 1024 * 1024, memory_kind="data")
    with SandboxSession(submission(source), limits=limits) as sandbox:
        report = sandbox.call("cnn.py", "f", [((), {})], timeout=10)
        data, address = report.outcomes[0].value
        assert data == 256 * 1024 * 1024 and address != data
        report = sandbox.call("cnn.py", "g", [((), {})], timeout=10)
    assert report.outcomes[0] == Raised("MemoryError", "", "cnn.py, line 5")


@pytest.mark.parametrize("kind, which", [("address_space", "RLIMIT_AS"), ("data", "RLIMIT_DATA")])
def test_the_memory_limit_is_set_last_just_before_exec(monkeypatch, kind, which):
    """Until exec the child is a fork of the grader, whose address space may exceed the limit already."""
    import resource

    from grader.sandbox import launch
    from grader.sandbox.identity import Identity

    calls = []
    monkeypatch.setattr(os, "getsid", lambda pid: os.getpid())
    monkeypatch.setattr(launch, "unshare", lambda flags: calls.append("unshare") or 0)
    monkeypatch.setattr(resource, "setrlimit", lambda which, limits: calls.append(which))
    monkeypatch.setattr(launch, "_prefer_for_oom_kill", lambda: calls.append("oom_score_adj"))
    for name in ("setgroups", "setgid", "setuid", "umask"):
        monkeypatch.setattr(os, name, lambda *args, name=name: calls.append(name))
    identity = Identity(uid=12345, gid=12345, user="someone", unshare_flags=1, notes=())
    launch.child_preexec(identity, Limits(memory_kind=kind))()
    assert calls[-1] == getattr(resource, which)
    assert calls.index("setuid") < len(calls) - 1 and calls.count(getattr(resource, which)) == 1
    assert calls.index("oom_score_adj") < calls.index(resource.RLIMIT_NOFILE)  # it opens a file


def test_the_oom_killer_takes_student_processes_before_the_grader(submission):
    source = "def f():\n    return open('/proc/self/oom_score_adj').read().strip()\n"
    with SandboxSession(submission(source)) as sandbox:
        assert sandbox.call("cnn.py", "f", [((), {})], timeout=10).outcomes == (Returned("1000"),)
    assert open("/proc/self/oom_score_adj").read().strip() != "1000"


def test_children_start_when_the_grader_holds_more_address_space_than_their_limit(submission):
    """As it does with torch loaded (a CUDA build maps gigabytes): Python 3.10 used to crash the child."""
    import mmap

    reserved = mmap.mmap(-1, 2 << 30)  # 2 GB of address space, never touched
    try:
        with SandboxSession(submission("def f():\n    return 1\n"), limits=Limits(memory_bytes=256 * MIB)) as sandbox:
            assert sandbox.call("cnn.py", "f", [((), {})], timeout=10).outcomes == (Returned(1),)
    finally:
        reserved.close()


def test_concurrent_sessions_never_kill_each_other(submission, tmp_path):
    """Each live session holds its own uid, so one session's clean-up cannot reach another's child."""
    import threading

    slow = submission("import time\ndef f(x):\n    time.sleep(x)\n    return x\n")
    results = {}

    def long_call():
        with SandboxSession(slow) as sandbox:
            results["long"] = sandbox.call("cnn.py", "f", [((1.5,), {})], timeout=10)

    thread = threading.Thread(target=long_call)
    thread.start()
    time.sleep(0.5)
    with SandboxSession(slow) as sandbox:
        assert sandbox.call("cnn.py", "f", [((30,), {})], timeout=0.3).failure.code == "TIMEOUT"
    thread.join()
    assert results["long"].outcomes == (Returned(1.5),)
