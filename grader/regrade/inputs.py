"""What a regrade grades: the submission folders of a folder, or of a Gradescope export (zip or unpacked).

A Gradescope export holds ``submission_metadata.yml`` (submission folder name → ``:submitters`` with
``:name``, ``:sid``, ``:email``, ``:created_at``, ``:score``, ...; Ruby-symbol keys, Ruby tags) beside one
folder per submission, possibly inside a single wrapper folder. It is read leniently: unknown tags become
plain data, missing or mistyped fields become blanks, and a file that cannot be read at all leaves the
folder names as the names.

A plain folder of folders has one submission per folder. A folder laid out as Gradescope's container
(``<folder>/submission/`` with ``<folder>/submission_metadata.json`` beside it) is graded from
``submission/`` and its metadata read (Gradescope's JSON, for names and the late policy's dates). An
export has no due dates: grader/regrade/due.py adds them from ``--due`` and ``--extensions``.

Metadata is only believed from outside the student's upload: a ``submission_metadata.json`` inside the
graded folder (in an export, or beside a student's files) was uploaded by the student, who could forge a
name or an earlier ``created_at``, so it is ignored.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from grader.regrade.export import ExportError, Refused, owner, unpack_export
from grader.submission.metadata import SubmissionMetadata, Submitter, parse_time, read_metadata
from grader.text import code

EXPORT_METADATA = "submission_metadata.yml"
CONTAINER_METADATA = "submission_metadata.json"
MAX_METADATA_BYTES = 256 * 1024 * 1024
IGNORED = {"__MACOSX"}


class RegradeError(Exception):
    """The regrade cannot start (missing input, unusable archive, nothing to grade); the message says why."""


@dataclass(frozen=True)
class Submission:
    folder: str
    """The submission's folder name: its results go to ``OUT/<folder>/`` and it keys the score table."""
    path: Path
    """The folder that is graded."""
    submitters: tuple[Submitter, ...] = ()
    metadata: SubmissionMetadata | None = None
    refused: str | None = None
    """Why the submission is not graded (unsafe entries in the export), or None."""

    @property
    def name(self) -> str:
        return "; ".join(user.name for user in self.submitters if user.name) or self.folder

    @property
    def email(self) -> str:
        return "; ".join(user.email for user in self.submitters if user.email)

    @property
    def sid(self) -> str:
        return "; ".join(user.sid for user in self.submitters if user.sid)


@dataclass(frozen=True)
class Batch:
    submissions: tuple[Submission, ...]
    notes: tuple[str, ...] = ()
    """Facts for the TA about the input (refused entries, unreadable metadata)."""


def discover(path: Path, *, scratch: Path, skip: Path | None = None) -> Batch:
    """The submissions under ``path``; a zip is unpacked into ``scratch`` (an empty folder) first.
    ``skip`` is a folder never taken for a submission (the output folder, when it lies inside ``path``)."""
    if not path.exists():
        raise RegradeError(f"{path} does not exist")
    refused: tuple[Refused, ...] = ()
    given = path
    if path.is_file():
        if not _is_zip(path):
            raise RegradeError(f"{path} is neither a folder of submissions nor a zip archive")
        try:
            refused = unpack_export(path, scratch)
        except ExportError as error:
            raise RegradeError(str(error)) from None
        path = scratch
    root = _export_root(path)
    prefix = (root.relative_to(path).parts if root is not None else ())
    refusals, notes = _attribute(refused, prefix)
    batch = _plain_folder(path, skip, refusals) if root is None else _export(root, skip, refusals)
    if not batch.submissions:
        raise RegradeError(f"{given} holds no submission folders")
    return Batch(batch.submissions, tuple(notes) + batch.notes)


def _is_zip(path: Path) -> bool:
    try:
        return zipfile.is_zipfile(path)
    except OSError:
        return False


def _export_root(folder: Path) -> Path | None:
    if (folder / EXPORT_METADATA).is_file():
        return folder
    folders = _folders(folder, None)
    if len(folders) == 1 and (folders[0] / EXPORT_METADATA).is_file():
        return folders[0]
    return None


def _folders(folder: Path, skip: Path | None) -> list[Path]:
    """Visible subfolders, sorted; links are never followed."""
    try:
        entries = sorted(folder.iterdir())
    except OSError as error:
        raise RegradeError(f"{folder} cannot be listed ({error.strerror or error})") from None
    skipped = skip.resolve() if skip is not None else None
    return [entry for entry in entries
            if not entry.name.startswith(".") and entry.name not in IGNORED and not entry.is_symlink()
            and entry.is_dir() and (skipped is None or entry.resolve() != skipped)]


def _plain_folder(folder: Path, skip: Path | None, refusals: dict[str, str]) -> Batch:
    submissions = []
    for entry in _folders(folder, skip):
        graded = _graded_folder(entry)
        metadata = read_metadata(entry / CONTAINER_METADATA) if graded != entry else None
        submissions.append(Submission(folder=entry.name, path=graded, submitters=metadata.users if metadata else (),
                                      metadata=metadata, refused=refusals.pop(entry.name, None)))
    submissions += [Submission(folder=name, path=folder / name, refused=why) for name, why in refusals.items()]
    links = sorted(entry.name for entry in folder.iterdir() if entry.is_symlink())
    notes = (f"not followed (symbolic links): {', '.join(links[:10])}{', ...' if len(links) > 10 else ''}",) \
        if links else ()
    return Batch(tuple(sorted(submissions, key=lambda item: item.folder)), notes)


def _attribute(refused: tuple[Refused, ...], prefix: tuple[str, ...]) -> tuple[dict[str, str], list[str]]:
    """Why each submission folder with refused entries is refused, and notes for entries outside any."""
    reasons: dict[str, list[str]] = {}
    notes = []
    for entry in refused:
        folder = owner(entry, prefix)
        if folder is not None and not folder.startswith(".") and folder not in IGNORED:
            reasons.setdefault(folder, []).append(f"{code(entry.name, 120)}: {entry.reason}")
        else:
            notes.append(f"refused archive entry {code(entry.name, 120)}: {entry.reason}")
    return {name: "unsafe entries in the export, so it was not graded: " + "; ".join(why[:3])
            + (f" (and {len(why) - 3} more)" if len(why) > 3 else "") for name, why in reasons.items()}, notes


def _graded_folder(entry: Path) -> Path:
    """``entry/submission`` when the folder is laid out as Gradescope's container (the upload in
    ``submission/``, beside it only the metadata and possibly ``results/``), else ``entry``."""
    inner = entry / "submission"
    beside = {folder.name for folder in _folders(entry, None)}
    if inner.is_dir() and not inner.is_symlink() and beside <= {"submission", "results"}:
        return inner
    return entry


def _export(root: Path, skip: Path | None, refusals: dict[str, str]) -> Batch:
    records, notes = read_export_metadata(root / EXPORT_METADATA)
    submissions = []
    for entry in _folders(root, skip):
        record = records.pop(entry.name, {})
        submitters = _submitters(record.get("submitters"))
        metadata = SubmissionMetadata(created_at=_time(record.get("created_at")), users=submitters) if record else None
        submissions.append(Submission(folder=entry.name, path=entry, submitters=submitters, metadata=metadata,
                                      refused=refusals.pop(entry.name, None)))
    for name, why in refusals.items():  # every entry of that folder was refused: it is not on disk
        record = records.pop(name, {})
        submissions.append(Submission(folder=name, path=root / name, submitters=_submitters(record.get("submitters")),
                                      refused=why))
    if records:
        listed = sorted(records)
        notes.append(f"{len(listed)} submission(s) in {EXPORT_METADATA} have no folder: "
                     + ", ".join(listed[:10]) + (", ..." if len(listed) > 10 else ""))
    return Batch(tuple(sorted(submissions, key=lambda item: item.folder)), tuple(notes))


class _MetadataLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """yaml.safe_load's loader, except that unknown tags (Ruby's ``!ruby/object:...``) become plain data."""


def _plain(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)


_MetadataLoader.add_multi_constructor("!", _plain)
_MetadataLoader.add_multi_constructor("tag:", _plain)


def read_export_metadata(path: Path) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Folder name → that submission's fields (keys without the leading ':'), and notes for the TA."""
    try:
        if path.stat().st_size > MAX_METADATA_BYTES:
            return {}, [f"{path.name} is larger than {MAX_METADATA_BYTES // 1024 ** 2} MiB; it was not read"]
        with path.open("rb") as stream:
            data = yaml.load(stream, Loader=_MetadataLoader)  # noqa: S506 - a safe loader
    except OSError as error:
        return {}, [f"{path.name} could not be read ({error.strerror or error}); names are the folder names"]
    except (yaml.YAMLError, RecursionError, ValueError, TypeError) as error:
        detail = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
        return {}, [f"{path.name} is not valid YAML ({detail}); names are the folder names"]
    if not isinstance(data, dict):
        return {}, [f"{path.name} is not a mapping of submission folders; names are the folder names"]
    return {str(folder): _unsymbol(record) for folder, record in data.items() if isinstance(record, dict)}, []


def _unsymbol(record: dict[Any, Any]) -> dict[str, Any]:
    return {str(key).lstrip(":"): value for key, value in record.items()}


def _submitters(value: Any) -> tuple[Submitter, ...]:
    if not isinstance(value, list):
        return ()
    people = [_unsymbol(item) for item in value if isinstance(item, dict)]
    return tuple(Submitter(_text(person.get("name")), _text(person.get("email")), _text(person.get("sid")))
                 for person in people)


def _text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return ""
    return " ".join(str(value).split())[:200]


def _time(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
    return parse_time(value) if isinstance(value, str) else None
