"""The score table's cells and the comparison with a previous table, on hand-made rows."""

from __future__ import annotations

from pathlib import Path

from grader.regrade.inputs import Submission, discover
from grader.regrade.summary import markdown, summarize
from grader.regrade.tables import Column, Row, compare, read_scores_text, score_cell, scores_csv
from grader.regrade.work import Outcome, PartScore
from grader.submission.metadata import Submitter

COLUMNS = (Column("p.a", "1.1 A", "1.1", 2.0), Column("p.b", "1.2 B", "1.2", 1.0, extra_credit=True))


def _row(folder: str, a: float, b: float, *, name: str = "", email: str = "", status: str = "graded") -> Row:
    parts = (PartScore("p.a", "1.1 A", "1.1", a, 2.0), PartScore("p.b", "1.2 B", "1.2", b, 1.0, True))
    submitters = (Submitter(name, email, ""),) if name or email else ()
    return Row(Submission(folder, Path(folder), submitters), Outcome(0, folder, status, "", parts, total=a + b))


def test_scores_are_short_and_formulas_are_defused():
    assert [score_cell(value) for value in (0.0, -0.0, 1.5, 2.25, 11329414656.0, 1 / 3, None)] == \
        ["0", "0", "1.5", "2.25", "11329414656", "0.33", ""]
    table = scores_csv([_row("s1", 2.0, 0.0, name="=HYPERLINK(\"http://x\")", email="@evil")], COLUMNS, late=False)
    assert table.splitlines() == ["submission,name,email,sid,1.1 A,1.2 B,total,status,message",
                                  's1,"\'=HYPERLINK(""http://x"")",\'@evil,,2,0,2,graded,']


def test_rows_are_sorted_whatever_order_they_finished_in():
    rows = [_row("b", 1.0, 0.0), _row("a", 2.0, 1.0)]
    assert scores_csv(rows, COLUMNS, late=False) == scores_csv(rows[::-1], COLUMNS, late=False)
    assert [line.split(",")[0] for line in scores_csv(rows, COLUMNS, late=False).splitlines()[1:]] == ["a", "b"]


def test_a_renamed_submission_is_matched_by_its_email():
    before = scores_csv([_row("submission_1", 2.0, 0.0, email="ada@example.edu"), _row("gone", 1.0, 0.0)],
                        COLUMNS, late=False)
    after = scores_csv([_row("submission_7", 1.0, 0.0, email="ada@example.edu"), _row("new", 0.0, 0.0)],
                       COLUMNS, late=False)
    changes = compare(read_scores_text(before), after)
    assert [(change.submission, change.column, change.before, change.after) for change in changes] == [
        ("new", "(submission)", "not in the previous run", "new"),
        ("submission_7", "1.1 A", "2", "1"), ("submission_7", "total", "2", "1"),
        ("gone", "(submission)", "graded", "not in this run")]


def test_the_summary_counts_only_valid_scores_and_escapes_markdown():
    rows = [_row("a", 2.0, 1.0), _row("b", 1.0, 0.0), _row("c", 0.0, 0.0, name="x | y", status="grader_error")]
    summary = summarize("PS", rows, COLUMNS)
    assert (summary.count, summary.scored, summary.mean, summary.median, summary.possible) == (3, 2, 2.0, 2.0, 2.0)
    assert [(part.full_marks, part.mean) for part in summary.parts] == [(0.5, 1.5), (0.5, 0.5)]
    assert summary.statuses == {"grader_error": 1, "graded": 2}
    text = markdown(summary)
    assert "| 1.2 B | 1 EC | 50% | 0.50 |" in text and "| c | x \\| y | grader_error |" in text
    assert "| a |" not in text  # only the submissions needing attention are listed


def test_the_output_folder_inside_the_input_is_not_a_submission(tmp_path):
    (tmp_path / "alice").mkdir()
    (tmp_path / "results").mkdir()
    batch = discover(tmp_path, scratch=tmp_path / "scratch", skip=tmp_path / "results")
    assert [item.folder for item in batch.submissions] == ["alice"]
