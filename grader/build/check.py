"""Check a built zip as Gradescope runs it: its layout and scripts, then every example graded by the unpacked
zip's own code in a Gradescope-like layout."""

from __future__ import annotations

import json
import os
import posixpath
import re
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Collection

from grader.build.report import (BuildError, Check, CheckReport, FALLBACK, GRADESCOPE_ARGS, METADATA,
                                 OUTPUT_TAIL, PROBLEM_SET_LINE, REGULAR, REQUIRED, SAFE_PATH, SCRIPTS, UNIX,
                                 VENV_PYTHON)
from grader.problems.loader import ProblemSetError, load_problem_set
from grader.results.gradescope import GradescopeResults

# --- check: the zip's layout and scripts -----------------------------------------------------------------

Members = dict[str, tuple[bytes, int]]


def check_zip(zip_path: Path, problem_file: Path, examples: Path, *, names: Collection[str] | None = None,
              venv: Path | None = None, timeout: float = 600.0) -> CheckReport:
    """Check ``zip_path`` for ``problem_file``: its layout and scripts, then every example submission under
    ``examples/<problem set id>/`` (only ``names``, when given) graded by the unpacked zip as Gradescope
    would, in ``venv`` (default: the venv of this interpreter). Raises BuildError for unusable input."""
    zip_path, problem_file, examples = Path(zip_path), Path(problem_file), Path(examples)
    try:
        problem_set = load_problem_set(problem_file)
    except ProblemSetError as error:
        raise BuildError([str(item) for item in error.errors]) from None
    members, checks = _read_zip(zip_path)
    problem_path, script_checks = _check_run_autograder(members, problem_file)
    checks += script_checks
    venv = Path(venv) if venv is not None else Path(sys.executable).parent.parent
    with tempfile.TemporaryDirectory(prefix="grader-check-") as folder:
        unpacked = Path(folder) / "unpacked"
        _unpack(members, unpacked)
        checks += [_syntax(unpacked / name) for name in SCRIPTS if name in members]
        if problem_path is None:
            checks.append(Check("example submissions graded by the zip", False,
                                "not run: run_autograder names no problem file in the zip"))
        else:
            checks.append(_named_files_check(members, problem_set, problem_file, problem_path))
            probe, own_package = _probe(unpacked, problem_path, venv, Path(folder))
            checks.append(probe)
            cases = _examples(examples, problem_set.id, names, checks) if own_package else []
            if not own_package:
                checks.append(Check("example submissions graded by the zip", False,
                                    "not run: they would be graded by another copy of the grader"))
            for index, (label, case) in enumerate(cases):
                layout = Path(folder) / f"run-{index}" / "autograder"
                checks.append(_run_example(label, case, unpacked, layout, venv, timeout))
    return CheckReport(zip_path=zip_path, problem_set_id=problem_set.id, checks=tuple(checks))


def _read_zip(zip_path: Path) -> tuple[Members, list[Check]]:
    try:
        archive = zipfile.ZipFile(zip_path)
    except (OSError, zipfile.BadZipFile) as error:
        raise BuildError([f"{zip_path}: cannot read the zip: {error}"]) from None
    members: Members = {}
    unsafe, links, modes = [], [], {}
    with archive:
        for info in archive.infolist():
            name = info.filename
            if info.is_dir():
                continue
            parts = name.split("/")
            if name.startswith("/") or "\\" in name or ".." in parts or "" in parts or name in members:
                unsafe.append(name)
                continue
            mode = info.external_attr >> 16 if info.create_system == UNIX else 0
            if stat.S_ISLNK(mode):
                links.append(name)
                continue
            members[name] = (archive.read(info), stat.S_IMODE(mode))
            modes[name] = (info.create_system, stat.S_IMODE(mode))
    checks = [Check("entry names are relative paths, each once", not unsafe, _listing(unsafe)),
              Check("no links in the zip", not links, _listing(links))]
    for name in REQUIRED:
        where = "at the zip root" if "/" not in name else "in the zip"
        checks.append(Check(f"{name} {where}", name in members,
                            "" if name in members else "missing (zip the files, not their folder)"))
    cached = [name for name in members if "__pycache__/" in name or name.endswith((".pyc", ".pyo"))]
    checks.append(Check("no __pycache__ or compiled files", not cached, _listing(cached)))
    for name in SCRIPTS:
        if name in members:
            checks += _script_checks(name, members[name][0], *modes[name])
    return members, checks


def _listing(names: list[str], limit: int = 10) -> str:
    return ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _script_checks(name: str, data: bytes, system: int, mode: int) -> list[Check]:
    executable = system == UNIX and mode & 0o111 == 0o111
    why = ("no Unix mode recorded (made on another system): unzip will not make it executable"
           if system != UNIX else f"mode {mode:04o}")
    crlf = data.count(b"\r")
    return [Check(f"{name} is executable (0755)", executable, "" if executable else why),
            Check(f"{name} has LF line endings only", not crlf,
                  f"{crlf} carriage returns: the shebang line breaks on Gradescope" if crlf else ""),
            Check(f"{name} starts with a #! line", data.startswith(b"#!"), "")]


def _check_run_autograder(members: Members, problem_file: Path) -> tuple[str | None, list[Check]]:
    """Whether run_autograder names this problem file and hands over to ``python -m grader gradescope``."""
    if "run_autograder" not in members:
        return None, []
    text = members["run_autograder"][0].decode("utf-8", errors="replace").replace("\r\n", "\n")
    checks = [_command_check(text), _fallback_check(text)]
    found = PROBLEM_SET_LINE.findall(text)
    what = "run_autograder's PROBLEM_SET names this problem file"
    try:
        values = shlex.split(found[0]) if len(found) == 1 else []
    except ValueError:
        values = []
    if len(values) != 1 or not SAFE_PATH.fullmatch(values[0]):
        return None, [*checks, Check(what, False, f"expected one PROBLEM_SET=\"problems/...\" line, found "
                                                  f"{found or 'none'}")]
    path = values[0]
    if path not in members:
        return None, [*checks, Check(what, False, f"PROBLEM_SET={path}, which is not in the zip")]
    same = members[path][0] == problem_file.read_bytes()
    return path, [*checks, Check(what, same, f"PROBLEM_SET={path}" + (
        "" if same else f", which differs from {problem_file}: rebuild the zip"))]


def _named_files_check(members: Members, problem_set: Any, problem_file: Path, problem_path: str) -> Check:
    """The files the problem set names (its unittest files) are in the zip beside it, as in the checkout."""
    folder = posixpath.dirname(problem_path)
    problems = []
    for suite in problem_set.unittests:
        name = posixpath.normpath(posixpath.join(folder, suite.file))
        if name not in members:
            problems.append(f"{name}: missing")
        elif members[name][0] != (problem_file.parent / suite.file).read_bytes():
            problems.append(f"{name}: differs from {problem_file.parent / suite.file}")
    if not problem_set.unittests:
        return Check("the problem set names no other files", True)
    return Check("the files the problem set names are in the zip, unchanged", not problems, "\n".join(problems))


def _command_check(text: str) -> Check:
    what = ("run_autograder runs `python -m grader gradescope --root /autograder "
            "--problems /autograder/source/$PROBLEM_SET`")
    logical = text.replace("\\\n", " ").splitlines()
    commands = [line.strip() for line in logical if line.strip().startswith("exec ")]
    if len(commands) != 1:
        return Check(what, False, f"expected one exec line, found {len(commands)}")
    try:
        words = shlex.split(commands[0])
    except ValueError as error:
        return Check(what, False, f"{commands[0]}: {error}")
    good = len(words) >= 2 and bool(VENV_PYTHON.fullmatch(words[1])) and words[2:] == GRADESCOPE_ARGS
    return Check(what, good, "" if good else f"found: {commands[0]}")


def _fallback_check(text: str) -> Check:
    what = "run_autograder writes a valid fallback results.json before grading"
    found = FALLBACK.search(text)
    exec_at = text.find("\nexec ")
    if found is None or (exec_at >= 0 and found.start() > exec_at):
        return Check(what, False, "no <<'JSON' here-document before the exec line")
    problem = _results_problem(found.group(1))
    return Check(what, problem is None, problem or "")


def _unpack(members: Members, folder: Path) -> None:
    for name, (data, mode) in members.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        target.chmod(mode or REGULAR)


def _syntax(script: Path) -> Check:
    ran = _run(["bash", "-n", str(script)], cwd=script.parent, env=dict(os.environ), timeout=30)
    return Check(f"bash -n {script.name}", ran.returncode == 0, "" if ran.returncode == 0 else ran.tail)


# --- check: grading with the unpacked zip ----------------------------------------------------------------

PROBE = ("import sys, grader, grader.cli\n"
         "print('GRADER_PACKAGE=' + grader.__file__, flush=True)\n"
         "sys.exit(grader.cli.main(['validate', sys.argv[1]]))\n")


def _probe(source: Path, problem_path: str, venv: Path, cwd: Path) -> tuple[Check, bool]:
    """Whether the unpacked source's own grader is the one imported (the check, and that alone), and it
    finds the problem file valid."""
    what = "the zip's own grader package is imported and validates the problem file"
    python = venv / "bin" / "python"
    if not python.exists():
        return Check(what, False, f"no interpreter at {python} (pass the venv the grader is installed in)"), False
    ran = _run([str(python), "-c", PROBE, str(source / problem_path)], cwd=cwd,
               env=_environment(source, venv), timeout=120)
    imported = next((line.split("=", 1)[1] for line in ran.output.splitlines()
                     if line.startswith("GRADER_PACKAGE=")), None)
    if imported is None or not Path(imported).resolve().is_relative_to(source.resolve()):
        return Check(what, False, f"imported {imported or 'nothing'}, not the zip's copy\n{ran.tail}"), False
    return Check(what, ran.returncode == 0, "" if ran.returncode == 0 else ran.tail), True


def _examples(root: Path, problem_set_id: str, names: Collection[str] | None,
              checks: list[Check]) -> list[tuple[str, Path]]:
    folder = root / problem_set_id
    cases = sorted(path for path in folder.glob("*") if (path / "submission").is_dir())
    if names is not None:
        unknown = sorted(set(names) - {case.name for case in cases})
        if unknown:
            checks.append(Check("the requested examples exist", False, f"not in {folder}: {', '.join(unknown)}"))
        cases = [case for case in cases if case.name in set(names)]
    if not cases:
        checks.append(Check("example submissions to grade", False, f"none under {folder}"))
    return [(f"{problem_set_id}/{case.name}", case) for case in cases]


def _run_example(label: str, case: Path, unpacked: Path, root: Path, venv: Path, timeout: float) -> Check:
    """A fresh container for one example: the upload, metadata, ``run_autograder`` run with cwd ``root``."""
    what = f"example {label} scores as stored when graded by the zip"
    expected_file = case / "expected_results.json"
    if not expected_file.is_file():
        return Check(what, False, f"no {expected_file}")
    shutil.copytree(unpacked, root / "source", symlinks=True)
    shutil.copytree(case / "submission", root / "submission", symlinks=True)
    (root / "results").mkdir()
    (root / "submission_metadata.json").write_text(json.dumps(METADATA, indent=2) + "\n", encoding="utf-8")
    script = unpacked / "run_autograder"
    runner = root / "run_autograder"
    runner.write_bytes(relocated(script.read_bytes(), root))
    runner.chmod(stat.S_IMODE(script.stat().st_mode))
    ran = _run([str(runner)], cwd=root, env=_environment(root / "source", venv), timeout=timeout)
    results_file = root / "results" / "results.json"
    if not results_file.is_file():
        return Check(what, False, f"no results.json ({ran.status})\n{ran.tail}")
    text = results_file.read_text(encoding="utf-8", errors="replace")
    problem = _results_problem(text)
    if problem is not None:
        return Check(what, False, f"results.json is invalid: {problem}\n{ran.tail}")
    results = json.loads(text)
    if results.get("extra_data", {}).get("fallback"):
        return Check(what, False, f"results.json is run_autograder's fallback: grading never finished "
                                  f"({ran.status})\n{ran.tail}")
    differences = score_differences(results, json.loads(expected_file.read_text(encoding="utf-8")))
    summary = f"{results['score']:g} points, {len(results['tests'])} tests, {ran.seconds:.1f} s"
    return Check(what, not differences, "\n".join(differences) if differences else summary)


def relocated(script: bytes, root: Path) -> bytes:
    """``run_autograder`` with its absolute ``/autograder`` paths moved to ``root`` (a temporary folder)."""
    text = script.decode("utf-8", errors="surrogateescape")
    moved = re.sub(r"(?<![\w./-])/autograder(?![\w.-])", lambda _: str(root), text)
    return moved.encode("utf-8", errors="surrogateescape")


def _environment(source: Path, venv: Path) -> dict[str, str]:
    """This process's environment, with the venv run_autograder should use and the unpacked source first on
    the import path (on Gradescope setup.sh installs that same source into the venv)."""
    environment = {name: value for name, value in os.environ.items()
                   if name not in ("PYTHONHOME", "PYTHONSTARTUP", "PYTHONSAFEPATH", "PYTHONPATH")}
    environment.update(GRADER_VENV=str(venv), PYTHONPATH=str(source), PYTHONDONTWRITEBYTECODE="1",
                       GRADER_GPU="off")  # the stored results are Gradescope's, made without a GPU
    return environment


@dataclass(frozen=True)
class _Ran:
    returncode: int | None
    output: str
    seconds: float
    status: str

    @property
    def tail(self) -> str:
        lines = self.output.strip().splitlines()
        return "\n".join(lines[-20:])


def _run(command: list[str], *, cwd: Path, env: dict[str, str], timeout: float) -> _Ran:
    """Run with output captured, in a session of its own, killed as a group after ``timeout`` seconds."""
    import time

    started = time.perf_counter()
    with tempfile.TemporaryFile() as output:
        try:
            process = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=output,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        except OSError as error:
            return _Ran(None, f"cannot run {command[0]}: {error}", 0.0, "not started")
        try:
            returncode: int | None = process.wait(timeout=timeout)
            status = f"exit status {returncode}"
        except subprocess.TimeoutExpired:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait()
            returncode, status = None, f"killed after {timeout:g} s"
        output.seek(0)
        text = output.read()[-OUTPUT_TAIL:].decode("utf-8", errors="replace")
    return _Ran(returncode, text, time.perf_counter() - started, status)


# --- results ---------------------------------------------------------------------------------------------

def _refuse(name: str) -> None:
    raise ValueError(f"{name} is not strict JSON")


def _results_problem(text: str) -> str | None:
    """Why a results.json text is not a strict, valid Gradescope results file (None when it is)."""
    try:
        data = json.loads(text, parse_constant=_refuse)
        GradescopeResults.model_validate(data)
    except ValueError as error:  # json's, _refuse's and pydantic's errors are all ValueErrors
        return str(error)
    return None


def strict_results(path: Path) -> tuple[dict[str, Any] | None, str | None]:
    """A results.json file read strictly and validated: (results, None), or (None, why not)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return None, f"cannot read {path}: {error}"
    problem = _results_problem(text)
    return (None, problem) if problem is not None else (json.loads(text), None)


def score_differences(results: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    """How the scores of two results.json documents differ: the total, then each test by number."""
    differences = []
    if results.get("score") != expected.get("score"):
        differences.append(f"total {results.get('score')}, stored {expected.get('score')}")
    got, stored = _by_number(results), _by_number(expected)
    for number in sorted(set(got) | set(stored), key=_number_order):
        mine, theirs = got.get(number), stored.get(number)
        if mine is None:
            differences.append(f"test {number}: missing (stored {theirs[0]:g} of {theirs[1]:g})")
        elif theirs is None:
            differences.append(f"test {number}: not in the stored results ({mine[0]:g} of {mine[1]:g})")
        elif mine != theirs:
            differences.append(f"test {number}: {mine[0]:g} of {mine[1]:g}, stored {theirs[0]:g} of {theirs[1]:g}")
    return differences


def _by_number(results: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """Score and max score per test number (tests sharing a number are summed, so nothing is lost)."""
    scores: dict[str, tuple[float, float]] = {}
    for test in results.get("tests", []):
        number = str(test.get("number", test.get("name", "?")))
        score, maximum = scores.get(number, (0.0, 0.0))
        scores[number] = (round(score + float(test.get("score", 0.0)), 2),
                          round(maximum + float(test.get("max_score", 0.0)), 2))
    return scores


def _number_order(number: str) -> tuple[Any, ...]:
    return tuple((0, int(piece), "") if piece.isdigit() else (1, 0, piece) for piece in number.split("."))
