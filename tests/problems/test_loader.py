"""Problem-file errors: every one reported at once, as exact `file:line: path: message` strings."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from grader.problems.loader import ProblemSetError, load_problem_set

VALID = """\
id: demo
title: Demo
document: demo.txt
problems:
  - id: sizes
    title: Sizes
    given: {cin: 10, cout: 20}
    parts:
      - id: params
        prompt: Parameters of a 3x3 convolution with 10 input and 20 output channels.
        points: 2
        answer: {kind: integer}
        expected:
          solver: conv2d_params
          args: {in_channels: $cin, out_channels: $cout, kernel_size: 3}
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "set.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _errors(tmp_path: Path, text: str) -> list[str]:
    path = _write(tmp_path, text)
    with pytest.raises(ProblemSetError) as caught:
        load_problem_set(path)
    return [str(error).replace(str(path), "set.yaml") for error in caught.value.errors]


def test_valid_file_loads(tmp_path: Path) -> None:
    problem_set = load_problem_set(_write(tmp_path, VALID))
    assert [part.id for _, part in problem_set.parts()] == ["params"]


def test_unknown_key_is_reported_at_its_line(tmp_path: Path) -> None:
    text = VALID.replace("        points: 2\n", "        points: 2\n        pionts: 3\n")
    assert _errors(tmp_path, text) == ["set.yaml:12: problems[0].parts[0].pionts: unknown key"]


def test_all_errors_reported_at_once(tmp_path: Path) -> None:
    text = (VALID.replace("title: Demo\n", "")
            .replace("kind: integer", "kind: integr")
            .replace("        points: 2\n", "        points: -1\n"))
    assert _errors(tmp_path, text) == [
        "set.yaml:1: (top level): missing required key 'title'",
        "set.yaml:10: problems[0].parts[0].points: Input should be greater than 0",
        "set.yaml:11: problems[0].parts[0].answer: unknown kind 'integr'; expected one of "
        "'integer', 'real', 'shape', 'matrix', 'formula', 'choice', "
        "'designed_filter', 'conv_layer'",
    ]


def test_unknown_solver_suggests_a_close_name(tmp_path: Path) -> None:
    text = VALID.replace("solver: conv2d_params", "solver: conv2d_param")
    assert _errors(tmp_path, text) == [
        "set.yaml:14: problems[0].parts[0].expected.solver: unknown solver 'conv2d_param'; "
        "did you mean 'conv2d_params' or 'conv3d_params'? (see `grader solvers` for the list)"
    ]


def test_wrong_and_missing_solver_arguments(tmp_path: Path) -> None:
    text = VALID.replace("kernel_size: 3}", "kernal_size: 3}")
    assert _errors(tmp_path, text) == [
        "set.yaml:15: problems[0].parts[0].expected.args: missing argument 'kernel_size'",
        "set.yaml:15: problems[0].parts[0].expected.args.kernal_size: unknown argument",
    ]


def test_unknown_given_reference(tmp_path: Path) -> None:
    text = VALID.replace("out_channels: $cout", "out_channels: $cuot")
    assert _errors(tmp_path, text) == [
        "set.yaml:15: problems[0].parts[0].expected.args.out_channels: "
        "unknown given value '$cuot' (given has: cin, cout)"
    ]


def test_mistake_arguments_are_validated_too(tmp_path: Path) -> None:
    text = VALID + textwrap.indent(
        "mistakes:\n  - name: NO_BIAS\n    feedback: forgot the bias\n    args: {bais: false}\n", " " * 8)
    assert _errors(tmp_path, text) == [
        "set.yaml:19: problems[0].parts[0].mistakes[0].args.bais: unknown argument"
    ]


def test_duplicate_ids_and_keys(tmp_path: Path) -> None:
    part = VALID.split("    parts:\n")[1]
    text = VALID + part + "    title: Again\n"
    assert _errors(tmp_path, text) == [
        "set.yaml:16: problems[0].parts[1].id: duplicate part id 'params'",
        "set.yaml:23: problems[0]: duplicate key 'title'",
    ]


def test_yaml_syntax_error_has_a_line(tmp_path: Path) -> None:
    text = VALID.replace("points: 2", "points: [2")
    errors = _errors(tmp_path, text)
    assert len(errors) == 1 and errors[0].startswith("set.yaml:1") and "(yaml)" in errors[0]


def test_not_a_mapping(tmp_path: Path) -> None:
    assert _errors(tmp_path, "- just\n- a list\n") == ["set.yaml:1: (top level): a problem set must be a mapping"]


def test_shipped_problem_sets_load() -> None:
    for path in sorted(Path("problems").glob("*.yaml")):
        load_problem_set(path)


def test_structural_and_semantic_errors_in_one_pass(tmp_path: Path) -> None:
    text = (VALID.replace("title: Demo\n", "")
            .replace("solver: conv2d_params", "solver: conv2d_parms"))
    assert _errors(tmp_path, text) == [
        "set.yaml:1: (top level): missing required key 'title'",
        "set.yaml:13: problems[0].parts[0].expected.solver: unknown solver 'conv2d_parms'; "
        "did you mean 'conv2d_params' or 'conv3d_params'? (see `grader solvers` for the list)",
    ]
