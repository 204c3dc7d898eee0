"""An answers.yaml for students to fill in: every key, with its prompt and expected format as comments."""

from __future__ import annotations

import textwrap

from grader.answers import KINDS
from grader.problems.model import CodePart, NotebookPart, ProblemSet, part_key, part_number


def answers_template(problem_set: ProblemSet) -> str:
    lines = [
        f"# {problem_set.title}: answers file (save as answers.yaml and upload it to Gradescope)",
        "# Write each answer after the colon, on the same line. Keep the keys exactly as they are.",
        "# Arithmetic is fine (3*3*10*20 + 20); so are thousands separators (11,329,414,656).",
        "# Matrices: [[1, 0], [-1, 4]] or [1 0; -1 4]. Quote an answer that contains ': ' or '#'.",
        "",
    ]
    for problem in problem_set.problems:
        lines.append(f"# ── {problem.title} " + "─" * max(4, 60 - len(problem.title)))
        for part in problem.parts:
            if isinstance(part, CodePart):
                lines.append(f"# {part_number(problem_set, problem, part)}: graded from your code "
                             f"(`{part.code.function}` in {part.code.file}); nothing to write here")
                lines.append("")
                continue
            if isinstance(part, NotebookPart):
                read = part.notebook.value or part.notebook.function
                lines.append(f"# {part_number(problem_set, problem, part)}: graded from your notebook "
                             f"(`{read}`); nothing to write here")
                lines.append("")
                continue
            points = f"{part.points:g} point{'s' if part.points != 1 else ''}"
            if part.extra_credit:
                points += ", extra credit"
            lines.append(f"# {part_number(problem_set, problem, part)} ({points})")
            lines += _comment(part.prompt)
            lines += _comment("Format: " + KINDS[part.answer.kind].describe(part.answer))
            lines.append(f"{part_key(problem, part)}:")
            lines.append("")
    return "\n".join(lines)


def _comment(text: str) -> list[str]:
    wrapped: list[str] = []
    for paragraph in text.strip().splitlines() or [""]:
        wrapped += textwrap.wrap(paragraph, width=96) or [""]
    return [f"#   {line}".rstrip() for line in wrapped]
