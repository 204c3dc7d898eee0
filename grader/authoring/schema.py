"""``grader schema``: the JSON Schema of a problem-set YAML file, for editors that validate while typing.

It is generated from the pydantic models (``ProblemSet.model_json_schema()``), so it cannot drift from
what the loader accepts. The part union (answer, code and notebook parts) comes out as a ``oneOf`` whose
branches exclude one another (each forbids the others' keys), and the answer kinds as a ``oneOf`` on a
constant ``kind``. Descriptions come from the models' docstrings; where a model or field has none, from
its attribute docstring, the answer kind's module docstring or the short notes below.

The schema checks structure only: ``grader validate`` also checks solver names and arguments, generator
and property names, and runs every solver.
"""

from __future__ import annotations

import ast
import inspect
import sys
import textwrap
import typing
from typing import Any

from pydantic import BaseModel

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
TITLE = "CNN autograder problem set"

_PART = {
    "id": "A lowercase identifier: the second half of the answers-file key `<problem>.<part>`.",
    "title": "A short name shown in the results (the id when left out).",
    "prompt": "The question as students see it.",
    "points": "Points for this part (more than 0).",
    "extra_credit": "Extra credit: reported with max_score 0, as Gradescope expects.",
    "answer": ("How the answer is read and judged: `kind` is integer, real, shape, matrix, formula, choice, "
               "designed_filter or conv_layer, with that kind's options."),
    "expected": ("The reference: a solver (`grader solvers` lists them) and its arguments. The expected "
                 "answer is always computed, never typed in."),
    "visibility": "When students see this part's result: visible, hidden, after_due_date or after_published.",
    "reveal_expected": ("Whether the feedback shows the expected answer: auto (only when visibility is "
                        "after_due_date or after_published), always or never."),
    "hint": "Shown to the student when the answer is wrong.",
    "mistakes": ("Named wrong paths (solver variants), tried in order against a wrong answer: the first "
                 "that matches gives its feedback and credit."),
    "tags": "Gradescope tags of this part's test.",
    "code": "Which file and function of the submission to call, on which cases, judged how.",
    "notebook": "Which value or function of a submitted notebook this part reads.",
    "check": "Bounds or ratios that judge a notebook value no solver can predict (an accuracy, say).",
}

_CALLS = {
    "file": "The student's file, found anywhere in the upload, e.g. cnn.py.",
    "function": "The function of that file to call.",
    "signature": ("Solver argument names in the order the student's function takes them: each case becomes "
                  "one positional call."),
    "cases": "Explicit cases (mappings of solver arguments), called before the generated ones.",
    "generate": "Cases drawn by a named, seeded generator.",
    "compare": "Tolerance for floats and float arrays; integers are always compared exactly.",
    "credit": "per_case (the fraction of checks passed) or all_or_nothing.",
    "hide_inputs": "Feedback names a failing case by its number only, never its input.",
    "properties": "Named checks that hold for any right answer (e.g. iou_symmetric), one check each.",
    "timeout": "Seconds of wall time for all of this part's calls.",
}

MODELS = {
    "ProblemSet": "One problem-set file: one assignment, its problems and their parts.",
    "Problem": "One problem: its given data and its parts.",
    "Part": "A part answered in the student's answers file (`answer:`), judged against a reference solver.",
}
"""Descriptions of models that have no docstring (the answer kinds' come from their modules' docstrings)."""

NOTES: dict[str, dict[str, str]] = {
    "ProblemSet": {
        "id": "The problem set's id, a lowercase identifier (results.json names it).",
        "title": "Shown to students at the top of their results.",
        "document": "The homework document this file encodes, for the record.",
        "total_points": "The assignment's points, auto-graded or not (optional).",
        "problems": "The problems, in order.",
        "manual": "What the autograder does not grade (prose, plots, derivations), listed for instructors.",
        "sandbox": "Limits of the child process that runs student code.",
        "unittests": "Instructor unittest files (gradescope-utils decorators) run beside the parts.",
        "notebooks": "Notebooks of the submission and how to run them, for parts with `notebook:`.",
    },
    "Problem": {
        "id": "A lowercase identifier: the first half of the answers-file key `<problem>.<part>`.",
        "number": "Gradescope's number for this problem: its parts become \"<number>.1\", \"<number>.2\", ...",
        "title": "The problem's title, shown before each part's title.",
        "text": "The problem's statement (optional).",
        "given": ("Data the parts' solver arguments refer to, as `$name` or in `= expression` (exact "
                  "arithmetic over these values)."),
        "parts": ("The parts: an answer in the answers file (`answer:`), a function in a code file "
                  "(`code:`) or a notebook value or function (`notebook:`)."),
    },
    "Part": _PART,
    "CodePart": _PART,
    "NotebookPart": _PART,
    "Expected": {
        "solver": "A reference solver's name (`grader solvers` lists them with their arguments).",
        "args": "The solver's arguments: literals, `$name` (a given value) or `= expression`.",
        "check": "Your own value of the answer, verified by `grader validate`; never used for grading.",
    },
    "Mistake": {
        "name": "An UPPER_CASE code, recorded as the part's note in results.json.",
        "feedback": "What the student reads when the answer matches this mistake.",
        "credit": "The fraction of the part's points this mistake earns, in [0, 1).",
        "solver": "Another solver to run (the part's solver when left out).",
        "args": "Arguments merged over the part's (or replacing them, with `inherit_args: false`).",
        "inherit_args": "Whether `args` are merged over the part's arguments (true) or replace them.",
    },
    "ManualItem": {
        "question": "The question's number in the document, e.g. \"1(a)\".",
        "points": "Its points.",
        "reason": "Why it is not auto-graded.",
    },
    "CodeSpec": _CALLS,
    "CallsSpec": _CALLS,
    "CompareSpec": {"rtol": "Relative tolerance, a fraction of the expected value.", "atol": "Absolute tolerance."},
    "GenerateSpec": {
        "generator": "A case generator's name, e.g. conv_output_size_cases.",
        "seed": "The generator's seed: the same cases on every machine.",
        "count": "How many cases to draw.",
        "params": "The generator's own options (which arguments vary, how large sizes get).",
    },
    "SandboxSettings": {
        "memory_mb": "Address-space limit of the child, in MB (about 768 when students import torch).",
        "cpu_seconds": "CPU-time limit of the child, in seconds.",
    },
    "UnittestSuite": {
        "file": "The unittest file, relative to this problem file.",
        "modules": "The modules the tests import, each mapped to a student file, e.g. {cnn: cnn.py}.",
        "timeout": "Seconds for the whole file.",
    },
    "IntegerSpec": {"kind": "A whole number, compared exactly."},
    "RealSpec": {
        "kind": "A real number, compared with a tolerance, to significant figures or by magnitude.",
        "compare": ("tolerance (`rtol`, `atol`), sigfigs (both rounded to `sigfigs` significant figures) or "
                    "magnitude (within half a power of ten)."),
        "rtol": "Relative tolerance, a fraction of the expected value.",
        "atol": "Absolute tolerance.",
        "sigfigs": "Significant figures, with `compare: sigfigs`.",
        "unit": "A unit students may write after the number, e.g. MB; another unit is a format error.",
    },
    "ShapeSpec": {"kind": "A tensor shape such as 8x16x16.", "partial": "Credit each right dimension."},
    "MatrixSpec": {
        "kind": "A matrix, vector or small tensor: shape first, then every entry.",
        "rtol": "Relative tolerance of each entry.",
        "atol": "Absolute tolerance of each entry.",
        "partial": "Credit each right entry.",
    },
    "FormulaSpec": {
        "kind": "A formula in the declared variables, judged by evaluating it at random points.",
        "variables": "The symbols the formula may use.",
        "trials": "How many random points both formulas are evaluated at.",
        "low": "The smallest random value of a variable.",
        "high": "The largest random value of a variable.",
        "seed": "The seed of the random points (the same grade on every run).",
        "aliases": "Other names a student may write for a variable: {sigma_x: [σ_x, σx]}.",
    },
    "ChoiceSpec": {
        "kind": "One of the listed options (case and spaces do not matter).",
        "options": "The options; the solver's value must be one of them.",
        "aliases": "Other ways of writing an option, read as that option: {\"O(n)\": [linear]}.",
    },
    "DesignedFilterSpec": {
        "kind": "A filter the student designs, judged by the properties its purpose needs.",
        "size": "[rows, columns] the filter must have (optional).",
    },
}
"""Descriptions of fields that have no attribute docstring, by model and field name."""


def problem_set_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a problem-set YAML file, with ``$schema``, a title and descriptions."""
    from grader.problems import model

    schema = model.ProblemSet.model_json_schema()
    models = model_classes(model.ProblemSet)
    definitions = schema.get("$defs", {})
    for name, definition in definitions.items():
        if name in models and definition.get("title") == name:
            _describe(definition, models[name])
    _describe(schema, model.ProblemSet)
    schema["description"] = (f"{_first_paragraph(model.__doc__)} {schema['description']} Structure only: "
                             "`grader validate` also checks the solvers and their arguments, and runs them.")
    _plain_descriptions(schema)
    return {"$schema": JSON_SCHEMA_DIALECT, "title": TITLE, **{key: value for key, value in schema.items()
                                                              if key not in ("title", "$schema")}}


def model_classes(root: type[BaseModel]) -> dict[str, type[BaseModel]]:
    """Every pydantic model reachable from ``root``'s fields, by class name (pydantic's ``$defs`` keys)."""
    found: dict[str, type[BaseModel]] = {}

    def visit(annotation: Any) -> None:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if annotation.__name__ not in found:
                found[annotation.__name__] = annotation
                for field in annotation.model_fields.values():
                    visit(field.annotation)
            return
        for argument in typing.get_args(annotation):
            visit(argument)

    visit(root)
    return found


def attribute_docstrings(cls: type[BaseModel]) -> dict[str, str]:
    """The string literal right under each field of ``cls`` and its model bases (a field's docstring)."""
    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if not (isinstance(klass, type) and issubclass(klass, BaseModel)) or klass is BaseModel:
            continue
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
        except (OSError, TypeError, SyntaxError):
            continue
        body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
        for statement, after in zip(body, body[1:]):
            if (isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name)
                    and isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant)
                    and isinstance(after.value.value, str)):
                docs[statement.target.id] = inspect.cleandoc(after.value.value)
    return docs


def _describe(definition: dict[str, Any], cls: type[BaseModel]) -> None:
    """Fill in the descriptions pydantic leaves out: the model's, then each field's."""
    if "description" not in definition:
        module_doc = getattr(sys.modules.get(cls.__module__), "__doc__", None)
        kind_doc = _first_paragraph(module_doc) if cls.__module__.startswith("grader.answers.") else ""
        definition["description"] = MODELS.get(cls.__name__) or kind_doc or cls.__name__
    docs = {**NOTES.get(cls.__name__, {}), **attribute_docstrings(cls)}
    for field, schema in definition.get("properties", {}).items():
        if "description" not in schema and field in docs:
            schema["description"] = docs[field]


def _first_paragraph(text: str | None) -> str:
    return " ".join(inspect.cleandoc(text).split("\n\n")[0].split()) if text else ""


def _plain_descriptions(node: Any) -> None:
    """Docstrings use reST ``code``; editors render Markdown `code`."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "description" and isinstance(value, str):
                node[key] = value.replace("``", "`")
            else:
                _plain_descriptions(value)
    elif isinstance(node, list):
        for item in node:
            _plain_descriptions(item)
