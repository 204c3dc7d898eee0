"""Unpack a Gradescope "export submissions" zip as hostile input.

Nothing in the archive is trusted: an entry with an absolute path, a ``..`` component, a backslash or a NUL,
a symbolic link, a device or FIFO, an encrypted or duplicated entry, or one larger than ``MAX_FILE_BYTES`` is
not written, and is reported (the submission folder it belongs to is then refused as a whole). An archive
with more than ``MAX_ENTRIES`` entries or more than ``MAX_TOTAL_BYTES`` uncompressed is refused outright.
Sizes are counted as the bytes are written, so a header that understates a file's size gains nothing.
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path

MAX_ENTRIES = 100_000
MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_TOTAL_BYTES = 4 * 1024 * 1024 * 1024
MAX_DEPTH = 32
_CHUNK = 1024 * 1024
_DRIVE = re.compile(r"^[A-Za-z]:")


class ExportError(Exception):
    """The archive as a whole cannot be used; the message says why."""


@dataclass(frozen=True)
class Refused:
    """An entry that was not unpacked: its name in the archive (made printable) and why."""

    name: str
    parts: tuple[str, ...]
    reason: str
    located: bool = True
    """Whether the name is a well-formed relative path (so the entry belongs to the folder it names)."""


def unpack_export(archive: Path, into: Path) -> tuple[Refused, ...]:
    """Unpack the safe entries of ``archive`` into the empty folder ``into``; return the refused ones.

    Raises ExportError when the file is not a readable zip or breaks a limit of the whole archive."""
    try:
        with zipfile.ZipFile(archive) as bundle:
            entries = bundle.infolist()
            if len(entries) > MAX_ENTRIES:
                raise ExportError(f"{archive} has {len(entries):,} entries, more than the {MAX_ENTRIES:,} allowed; "
                                  "is this a Gradescope export?")
            return _unpack(bundle, entries, into)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError) as error:
        raise ExportError(f"{archive} is not a readable zip archive ({error})") from None
    except OSError as error:
        raise ExportError(f"{archive} could not be read ({error.strerror or error})") from None


def _unpack(bundle: zipfile.ZipFile, entries: list[zipfile.ZipInfo], into: Path) -> tuple[Refused, ...]:
    refused: list[Refused] = []
    seen: set[tuple[str, ...]] = set()
    budget = [MAX_TOTAL_BYTES]
    for info in entries:
        parts, reason = _check(info, seen)
        if reason is not None:
            refused.append(Refused(_printable(info.filename), parts, reason, located=reason not in _BAD_PATH))
            continue
        seen.add(parts)
        target = into.joinpath(*parts)
        if info.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        reason = _write(bundle, info, target, budget)
        if reason is not None:
            refused.append(Refused(_printable(info.filename), parts, reason))
    return tuple(refused)


_BAD_PATH = ("its name has a backslash or NUL character", "it has an absolute path",
             "its path leaves the archive (`..`)", "it has an empty name")


def _check(info: zipfile.ZipInfo, seen: set[tuple[str, ...]]) -> tuple[tuple[str, ...], str | None]:
    """The entry's path components, and why it must not be unpacked (None when it may)."""
    name = info.filename
    parts = tuple(part for part in name.split("/") if part not in ("", "."))
    if "\0" in name or "\\" in name:
        return parts, "its name has a backslash or NUL character"
    if name.startswith("/") or _DRIVE.match(name):
        return parts, "it has an absolute path"
    if ".." in parts:
        return parts, "its path leaves the archive (`..`)"
    if not parts:
        return parts, "it has an empty name"
    if len(parts) > MAX_DEPTH:
        return parts, f"it is nested more than {MAX_DEPTH} folders deep"
    if info.flag_bits & 0x1:
        return parts, "it is encrypted"
    mode = info.external_attr >> 16
    kind = stat.S_IFMT(mode)
    if kind == stat.S_IFLNK:
        return parts, "it is a symbolic link"
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        return parts, "it is not a plain file or folder (a device, FIFO or socket)"
    if parts in seen:
        return parts, "the archive has another entry of the same name"
    if not info.is_dir() and info.file_size > MAX_FILE_BYTES:
        return parts, f"it is larger than {_size(MAX_FILE_BYTES)}"
    return parts, None


def _write(bundle: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, budget: list[int]) -> str | None:
    """Copy one entry's bytes, counting them against its own and the archive's limits."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    except FileExistsError:
        return "the archive has another entry of the same name"
    except (NotADirectoryError, FileNotFoundError):
        return "a file of the archive has the name of its folder"
    written = 0
    try:
        with os.fdopen(descriptor, "wb") as sink, bundle.open(info) as source:
            while chunk := source.read(_CHUNK):
                written += len(chunk)
                if written > MAX_FILE_BYTES:
                    raise _TooLarge(f"it is larger than {_size(MAX_FILE_BYTES)}")
                if written > budget[0]:
                    raise ExportError(f"the archive unpacks to more than {_size(MAX_TOTAL_BYTES)}")
                sink.write(chunk)
    except _TooLarge as error:
        target.unlink(missing_ok=True)
        return str(error)
    except zipfile.BadZipFile as error:
        target.unlink(missing_ok=True)
        return f"it is damaged ({error})"
    budget[0] -= written
    return None


class _TooLarge(Exception):
    pass


def _size(count: int) -> str:
    for unit, scale in (("GiB", 1024 ** 3), ("MiB", 1024 ** 2), ("KiB", 1024)):
        if count >= scale:
            return f"{count / scale:g} {unit}"
    return f"{count} bytes"


def _printable(name: str) -> str:
    shown = "".join(char if char.isprintable() else "?" for char in name)
    return shown if len(shown) <= 160 else shown[:157] + "..."


def owner(entry: Refused, prefix: tuple[str, ...]) -> str | None:
    """The submission folder (the first component below ``prefix``) a refused entry belongs to, if any."""
    if entry.located and len(entry.parts) > len(prefix) + 1 and entry.parts[:len(prefix)] == prefix:
        return entry.parts[len(prefix)]
    return None

