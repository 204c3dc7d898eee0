"""`grader audit`: printed answers that disagree with the solvers, with the mistake that explains them."""

from __future__ import annotations

from pathlib import Path

from grader.audit import audit, audit_report
from grader.problems.loader import load_problem_set
from tests.test_cli import grader

PS3 = Path("problems/ps3.yaml")


def _disagreements(path: Path) -> list[tuple[str, str, str, str]]:
    return [(row.key, row.printed, row.computed, row.explanation)
            for row in audit(load_problem_set(path)) if not row.agrees]


def test_problem_set_3_printed_extra_credit_totals_are_wrong() -> None:
    assert _disagreements(PS3) == [
        ("extra_credit.up_params", "115011323", "115011363", "no known mistake matches"),
        ("extra_credit.total_params", "173821851", "173821891", "no known mistake matches"),
    ]
    assert len(audit(load_problem_set(PS3))) == 14


def test_a_printed_answer_matching_a_mistake_is_named(tmp_path: Path) -> None:
    text = PS3.read_text(encoding="utf-8").replace("published: 444", "published: 441")
    text = text.replace("published: [2, 2]", 'published: "6x6"').replace("published: 36", "published: thirty-six")
    path = tmp_path / "ps3.yaml"
    path.write_text(text, encoding="utf-8")
    rows = {key: explanation for key, _, _, explanation in _disagreements(path)}
    assert rows["model_size.conv_layer"] == "matches mistake NO_BIAS"
    assert rows["conv_ops.conv_shape"] == "matches mistake TRANSPOSED_SIZE"
    assert rows["model_size.conv_layer_count"].startswith("printed value cannot be read")


def test_report_and_cli() -> None:
    report = audit_report(load_problem_set(PS3), audit(load_problem_set(PS3)))
    assert "14 published answers checked, 2 disagree with the solvers." in report
    assert "| 4.2 | `extra_credit.up_params` | `115011323` | `115011363` | no known mistake matches |" in report
    run = grader("audit", str(PS3))
    assert run.returncode == 0 and run.stdout.strip() == report.strip()
    assert grader("audit", "no-such-file.yaml").returncode == 2
