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
from typing import Any

from grader.build.report import (BUILD_INFO, BuildError, BuildReport, EXECUTABLE, FIXED_TIME, PACKAGE, PROBLEMS,
                                 PROBLEM_SET_LINE, REGULAR, ROOT_FILES, SAFE_PATH, SCRIPTS, SOURCE_ROOT, UNIX)
from grader.build.source import (Change, Source, build_info, listing, open_source, outside, package_files,
                                 refusal, uncommitted)
from grader.problems.loader import load_problem_set, validate_file

# --- build -----------------------------------------------------------------------------------------------

def build_zip(problem_file: Path, out: Path, *, source_root: Path = SOURCE_ROOT,
              allow_dirty: bool = False) -> BuildReport:
    """Write ``out`` (autograder.zip) for ``problem_file``. Raises BuildError for an invalid problem file, and
    for files that git has not committed unless ``allow_dirty`` (then the working tree is packaged)."""
    problem_file, out = Path(problem_file), Path(out)
    errors = validate_file(problem_file)
    if errors:
        raise BuildError([str(error) for error in errors])
    problem_set = load_problem_set(problem_file)
    problem_path = problem_location(problem_file, source_root)
    entries, notes = _root_entries(source_root, problem_path)
    source = open_source(source_root)
    copied = _copied_files(source, problem_set, problem_file, problem_path)
    changes = uncommitted(source, [source_root / name for name in ROOT_FILES] + list(copied.values()))
    if changes and not allow_dirty:
        raise refusal(source, changes)
    entries.update((name, (path.read_bytes(), REGULAR)) for name, path in copied.items())
    entries[BUILD_INFO] = (build_info(source, changes), REGULAR)
    notes += _source_notes(source, changes, outside(source, copied.values()))
    data = zip_bytes(entries)
    try:
        _write_atomically(out, data)
    except OSError as error:
        raise BuildError([f"{out}: cannot write the zip: {error}"]) from None
    return BuildReport(zip_path=out, problem_set_id=problem_set.id, problem_path=problem_path,
                       entries=tuple(sorted(entries)), size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                       notes=tuple(notes), commit=source.commit,
                       dirty=bool(changes) if source.checked else None)


def _copied_files(source: Source, problem_set: Any, problem_file: Path, problem_path: str) -> dict[str, Path]:
    """The files zipped as they are, by zip name: the package's and the problem files."""
    copied = {name: source.root / name for name in package_files(source)}
    copied.update(_problem_entries(problem_set, problem_file, problem_path))
    return copied


def _source_notes(source: Source, changes: tuple[Change, ...], elsewhere: list[Path]) -> list[str]:
    if not source.checked:
        return [f"the files could not be checked against git: {source.unchecked}"]
    notes = [f"{path}: outside the git work tree {source.top}, so no commit records it" for path in elsewhere]
    if changes:
        count = f"{len(changes)} uncommitted change{'s' if len(changes) != 1 else ''}"
        notes.append(f"the zip contains {count} (--allow-dirty): " + "; ".join(listing(changes, limit=5)))
    return notes


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


