"""Uploaded notebooks are read as hostile input: size, nesting, cell count and nbformat checked first."""

import json

import nbformat
import pytest

from grader.notebooks.read import MAX_BYTES, MAX_CELLS, InvalidNotebook, read_notebook


def _write(tmp_path, content) -> object:
    path = tmp_path / "nb.ipynb"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


def test_a_valid_notebook_is_read_with_its_outputs_cleared(tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1", outputs=[
        nbformat.v4.new_output("stream", text="old output")], execution_count=7),
        nbformat.v4.new_markdown_cell("# Title")])
    read = read_notebook(_write(tmp_path, nbformat.writes(notebook)), "nb.ipynb")
    assert not isinstance(read, InvalidNotebook)
    assert [cell.cell_type for cell in read.cells] == ["code", "markdown"]
    assert read.cells[0].outputs == [] and read.cells[0].execution_count is None


def test_an_older_nbformat_is_upgraded(tmp_path):
    v3 = {"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [
        {"cells": [{"cell_type": "code", "input": "x = 1", "language": "python", "outputs": [], "metadata": {}}],
         "metadata": {}}]}
    read = read_notebook(_write(tmp_path, json.dumps(v3)), "nb.ipynb")
    assert not isinstance(read, InvalidNotebook), read
    assert read.cells[0].source == "x = 1"


@pytest.mark.parametrize("content, says", [
    (b"\xff\xfe not text", "is not a text file"),
    ("{not json", "is not valid JSON"),
    ("[1, 2, 3]", "is JSON but not a notebook"),
    ('{"cells": "many"}', "is JSON but not a notebook"),
    ('{"cells": [{"cell_type": "code"}], "nbformat": 4, "nbformat_minor": 5, "metadata": {}}',
     "is not a valid Jupyter notebook"),
    ("[" * 100_000 + "]" * 100_000, "nested 100000 levels deep"),
    ('{"cells": [' + ",".join(['{"cell_type": "raw", "source": "", "metadata": {}}'] * (MAX_CELLS + 1))
     + '], "nbformat": 4, "nbformat_minor": 5, "metadata": {}}', f"has {MAX_CELLS + 1} cells"),
], ids=["binary", "malformed", "a_list", "cells_not_a_list", "invalid_cell", "deep_nesting", "too_many_cells"])
def test_invalid_notebooks_get_a_clear_message(tmp_path, content, says):
    read = read_notebook(_write(tmp_path, content), "hw/nb.ipynb")
    assert isinstance(read, InvalidNotebook)
    assert says in read.message and "`hw/nb.ipynb`" in read.message


def test_a_huge_file_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "nb.ipynb"
    with open(path, "wb") as out:
        out.truncate(MAX_BYTES + 1)
    read = read_notebook(path, "nb.ipynb")
    assert isinstance(read, InvalidNotebook) and "at most 20 MB" in read.message


def test_brackets_inside_strings_do_not_count_as_nesting(tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = " + "[" * 500)])
    assert not isinstance(read_notebook(_write(tmp_path, nbformat.writes(notebook)), "nb.ipynb"), InvalidNotebook)


def test_the_students_path_cannot_break_out_of_its_code_span(tmp_path):
    from grader.notebooks.read import InvalidNotebook, read_notebook

    path = tmp_path / "x.ipynb"
    path.write_text("not json")
    found = read_notebook(path, "a`<img src=x onerror=alert(1)>`/GPUMemory.ipynb")
    assert isinstance(found, InvalidNotebook)
    assert found.message.startswith("`a'<img src=x onerror=alert(1)>'/GPUMemory.ipynb` is not valid JSON")


def test_a_validation_error_quoting_the_students_keys_stays_in_a_code_span(tmp_path):
    import json

    from grader.notebooks.read import InvalidNotebook, read_notebook

    path = tmp_path / "x.ipynb"
    cell = {"id": "a1", "cell_type": "code", "source": "", "metadata": {}, "outputs": [], "execution_count": None,
            "<img src=x onerror=alert(1)>": 1}
    path.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [cell]}))
    found = read_notebook(path, "x.ipynb")
    assert isinstance(found, InvalidNotebook), found
    before, _, quoted = found.message.partition("(`")
    assert "<img" not in before and quoted.endswith("`).") and "`" not in quoted[:-3]
