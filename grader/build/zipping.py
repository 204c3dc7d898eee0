"""Write the zip: the root scripts, the grader package and only the problem files grading needs."""

from __future__ import annotations

import hashlib
import io
import os
import posixpath
import stat
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Iterator

from grader.build.report import (BuildError, BuildReport, EXECUTABLE, FIXED_TIME, PACKAGE, PROBLEMS,
                                 PROBLEM_SET_LINE, REGULAR, ROOT_FILES, SAFE_PATH, SCRIPTS, SOURCE_ROOT, UNIX)
from grader.problems.loader import load_problem_set, validate_file

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


