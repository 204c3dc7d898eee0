"""Package one problem set as Gradescope's ``autograder.zip``, and check a built zip the way Gradescope runs it.

``build_zip`` writes ``setup.sh`` and ``run_autograder`` at the zip's root (LF endings, mode 0755), then
``pyproject.toml``, ``README.md``, the ``grader`` package and, from ``problems/``, only the problem file and
the files it names (its unittest files), at the same relative paths. ``run_autograder``'s ``PROBLEM_SET``
line is set to the problem file. The zip is deterministic: sorted entries, fixed timestamps and modes.

``check_zip`` unpacks a zip into a temporary Gradescope layout (``<tmp>/autograder/source``, ``submission``,
``results``, ``submission_metadata.json``) and grades every example submission of the problem set with the
unpacked ``run_autograder`` (its ``/autograder`` paths moved to the temporary root) and the unpacked
``grader`` package, in the already-installed venv instead of running ``setup.sh``: the code that grades is
the zip's, never the checkout's. Each results.json must be strict, valid and score as stored.
"""

from __future__ import annotations

import hashlib
import io
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
from typing import Any, Collection, Iterator

from grader.problems.loader import ProblemSetError, load_problem_set, validate_file
from grader.results.gradescope import GradescopeResults

SCRIPTS = ("run_autograder", "setup.sh")
ROOT_FILES = ("README.md", "pyproject.toml", "run_autograder", "setup.sh")
PACKAGE = "grader"
PROBLEMS = "problems"
REQUIRED = (*ROOT_FILES, f"{PACKAGE}/__init__.py", f"{PACKAGE}/__main__.py", f"{PACKAGE}/cli.py")
SOURCE_ROOT = Path(__file__).resolve().parent.parent
"""The checkout (or unpacked source) this package sits in: where the zip's files come from."""

FIXED_TIME = (1980, 1, 1, 0, 0, 0)
EXECUTABLE, REGULAR = 0o755, 0o644
UNIX = 3
SAFE_PATH = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./+-]*")
"""Zip paths we write: safe inside the double quotes of ``PROBLEM_SET="..."`` and in any shell."""
PROBLEM_SET_LINE = re.compile(r"^PROBLEM_SET=(.*)$", re.MULTILINE)
FALLBACK = re.compile(r"<<\s*'?JSON'?\n(.*?)\nJSON$", re.MULTILINE | re.DOTALL)
VENV_PYTHON = re.compile(r"\$\{GRADER_VENV:-[^}]+\}/bin/python3?")
GRADESCOPE_ARGS = ["-m", "grader", "gradescope", "--root", "/autograder",
                   "--problems", "/autograder/source/$PROBLEM_SET"]
OUTPUT_TAIL = 4000

METADATA = {
    "id": 123456789,
    "created_at": "2024-03-01T12:00:00.000000-08:00",
    "assignment": {"id": 424242, "title": "autograder check", "due_date": "2024-03-08T23:59:00.000000-08:00",
                   "late_due_date": None, "release_date": "2024-02-23T00:00:00.000000-08:00",
                   "total_points": "100.0", "group_size": None, "group_submission": False, "course_id": 4242},
    "submission_method": "upload",
    "users": [{"email": "student@example.edu", "id": 1001, "name": "A Student", "sid": "S1001"}],
    "previous_submissions": [],
}
"""A plausible, on-time Gradescope submission_metadata.json for the check's runs."""


class BuildError(Exception):
    """The input cannot be packaged or checked (an invalid problem file, a missing source file, not a zip):
    the CLI reports ``errors`` and exits 2."""

    def __init__(self, errors: Collection[str]):
        self.errors = tuple(errors)
        super().__init__("\n".join(self.errors))


@dataclass(frozen=True)
class Check:
    """One thing verified: what, whether it held, and why not (or what was seen)."""

    what: str
    passed: bool
    detail: str = ""

    def lines(self) -> list[str]:
        head = f"{'ok  ' if self.passed else 'FAIL'} {self.what}"
        return [head, *(f"       {line}" for line in self.detail.splitlines())]


@dataclass(frozen=True)
class BuildReport:
    zip_path: Path
    problem_set_id: str
    problem_path: str
    """The problem file's path inside the zip (what ``PROBLEM_SET`` names)."""
    entries: tuple[str, ...]
    size: int
    sha256: str
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return True  # a build either writes a zip or raises BuildError

    def lines(self) -> list[str]:
        problems = [name for name in self.entries if name.startswith(f"{PROBLEMS}/")]
        return [f"wrote {self.zip_path}: {len(self.entries)} files, {self.size / 1024:.1f} KiB, "
                f"sha256 {self.sha256[:16]}",
                f"  problem set {self.problem_set_id}: run_autograder grades {self.problem_path}",
                f"  from {PROBLEMS}/: {', '.join(problems)}",
                *(f"  note: {note}" for note in self.notes)]


@dataclass(frozen=True)
class CheckReport:
    zip_path: Path
    problem_set_id: str
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(check.passed for check in self.checks)

    @property
    def failures(self) -> tuple[Check, ...]:
        return tuple(check for check in self.checks if not check.passed)

    def lines(self) -> list[str]:
        lines = [f"check of {self.zip_path} for problem set {self.problem_set_id}:"]
        for check in self.checks:
            lines += check.lines()
        verdict = ("ready to upload" if self.ok else
                   f"{len(self.failures)} of {len(self.checks)} checks failed: do not upload it")
        return [*lines, f"{self.zip_path}: {verdict}"]


# --- build -----------------------------------------------------------------------------------------------

def build_zip(problem_file: Path, out: Path, *, source_root: Path = SOURCE_ROOT) -> BuildReport:
    """Write ``out`` (autograder.zip) for ``problem_file``; raises BuildError for an invalid problem file."""
    problem_file, out = Path(problem_file), Path(out)
    errors = validate_file(problem_file)
    if errors:
        raise BuildError([str(error) for error in errors])
    problem_set = load_problem_set(problem_file)
    problem_path = problem_location(problem_file, source_root)
    entries, notes = _root_entries(source_root, problem_path)
    entries.update(_package_entries(source_root))
    for name, path in _problem_entries(problem_set, problem_file, problem_path):
        entries[name] = (path.read_bytes(), REGULAR)
    data = zip_bytes(entries)
    try:
        _write_atomically(out, data)
    except OSError as error:
        raise BuildError([f"{out}: cannot write the zip: {error}"]) from None
    return BuildReport(zip_path=out, problem_set_id=problem_set.id, problem_path=problem_path,
                       entries=tuple(sorted(entries)), size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                       notes=tuple(notes))


def problem_location(problem_file: Path, source_root: Path = SOURCE_ROOT) -> str:
    """The problem file's path in the zip: its path under ``problems/``, or ``problems/<name>`` when it lies
    elsewhere (the files it names keep their places relative to it)."""
    resolved = Path(problem_file).resolve()
    try:
        relative = resolved.relative_to((source_root / PROBLEMS).resolve()).as_posix()
    except ValueError:
        relative = resolved.name
    path = f"{PROBLEMS}/{relative}"
    if not SAFE_PATH.fullmatch(path) or ".." in path.split("/"):
        raise BuildError([f"{problem_file}: the path {path!r} cannot be named in run_autograder "
                          "(use letters, digits and _ . + - only)"])
    return path


def _root_entries(root: Path, problem_path: str) -> tuple[dict[str, tuple[bytes, int]], list[str]]:
    missing = [name for name in ROOT_FILES if not (root / name).is_file()]
    if missing or not (root / PACKAGE / "__init__.py").is_file():
        raise BuildError([f"{root}: not a grader checkout (missing {', '.join(missing) or PACKAGE + '/'})"])
    entries: dict[str, tuple[bytes, int]] = {}
    notes = []
    for name in ROOT_FILES:
        data = (root / name).read_bytes()
        if name in SCRIPTS:
            if b"\r" in data:
                notes.append(f"{name} had CR line endings in the checkout: written with LF")
                data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
            if name == "run_autograder":
                data = set_problem_set(data, problem_path)
        entries[name] = (data, EXECUTABLE if name in SCRIPTS else REGULAR)
    return entries, notes


def set_problem_set(script: bytes, problem_path: str) -> bytes:
    """``run_autograder`` with its one ``PROBLEM_SET="..."`` line naming ``problem_path``."""
    text = script.decode("utf-8")
    found = PROBLEM_SET_LINE.findall(text)
    if len(found) != 1:
        raise BuildError([f"run_autograder: expected one PROBLEM_SET=\"...\" line, found {len(found)}"])
    return PROBLEM_SET_LINE.sub(lambda _: f'PROBLEM_SET="{problem_path}"', text).encode("utf-8")


def _package_entries(root: Path) -> Iterator[tuple[str, tuple[bytes, int]]]:
    """The grader package's files: no caches, compiled files, hidden files or links."""
    for folder, folders, files in os.walk(root / PACKAGE):
        folders[:] = sorted(name for name in folders if not _skipped(name))
        for name in sorted(files):
            path = Path(folder) / name
            if _skipped(name) or name.endswith((".pyc", ".pyo")) or path.is_symlink() or not path.is_file():
                continue
            yield path.relative_to(root).as_posix(), (path.read_bytes(), REGULAR)


def _skipped(name: str) -> bool:
    return name.startswith(".") or name == "__pycache__" or name.endswith(".egg-info")


def _problem_entries(problem_set: Any, problem_file: Path, problem_path: str) -> list[tuple[str, Path]]:
    """The problem file and every file it names (unittest files, relative to it), with their zip paths."""
    folder = posixpath.dirname(problem_path)
    found = [(problem_path, problem_file)]
    errors = []
    for suite in problem_set.unittests:
        name = posixpath.normpath(posixpath.join(folder, suite.file))
        if not name.startswith(f"{PROBLEMS}/") or not SAFE_PATH.fullmatch(name):
            errors.append(f"{problem_file}: unittest file {suite.file} would lie outside {PROBLEMS}/ in the zip "
                          f"(as {name}): keep it beside the problem file or below it")
            continue
        found.append((name, problem_file.parent / suite.file))
    if errors:
        raise BuildError(errors)
    return found


def zip_bytes(entries: dict[str, tuple[bytes, int]]) -> bytes:
    """A deterministic zip: sorted names, fixed timestamps, Unix modes recorded (unzip restores them)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(entries):
            data, mode = entries[name]
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.create_system = UNIX
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data, compresslevel=9)
    return buffer.getvalue()


def _write_atomically(out: Path, data: bytes) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, REGULAR)
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


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
    environment.update(GRADER_VENV=str(venv), PYTHONPATH=str(source), PYTHONDONTWRITEBYTECODE="1")
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
