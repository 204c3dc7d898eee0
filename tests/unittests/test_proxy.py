"""The student-module proxies: what may be imported, what may cross, what is left behind."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import pytest

from grader.unittests import NotPlainData, StudentCallFailed, StudentError, StudentModules, check_module_names
from grader.unittests.errors import raised_by
from grader.unittests.proxy import RemoteFunction


def echo(file: str, function: str, args: tuple, kwargs: dict) -> Any:
    return [file, function, list(args), kwargs]


def test_refuses_names_that_would_shadow_real_modules_all_at_once() -> None:
    with pytest.raises(ValueError) as error:
        check_module_names({"numpy": "numpy.py", "json": "json.py", "sys": "sys.py", "os.path": "p.py",
                            "class": "c.py", "cnn": "cnn.txt", "grader": "grader.py"})
    assert str(error.value) == (
        "student modules: 'numpy' is already an importable module here; a student module of that name would "
        "shadow it; 'json' is already an importable module here; a student module of that name would shadow it; "
        "'sys' is already an importable module here; a student module of that name would shadow it; "
        "'os.path' is not a top-level module name; 'class' is not a top-level module name; "
        "'cnn': the student's file must be a .py name, got 'cnn.txt'; "
        "'grader' is already an importable module here; a student module of that name would shadow it")
    assert check_module_names({"cnn": "cnn.py", "layers": "src/layers.py"}) == {"cnn": "cnn.py",
                                                                                 "layers": "src/layers.py"}


def test_imports_serve_remote_functions_and_leave_nothing_behind() -> None:
    meta_path = list(sys.meta_path)
    with StudentModules({"cnn": "cnn.py"}, echo) as students:
        import cnn  # type: ignore[import-not-found]
        from cnn import conv_output_size  # type: ignore[import-not-found]

        assert conv_output_size is cnn.conv_output_size
        assert conv_output_size == RemoteFunction("cnn.py", "conv_output_size", students)
        assert conv_output_size(7, 3, s=2) == ["cnn.py", "conv_output_size", [7, 3], {"s": 2}]
        assert hasattr(cnn, "anything")
        with pytest.raises(AttributeError):
            cnn.__file__
        with pytest.raises(ModuleNotFoundError):
            import cnn.layers  # type: ignore[import-not-found]  # noqa: F401
    assert sys.meta_path == meta_path and "cnn" not in sys.modules
    with pytest.raises(RuntimeError, match="called after its test run ended"):
        conv_output_size(7, 3)
    with pytest.raises(ModuleNotFoundError):
        import cnn  # type: ignore[import-not-found]  # noqa: F401,F811


@pytest.mark.parametrize("args, kwargs, problem", [
    (({1, 2},), {}, "argument 1 is not plain data (a value of type set)"),
    ((1, [2, (3, object())]), {}, "argument 2 is not plain data (a value of type object at [1][1])"),
    ((), {"table": {1: 2}}, "argument table= is not plain data (a dict key of type int)"),
    ((np.array(["a"]),), {}, "argument 1 is not plain data (an array of dtype <U1)"),
    ((np.array([1], dtype=object),), {}, "argument 1 is not plain data (an array of dtype object)"),
    ((lambda: 1,), {}, "argument 1 is not plain data (a value of type function)"),
])
def test_non_plain_arguments_are_the_instructors_mistake(args: tuple, kwargs: dict, problem: str) -> None:
    with StudentModules({"cnn": "cnn.py"}, echo) as students:
        from cnn import f  # type: ignore[import-not-found]

        with pytest.raises(NotPlainData) as error:
            f(*args, **kwargs)
        assert isinstance(error.value, TypeError)
        assert str(error.value).startswith(f"f(): {problem}; use numbers")
        assert students.faults() == (str(error.value),)
        students.new_window()
        assert students.faults() == ()


def test_plain_arguments_pass_including_numpy_values() -> None:
    with StudentModules({"cnn": "cnn.py"}, lambda *call: "ok"):
        from cnn import f  # type: ignore[import-not-found]

        assert f(np.int64(3), np.float32(0.5), np.zeros((2, 2)), True, None, "s", [1, (2.5,)], {"k": [1]}) == "ok"


@pytest.mark.parametrize("value", [object(), np.int64(3), {1: 2}, [1, {2}], np.array(["a"])])
def test_a_callback_returning_non_plain_values_is_a_grader_fault(value: Any) -> None:
    with StudentModules({"cnn": "cnn.py"}, lambda *call: value) as students:
        from cnn import f  # type: ignore[import-not-found]

        with pytest.raises(NotPlainData, match="the call callback returned"):
            f()
        assert len(students.faults()) == 1


def test_a_failing_callback_is_a_grader_fault() -> None:
    def broken(*call: Any) -> Any:
        raise OSError("the sandbox folder vanished")

    with StudentModules({"cnn": "cnn.py"}, broken) as students:
        from cnn import f  # type: ignore[import-not-found]

        with pytest.raises(OSError):
            f()
        (fault,) = students.faults()
        assert fault.startswith("calling f failed in the grader:") and "the sandbox folder vanished" in fault


def test_student_errors_keep_their_builtin_type_for_assert_raises() -> None:
    def raising(file: str, function: str, args: tuple, kwargs: dict) -> Any:
        raise StudentError(args[0], "bad", "cnn.py, line 3")

    with StudentModules({"cnn": "cnn.py"}, raising):
        from cnn import f  # type: ignore[import-not-found]

        with pytest.raises(ValueError) as error:
            f("ValueError")
        assert isinstance(error.value, StudentError)
        assert str(error.value) == "Your function f raised ValueError: bad (cnn.py, line 3)"
        with pytest.raises(KeyError):
            f("KeyError")
        with pytest.raises(OSError):
            f("FileNotFoundError")
        for unmapped in ("AssertionError", "StopIteration", "SystemExit", "UnicodeDecodeError", "MyError",
                         "numpy.linalg.LinAlgError", "__import__"):
            with pytest.raises(StudentError) as error:
                f(unmapped)
            assert type(error.value) is StudentError and error.value.type_name == unmapped


def test_raised_by_names_the_function() -> None:
    error = raised_by("conv", StudentError("ZeroDivisionError", "", None))
    assert isinstance(error, ZeroDivisionError) and str(error) == "Your function conv raised ZeroDivisionError"
    assert str(StudentError("E", "m")) == "Your function raised E: m"


def test_call_failures_pass_through_with_the_students_message() -> None:
    def hanging(*call: Any) -> Any:
        raise StudentCallFailed("Your code did not finish within 2.0 s.")

    with StudentModules({"cnn": "cnn.py"}, hanging):
        from cnn import f  # type: ignore[import-not-found]

        with pytest.raises(StudentCallFailed) as error:
            f()
        assert str(error.value) == "Your code did not finish within 2.0 s." and error.value.__suppress_context__


def test_each_window_has_its_own_time_budget() -> None:
    now = [0.0]
    with StudentModules({"cnn": "cnn.py"}, lambda *call: 1, window_seconds=5, clock=lambda: now[0]) as students:
        from cnn import f  # type: ignore[import-not-found]

        now[0] = 5.0
        assert f() == 1
        now[0] = 5.5
        with pytest.raises(StudentCallFailed, match="ran past its time limit of 5 s, so f was not called again"):
            f()
        students.new_window()
        assert f() == 1
