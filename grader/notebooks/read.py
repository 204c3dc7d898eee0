"""Read an uploaded notebook as hostile input: bounded size, nesting and cell count, valid nbformat 4."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.text import code

MAX_BYTES = 20 * 1024 * 1024
MAX_CELLS = 1000
MAX_NESTING = 64
MAX_SOURCE_CHARS = 1_000_000


@dataclass(frozen=True)
class InvalidNotebook:
    """Why the file is not a notebook the grader can run, in words for the student."""

    message: str


def read_notebook(path: Path, shown: str) -> Any:
    """The notebook (an nbformat 4 ``NotebookNode``, outputs cleared) or an ``InvalidNotebook``."""
    import nbformat

    name = code(shown, 120)  # the student's own path: it may hold backticks or markup
    try:
        size = path.stat().st_size
    except OSError:
        return InvalidNotebook(f"{name} could not be read.")
    if size > MAX_BYTES:
        return InvalidNotebook(f"{name} is {size / 2**20:.1f} MB; at most {MAX_BYTES // 2**20} MB can be "
                               "graded (clear the outputs before you submit).")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return InvalidNotebook(f"{name} is not a text file (a notebook is UTF-8 JSON).")
    depth = _nesting(text)
    if depth > MAX_NESTING:
        return InvalidNotebook(f"{name} is nested {depth} levels deep; a notebook never is.")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as error:
        return InvalidNotebook(f"{name} is not valid JSON ({_first_line(error)}); was it saved from Jupyter?")
    if not isinstance(data, dict) or not isinstance(data.get("cells", data.get("worksheets")), list):
        return InvalidNotebook(f"{name} is JSON but not a notebook (no list of cells).")
    cells = data.get("cells") or []
    if len(cells) > MAX_CELLS:
        return InvalidNotebook(f"{name} has {len(cells)} cells; at most {MAX_CELLS} can be graded.")
    try:
        notebook = nbformat.reads(text, as_version=4)
        nbformat.validate(notebook)
    except Exception as error:  # nbformat raises several kinds for a malformed file
        return InvalidNotebook(f"{name} is not a valid Jupyter notebook ({_first_line(error)}).")
    if sum(len(cell.get("source", "")) for cell in notebook.cells) > MAX_SOURCE_CHARS:
        return InvalidNotebook(f"{name} has more than {MAX_SOURCE_CHARS:,} characters of code and text.")
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return notebook


def _nesting(text: str) -> int:
    """The deepest bracket nesting outside JSON strings, found without parsing."""
    deepest = depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _first_line(error: BaseException) -> str:
    """The error's first line as a code span: a validation error quotes the student's own keys."""
    text = str(error).strip().splitlines()
    return code(text[0] if text else type(error).__name__, 160)
