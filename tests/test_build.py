"""autograder.zip: built for one problem set, then checked by unpacking it and grading the examples with the
zip's own code, laid out as Gradescope lays it out."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import zipfile
from pathlib import Path

import pytest

from grader.build import (BuildError, CheckReport, build_zip, check_zip, problem_location, relocated,
                          score_differences, zip_bytes)

EXAMPLES = Path("submissions_example")
ROOT_FILES = ["README.md", "pyproject.toml", "run_autograder", "setup.sh"]


@pytest.fixture(scope="module")
def zips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Built from this checkout as it is, often dirty while developing (git handling: test_build_git.py)."""
    folder = tmp_path_factory.mktemp("zips")
    return {name: build_zip(Path(f"problems/{name}.yaml"), folder / f"{name}.zip", allow_dirty=True).zip_path
            for name in ("ps3", "cnn_code")}


def members(path: Path) -> dict[str, tuple[bytes, int]]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: (archive.read(info), stat.S_IMODE(info.external_attr >> 16))
                for info in archive.infolist()}


def rezipped(source: Path, out: Path, **changes: tuple[bytes, int] | None) -> Path:
    """A copy of a built zip with entries replaced (``name=(data, mode)``) or removed (``name=None``);
    names with dots or slashes are passed as ``{"grader/__main__.py": ...}``."""
    entries = members(source)
    for name, change in changes.items():
        if change is None:
            entries.pop(name)
        else:
            entries[name] = change
    out.write_bytes(zip_bytes(entries))
    return out


def package_files() -> set[str]:
    """The checkout's package files as git lists them (tracked, or untracked and not ignored)."""
    command = ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "grader"]
    listed = subprocess.run(command, capture_output=True, check=True).stdout.decode("utf-8").split("\0")
    return {name for name in listed if name and Path(name).is_file() and "__pycache__" not in name
            and not name.endswith((".pyc", ".pyo"))}


def failed(report: CheckReport) -> list[str]:
    return [check.what for check in report.failures]


# --- the zip's contents ----------------------------------------------------------------------------------

def test_ps3_zip_holds_the_scripts_the_package_and_only_its_problem_file(zips: dict[str, Path]) -> None:
    names = list(members(zips["ps3"]))
    assert names == sorted(names)
    assert set(ROOT_FILES) <= set(names)
    assert {name for name in names if name.startswith("grader/")} == package_files()
    assert [name for name in names if name.startswith("problems/")] == ["problems/ps3.yaml"]
    assert set(names) == set(ROOT_FILES) | package_files() | {"problems/ps3.yaml", "BUILD_INFO.json"}
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]


def test_cnn_code_zip_brings_its_unittest_file_at_the_same_relative_path(zips: dict[str, Path]) -> None:
    entries = members(zips["cnn_code"])
    assert [name for name in entries if name.startswith("problems/")] == [
        "problems/cnn_code.yaml", "problems/unittests_example/test_cnn.py"]
    assert entries["problems/unittests_example/test_cnn.py"][0] == \
        Path("problems/unittests_example/test_cnn.py").read_bytes()
    assert not [name for name in entries if "solution" in name or name.endswith(".ipynb")]


def test_scripts_are_executable_with_lf_endings_and_everything_else_is_0644(zips: dict[str, Path]) -> None:
    with zipfile.ZipFile(zips["cnn_code"]) as archive:
        for info in archive.infolist():
            assert info.create_system == 3, info.filename  # Unix: unzip restores the modes
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
            expected = 0o755 if info.filename in ("run_autograder", "setup.sh") else 0o644
            assert info.external_attr >> 16 == stat.S_IFREG | expected, info.filename
            if info.filename in ("run_autograder", "setup.sh"):
                assert b"\r" not in archive.read(info)


def test_run_autograder_names_the_problem_file_and_is_otherwise_unchanged(zips: dict[str, Path]) -> None:
    original = Path("run_autograder").read_text(encoding="utf-8").splitlines()
    for name, zipped in zips.items():
        lines = members(zipped)["run_autograder"][0].decode("utf-8").splitlines()
        assert [line for line in lines if line.startswith("PROBLEM_SET=")] == [f'PROBLEM_SET="problems/{name}.yaml"']
        assert [line for line in lines if not line.startswith("PROBLEM_SET=")] == \
            [line for line in original if not line.startswith("PROBLEM_SET=")]


@pytest.mark.skipif(shutil.which("unzip") is None, reason="needs Info-ZIP unzip (what Gradescope uses)")
def test_unzip_restores_the_exec_bits(zips: dict[str, Path], tmp_path: Path) -> None:
    subprocess.run(["unzip", "-q", str(zips["ps3"]), "-d", str(tmp_path)], check=True)
    assert os.access(tmp_path / "run_autograder", os.X_OK) and os.access(tmp_path / "setup.sh", os.X_OK)
    assert not os.access(tmp_path / "README.md", os.X_OK)


def test_the_zip_is_deterministic(zips: dict[str, Path], tmp_path: Path) -> None:
    again = build_zip(Path("problems/ps3.yaml"), tmp_path / "again.zip", allow_dirty=True)
    assert again.zip_path.read_bytes() == zips["ps3"].read_bytes()
    assert again.ok and again.problem_path == "problems/ps3.yaml"
    assert any("problems/ps3.yaml" in line for line in again.lines())


def test_a_problem_file_outside_problems_goes_into_problems(tmp_path: Path) -> None:
    shutil.copy("problems/ps3.yaml", tmp_path / "week3.yaml")
    assert problem_location(tmp_path / "week3.yaml") == "problems/week3.yaml"
    report = build_zip(tmp_path / "week3.yaml", tmp_path / "out" / "autograder.zip", allow_dirty=True)
    assert [name for name in report.entries if name.startswith("problems/")] == ["problems/week3.yaml"]
    assert b'PROBLEM_SET="problems/week3.yaml"' in members(report.zip_path)["run_autograder"][0]


def test_an_invalid_problem_file_is_refused_with_its_errors(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(Path("problems/ps3.yaml").read_text(encoding="utf-8").replace(
        "solver: linear_params", "solver: no_such_solver", 1), encoding="utf-8")
    with pytest.raises(BuildError) as raised:
        build_zip(broken, tmp_path / "autograder.zip")
    assert any(error.startswith(f"{broken}:") and "no_such_solver" in error for error in raised.value.errors)
    assert not (tmp_path / "autograder.zip").exists()


def test_a_unittest_file_outside_problems_is_refused(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    shutil.copy("problems/unittests_example/test_cnn.py", tmp_path / "tests" / "test_cnn.py")
    (tmp_path / "sets").mkdir()
    problem = tmp_path / "sets" / "cnn.yaml"
    problem.write_text(Path("problems/cnn_code.yaml").read_text(encoding="utf-8").replace(
        "file: unittests_example/test_cnn.py", "file: ../tests/test_cnn.py"), encoding="utf-8")
    with pytest.raises(BuildError, match="outside problems/"):
        build_zip(problem, tmp_path / "autograder.zip")


# --- checking a zip --------------------------------------------------------------------------------------

def test_check_grades_every_ps3_example_with_the_zip(zips: dict[str, Path]) -> None:
    report = check_zip(zips["ps3"], Path("problems/ps3.yaml"), EXAMPLES)
    assert report.ok, "\n".join(report.lines())
    ran = [check.what for check in report.checks if check.what.startswith("example ")]
    examples = sorted(path.name for path in (EXAMPLES / "ps3").iterdir() if (path / "submission").is_dir())
    assert ran == [f"example ps3/{name} scores as stored when graded by the zip" for name in examples]
    assert "bash -n run_autograder" in [check.what for check in report.checks]
    assert report.lines()[-1].endswith("ready to upload")


def test_check_runs_student_code_from_cnn_code_examples(zips: dict[str, Path]) -> None:
    report = check_zip(zips["cnn_code"], Path("problems/cnn_code.yaml"), EXAMPLES, names=["full_marks", "crashing"])
    assert report.ok, "\n".join(report.lines())
    assert sum(check.what.startswith("example cnn_code/") for check in report.checks) == 2


def test_the_code_that_grades_is_the_zips(zips: dict[str, Path], tmp_path: Path) -> None:
    """A zip whose own grader cannot run fails the check, although the checkout's grader is fine."""
    broken = rezipped(zips["ps3"], tmp_path / "broken.zip",
                      **{"grader/__main__.py": (b"raise SystemExit(3)\n", 0o644)})
    report = check_zip(broken, Path("problems/ps3.yaml"), EXAMPLES, names=["full_marks"])
    assert failed(report) == ["example ps3/full_marks scores as stored when graded by the zip"]
    assert "fallback" in report.failures[0].detail and "exit status 3" in report.failures[0].detail


def test_a_zip_without_the_grader_package_is_not_graded_by_the_checkouts(zips: dict[str, Path],
                                                                        tmp_path: Path) -> None:
    package = {name: None for name in members(zips["ps3"]) if name.startswith("grader/")}
    broken = rezipped(zips["ps3"], tmp_path / "broken.zip", **package)
    report = check_zip(broken, Path("problems/ps3.yaml"), EXAMPLES)
    probe = next(check for check in report.failures if check.what.startswith("the zip's own grader"))
    assert "not the zip's copy" in probe.detail
    assert not [check for check in report.checks if check.what.startswith("example ps3/")]
    assert "example submissions graded by the zip" in failed(report)


def test_a_zip_without_run_autograder_is_reported(zips: dict[str, Path], tmp_path: Path) -> None:
    broken = rezipped(zips["ps3"], tmp_path / "broken.zip", run_autograder=None)
    report = check_zip(broken, Path("problems/ps3.yaml"), EXAMPLES, names=["full_marks"])
    assert not report.ok
    assert failed(report) == ["run_autograder at the zip root", "example submissions graded by the zip"]
    assert "missing" in report.failures[0].detail


def test_a_crlf_run_autograder_is_reported_and_fails_to_run(zips: dict[str, Path], tmp_path: Path) -> None:
    script = members(zips["ps3"])["run_autograder"][0].replace(b"\n", b"\r\n")
    broken = rezipped(zips["ps3"], tmp_path / "broken.zip", run_autograder=(script, 0o755))
    report = check_zip(broken, Path("problems/ps3.yaml"), EXAMPLES, names=["full_marks"])
    assert "run_autograder has LF line endings only" in failed(report)
    assert "example ps3/full_marks scores as stored when graded by the zip" in failed(report)
    assert "carriage returns" in next(check.detail for check in report.failures if "LF" in check.what)


def test_scripts_without_exec_bits_or_with_bad_syntax_are_reported(zips: dict[str, Path], tmp_path: Path) -> None:
    entries = members(zips["ps3"])
    broken = rezipped(zips["ps3"], tmp_path / "broken.zip", **{
        "setup.sh": (entries["setup.sh"][0], 0o644),
        "run_autograder": (entries["run_autograder"][0] + b"if then fi (\n", 0o755)})
    report = check_zip(broken, Path("problems/ps3.yaml"), EXAMPLES, names=[])
    assert {"setup.sh is executable (0755)", "bash -n run_autograder"} <= set(failed(report))
    assert "example submissions to grade" in failed(report)


def test_a_zip_built_for_another_problem_set_is_reported(zips: dict[str, Path]) -> None:
    report = check_zip(zips["ps3"], Path("problems/hw003.yaml"), EXAMPLES, names=[])
    check = next(check for check in report.failures if "PROBLEM_SET" in check.what)
    assert "differs from problems/hw003.yaml" in check.detail


def test_a_wrong_command_in_run_autograder_is_reported(zips: dict[str, Path], tmp_path: Path) -> None:
    script = members(zips["ps3"])["run_autograder"][0].replace(b"--root /autograder", b"--root /tmp")
    broken = rezipped(zips["ps3"], tmp_path / "broken.zip", run_autograder=(script, 0o755))
    report = check_zip(broken, Path("problems/ps3.yaml"), EXAMPLES, names=[])
    assert any(what.startswith("run_autograder runs `python -m grader gradescope") for what in failed(report))


def test_not_a_zip_or_an_invalid_problem_file_is_invalid_input(zips: dict[str, Path], tmp_path: Path) -> None:
    (tmp_path / "not.zip").write_text("hello", encoding="utf-8")
    with pytest.raises(BuildError, match="cannot read the zip"):
        check_zip(tmp_path / "not.zip", Path("problems/ps3.yaml"), EXAMPLES)
    (tmp_path / "bad.yaml").write_text("id: x\n", encoding="utf-8")
    with pytest.raises(BuildError):
        check_zip(zips["ps3"], tmp_path / "bad.yaml", EXAMPLES)


def test_relocated_moves_only_the_container_paths(tmp_path: Path) -> None:
    script = Path("run_autograder").read_bytes()
    moved = relocated(script, tmp_path / "autograder").decode("utf-8")
    commands = "\n".join(line for line in moved.splitlines() if not line.lstrip().startswith("#"))
    assert "/autograder" not in commands.replace(str(tmp_path / "autograder"), "")
    assert f'--root {tmp_path / "autograder"}' in moved and "/opt/cnn-grader/venv" in moved


def test_score_differences_name_the_test() -> None:
    stored = {"score": 2.0, "tests": [{"number": "1.1", "score": 1.0, "max_score": 1.0},
                                      {"number": "1.2", "score": 1.0, "max_score": 1.0}]}
    got = {"score": 1.5, "tests": [{"number": "1.1", "score": 1.0, "max_score": 1.0},
                                   {"number": "1.2", "score": 0.5, "max_score": 1.0}]}
    assert score_differences(got, stored) == ["total 1.5, stored 2.0", "test 1.2: 0.5 of 1, stored 1 of 1"]
    assert score_differences(stored, stored) == []
