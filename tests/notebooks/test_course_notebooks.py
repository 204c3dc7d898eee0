"""The course notebooks and their problem set stay in step: the notebooks are what the generator writes,
the grading mode the YAML injects is the one the notebooks were measured with, and every name a part
reads is one the solution notebook defines."""

import subprocess
import sys
from pathlib import Path

import nbformat

from grader.problems.loader import load_problem_set

NOTEBOOKS = Path("problems/notebooks")
PROBLEMS = load_problem_set("problems/hw004_notebooks.yaml")
sys.path.insert(0, str(NOTEBOOKS))
import make_notebooks  # noqa: E402


def test_the_notebooks_are_what_the_generator_writes():
    run = subprocess.run([sys.executable, str(NOTEBOOKS / "make_notebooks.py"), "--check"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_grading_mode_is_the_one_the_notebooks_were_made_for():
    files = {spec.file.removesuffix(".ipynb"): spec for spec in PROBLEMS.notebooks}
    assert set(files) == set(make_notebooks.GRADING_PARAMETERS)
    for name, parameters in make_notebooks.GRADING_PARAMETERS.items():
        injected = dict(files[name].parameters)
        assert {injected.pop("SEED"), injected.pop("FIGURES")} == {0, "figures"}
        assert injected == parameters


def test_every_graded_name_appears_in_the_solution_notebook():
    for spec in PROBLEMS.notebooks:
        source = "\n".join(cell.source for cell in nbformat.read(NOTEBOOKS / "solutions" / spec.file, 4).cells)
        for _, part in PROBLEMS.notebook_parts():
            if part.notebook.source == spec.id:
                for name in (*part.references(), part.notebook.function or part.notebook.root):
                    assert name in source, f"{spec.file} never mentions {name}"


def test_the_student_version_differs_only_in_todo_cells():
    for spec in PROBLEMS.notebooks:
        student = nbformat.read(NOTEBOOKS / spec.file, 4)
        solution = nbformat.read(NOTEBOOKS / "solutions" / spec.file, 4)
        assert len(student.cells) == len(solution.cells)
        for mine, theirs in zip(student.cells, solution.cells):
            if mine.source != theirs.source:
                assert "todo" in mine.metadata.get("tags", []) and "NotImplementedError" in mine.source


def test_a_copy_without_cell_tags_gets_the_grading_mode_in_the_same_place():
    from grader.notebooks.parameters import with_parameters

    for spec in PROBLEMS.notebooks:
        for path in (NOTEBOOKS / spec.file, NOTEBOOKS / "solutions" / spec.file):
            notebook = nbformat.read(path, 4)
            tagged = with_parameters(notebook, spec.parameters)[1]
            for cell in notebook.cells:
                cell.metadata.pop("tags", None)
            assert with_parameters(notebook, spec.parameters)[1] == tagged, path
            assert tagged.index(0) > 0, f"{path} has no parameters cell"
