"""The grading mode: the grader's parameters injected into a notebook, after its parameters cell.

Papermill's convention names the parameters cell by a ``parameters`` tag; a student's copy often has no
tags (Colab cannot set them, notebook cleaners strip them), so the first code cell that assigns one of the
parameters stands in for it. The student's text is only parsed here, never run.
"""

from __future__ import annotations

from typing import Any


def with_parameters(notebook: Any, parameters: dict[str, Any]) -> tuple[Any, list[int]]:
    """A copy of ``notebook`` with the grader's parameters in a cell after the parameters cell, and the
    student's number of each cell. The parameters cell is the one tagged ``parameters`` (papermill's
    convention), else the first code cell that assigns one of the parameters: Colab cannot show or set
    tags, and notebook cleaners strip them, so a student's copy often has none. With neither, the
    parameters go first."""
    import copy

    import nbformat

    copied = copy.deepcopy(notebook)
    numbers = list(range(1, len(copied.cells) + 1))
    if parameters:
        found = _parameters_cell(copied.cells, set(parameters))
        at = 0 if found is None else found + 1
        source = "# Parameters injected by the grader (grading mode)\n" + "".join(
            f"{name} = {value!r}\n" for name, value in parameters.items())
        cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["injected-parameters"]})
        copied.cells.insert(at, cell)
        numbers.insert(at, 0)
    return copied, numbers


def _parameters_cell(cells: list[Any], names: set[str]) -> int | None:
    code_cells = [(index, cell) for index, cell in enumerate(cells) if cell.cell_type == "code"]
    for index, cell in code_cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            return index
    for index, cell in code_cells:
        if names & _assigned_names(cell.source):
            return index
    return None


MAX_PARSED_SOURCE = 100_000


def _assigned_names(source: str) -> set[str]:
    """The plain names a cell assigns at its top level (``EPOCHS = 5``, ``A, B = 1, 2``, ``N: int = 3``).
    Line magics and shell escapes are left out; a cell that does not parse assigns nothing. Parsing only
    reads the student's text: nothing of it runs here."""
    import ast

    if len(source) > MAX_PARSED_SOURCE:
        return set()
    kept = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
    try:
        tree = ast.parse(kept)
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # ValueError: a null byte
        return set()
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign):
            targets = [node.target]
        else:
            continue
        for target in targets:
            elements = target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]
            names |= {element.id for element in elements if isinstance(element, ast.Name)}
    return names
