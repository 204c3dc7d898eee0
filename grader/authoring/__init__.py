"""Tools for instructors writing problem sets: ``grader new NAME`` (a starter set with graded examples)
and ``grader schema`` (the JSON Schema of the problem YAML, for editors)."""

from __future__ import annotations

from grader.authoring.schema import problem_set_schema
from grader.authoring.starter import new_problem_set

__all__ = ["new_problem_set", "problem_set_schema"]
