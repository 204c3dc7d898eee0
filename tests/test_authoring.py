"""``grader new`` (a starter problem set with graded examples) and ``grader schema`` (its JSON Schema)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from grader.answers import KINDS
from grader.authoring import new_problem_set, problem_set_schema
from grader.authoring import starter
from grader.authoring.schema import NOTES, model_classes
from grader.pipeline import grade_and_write
from grader.problems.loader import ProblemSetError, load_problem_set, validate_file
from grader.problems.model import ProblemSet
from tests.helpers import load_valid_results
from grader.preflight import normalised

NAME = "starter"
EXAMPLES = ("full_marks", "typical_mistakes")


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    """One starter set, written once for the tests that only read it."""
    root = tmp_path_factory.mktemp("authoring")
    return root, new_problem_set(NAME, root)


def _tree(root: Path) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*"))


# --- grader new ---------------------------------------------------------------------------------------------


def test_writes_the_problem_set_and_both_examples(made: tuple[Path, list[Path]]) -> None:
    root, written = made
    examples = root / "submissions_example" / NAME
    assert written == [
        root / "problems" / f"{NAME}.yaml",
        examples / "full_marks" / "submission" / "answers.yaml",
        examples / "full_marks" / "submission" / "cnn.py",
        examples / "typical_mistakes" / "submission" / "answers.yaml",
        examples / "typical_mistakes" / "submission" / "cnn.py",
        examples / "full_marks" / "expected_results.json",
        examples / "typical_mistakes" / "expected_results.json",
    ]
    assert sorted(path for path in root.rglob("*") if path.is_file()) == sorted(written)
    assert not any("{{" in path.read_text(encoding="utf-8") for path in written)


def test_the_starter_set_validates(made: tuple[Path, list[Path]]) -> None:
    root, _ = made
    assert validate_file(root / "problems" / f"{NAME}.yaml") == []


def test_the_starter_set_has_every_kind_and_a_code_part(made: tuple[Path, list[Path]]) -> None:
    root, _ = made
    problem_set = load_problem_set(root / "problems" / f"{NAME}.yaml")
    assert problem_set.id == NAME
    answer_parts = [part for _, part in problem_set.answer_parts()]
    assert sorted(part.answer.kind for part in answer_parts) == sorted(KINDS)
    [(_, code_part)] = problem_set.code_parts()
    assert code_part.code.generate is not None and code_part.code.generate.count <= 50
    assert problem_set.notebook_parts() == [] and problem_set.notebooks == ()
    for _, part in problem_set.parts():
        assert part.prompt and part.points > 0 and part.hint and part.mistakes, part.id
        assert part.expected is not None


@pytest.mark.parametrize("example", EXAMPLES)
def test_the_examples_score_as_stored(made: tuple[Path, list[Path]], example: str, tmp_path: Path) -> None:
    root, _ = made
    problem_set = load_problem_set(root / "problems" / f"{NAME}.yaml")
    case = root / "submissions_example" / NAME / example
    out = tmp_path / "results.json"
    grade_and_write(problem_set, case / "submission", out)
    results = normalised(load_valid_results(out))
    stored = (case / "expected_results.json").read_text(encoding="utf-8")
    assert results == json.loads(stored)
    assert stored == json.dumps(results, indent=2, ensure_ascii=False) + "\n"  # as --update-goldens writes it


def test_full_marks_earn_every_point_and_mistakes_hit_their_names(made: tuple[Path, list[Path]]) -> None:
    root, _ = made
    problem_set = load_problem_set(root / "problems" / f"{NAME}.yaml")
    examples = root / "submissions_example" / NAME
    full = json.loads((examples / "full_marks" / "expected_results.json").read_text(encoding="utf-8"))
    assert full["score"] == sum(part.points for _, part in problem_set.parts()) == 11
    assert all(test["score"] == test["max_score"] for test in full["tests"])
    mistakes = json.loads((examples / "typical_mistakes" / "expected_results.json").read_text(encoding="utf-8"))
    named = {f"{problem.id}.{part.id}": {mistake.name for mistake in part.mistakes}
             for problem, part in problem_set.parts()}
    assert len(mistakes["tests"]) == len(named)
    for test in mistakes["tests"]:
        assert test["extra_data"]["note"] in named[test["extra_data"]["key"]], test["extra_data"]
        assert test["score"] < test["max_score"]


@pytest.mark.parametrize("name", ["", "Hw5", "5hw", "_hw", "hw-5", "hw 5", "hw5.yaml", "../hw5", "hw/5", "hw5\n",
                                  "é", "a" * 65])
def test_refuses_a_name_that_is_not_a_lowercase_identifier(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="lowercase identifier"):
        new_problem_set(name, tmp_path)
    assert _tree(tmp_path) == []


def test_refuses_an_existing_problem_file(tmp_path: Path) -> None:
    mine = tmp_path / "problems" / "hw5.yaml"
    mine.parent.mkdir()
    mine.write_text("id: hw5  # mine\n", encoding="utf-8")
    with pytest.raises(FileExistsError, match="will not overwrite .*hw5.yaml"):
        new_problem_set("hw5", tmp_path)
    assert mine.read_text(encoding="utf-8") == "id: hw5  # mine\n"
    assert _tree(tmp_path) == ["problems", "problems/hw5.yaml"]


def test_refuses_an_existing_examples_folder(tmp_path: Path) -> None:
    (tmp_path / "submissions_example" / "hw5").mkdir(parents=True)
    with pytest.raises(FileExistsError, match="submissions_example/hw5"):
        new_problem_set("hw5", tmp_path)
    assert _tree(tmp_path) == ["submissions_example", "submissions_example/hw5"]


def test_a_second_set_beside_others_keeps_them(tmp_path: Path) -> None:
    other = tmp_path / "problems" / "other.yaml"
    other.parent.mkdir()
    other.write_text("id: other\n", encoding="utf-8")
    written = new_problem_set("hw5", tmp_path)
    assert other.read_text(encoding="utf-8") == "id: other\n"
    assert load_problem_set(written[0]).id == "hw5"
    assert "hw5: starter problem set" in written[0].read_text(encoding="utf-8")


def test_a_failure_removes_everything_it_wrote(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "problems").mkdir()
    (tmp_path / "problems" / "other.yaml").write_text("id: other\n", encoding="utf-8")

    def broken(*args: Any, **kwargs: Any) -> str:
        raise RuntimeError("grading went wrong")

    monkeypatch.setattr(starter, "_graded", broken)
    with pytest.raises(RuntimeError, match="grading went wrong"):
        new_problem_set("hw5", tmp_path)
    assert _tree(tmp_path) == ["problems", "problems/other.yaml"]


def test_an_invalid_template_is_reported_and_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = starter.render_template
    monkeypatch.setattr(starter, "render_template",
                        lambda relative, name: real(relative, name).replace("solver: conv2d_params\n",
                                                                            "solver: conv2d_parms\n"))
    with pytest.raises(RuntimeError, match="(?s)starter problem set is invalid.*unknown solver .conv2d_parms."):
        new_problem_set("hw5", tmp_path)
    assert _tree(tmp_path) == []


# --- grader schema ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def validator() -> Any:
    jsonschema = pytest.importorskip("jsonschema")
    schema = problem_set_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _as_editor_sees(path: Path) -> Any:
    """The YAML document as JSON data (a YAML timestamp, say, is text to the language server)."""
    return json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str))


def _errors(validator: Any, document: Any) -> list[str]:
    return [f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(document)]


def test_the_schema_has_a_dialect_title_and_descriptions() -> None:
    schema = problem_set_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert list(schema)[:2] == ["$schema", "title"] and schema["title"] == "CNN autograder problem set"
    assert schema["description"].startswith("The problem-set YAML schema")
    assert json.loads(json.dumps(schema)) == schema
    undescribed = [name for name, definition in schema["$defs"].items() if not definition.get("description")]
    assert undescribed == []
    for name in ("Part", "CodePart", "Problem", "Expected", "Mistake", "RealSpec", "FormulaSpec"):
        fields = schema["$defs"][name]["properties"]
        assert [field for field, value in fields.items() if "description" not in value] == [], name
    assert "``" not in json.dumps(schema)


def test_every_note_describes_a_field_that_exists() -> None:
    models = model_classes(ProblemSet)
    assert set(NOTES) <= set(models)
    by_table: dict[int, set[str]] = {}
    for name, notes in NOTES.items():
        by_table.setdefault(id(notes), set()).update(models[name].model_fields)
    for name, notes in NOTES.items():
        assert set(notes) <= by_table[id(notes)], name


def test_the_schema_follows_the_part_and_kind_unions() -> None:
    schema = problem_set_schema()
    parts = schema["$defs"]["Problem"]["properties"]["parts"]["items"]
    assert parts["oneOf"] == [{"$ref": "#/$defs/Part"}, {"$ref": "#/$defs/CodePart"},
                              {"$ref": "#/$defs/NotebookPart"}]
    answer = schema["$defs"]["Part"]["properties"]["answer"]
    kinds = [schema["$defs"][ref["$ref"].rsplit("/", 1)[1]]["properties"]["kind"]["const"] for ref in answer["oneOf"]]
    assert kinds == list(KINDS)


@pytest.mark.parametrize("path", sorted(Path("problems").glob("*.yaml")), ids=lambda path: path.name)
def test_every_problem_file_validates_against_the_schema(validator: Any, path: Path) -> None:
    assert _errors(validator, _as_editor_sees(path)) == []


def test_the_starter_set_validates_against_the_schema(validator: Any, made: tuple[Path, list[Path]]) -> None:
    root, _ = made
    assert _errors(validator, _as_editor_sees(root / "problems" / f"{NAME}.yaml")) == []


def _valid() -> dict[str, Any]:
    return {"id": "hw", "title": "HW", "document": "hw.pdf", "problems": [{"id": "p", "title": "P", "parts": [
        {"id": "a", "prompt": "?", "points": 1, "answer": {"kind": "integer"},
         "expected": {"solver": "linear_params", "args": {"in_features": 2, "out_features": 3}},
         "mistakes": [{"name": "NO_BIAS", "args": {"bias": False}, "feedback": "bias"}]},
        {"id": "b", "prompt": "?", "points": 1, "expected": {"solver": "conv_output_size"},
         "code": {"file": "cnn.py", "function": "f", "signature": ["size", "kernel_size"],
                  "cases": [{"size": 5, "kernel_size": 3}]}},
    ]}]}


INVALID = {
    "unknown top-level key": lambda doc: doc.update(author="me"),
    "unknown part key": lambda doc: doc["problems"][0]["parts"][0].update(hnt="typo"),
    "unknown answer kind": lambda doc: doc["problems"][0]["parts"][0]["answer"].update(kind="integr"),
    "option of another kind": lambda doc: doc["problems"][0]["parts"][0]["answer"].update(rtol=0.1),
    "answer without kind": lambda doc: doc["problems"][0]["parts"][0]["answer"].pop("kind"),
    "missing prompt": lambda doc: doc["problems"][0]["parts"][0].pop("prompt"),
    "code part with an answer": lambda doc: doc["problems"][0]["parts"][1].update(answer={"kind": "integer"}),
    "unknown code key": lambda doc: doc["problems"][0]["parts"][1]["code"].update(fle="cnn.py"),
    "points not positive": lambda doc: doc["problems"][0]["parts"][0].update(points=0),
    "visibility not listed": lambda doc: doc["problems"][0]["parts"][0].update(visibility="secret"),
    "mistake name not UPPER_CASE": lambda doc: doc["problems"][0]["parts"][0]["mistakes"][0].update(name="no_bias"),
    "part id not an identifier": lambda doc: doc["problems"][0]["parts"][0].update(id="Part A"),
    "no problems": lambda doc: doc.update(problems=[]),
}


def test_a_valid_document_passes_schema_and_loader(validator: Any, tmp_path: Path) -> None:
    assert _errors(validator, _valid()) == []
    path = tmp_path / "hw.yaml"
    path.write_text(yaml.safe_dump(_valid()), encoding="utf-8")
    assert validate_file(path) == []


@pytest.mark.parametrize("change", INVALID.values(), ids=INVALID.keys())
def test_an_invalid_document_fails_schema_and_loader(validator: Any, tmp_path: Path, change: Any) -> None:
    document = _valid()
    change(document)
    assert _errors(validator, document) != []
    path = tmp_path / "hw.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    with pytest.raises(ProblemSetError):
        load_problem_set(path)
