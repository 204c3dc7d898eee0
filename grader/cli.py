"""Command line: ``grader grade | regrade | validate | key | template | audit | solvers | build | check | new | schema | gradescope``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INVALID = 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    return args.handler(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="grader", description="Autograder for CNN homework (Gradescope).")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    grade = commands.add_parser("grade", help="grade one submission folder and write results.json")
    grade.add_argument("submission", type=Path, help="the submission folder")
    grade.add_argument("--problems", type=Path, required=True, help="the problem-set YAML file")
    grade.add_argument("--out", type=Path, default=Path("results.json"), help="where to write results.json")
    grade.add_argument("--quiet", action="store_true", help="do not print the score table")
    grade.add_argument("--metadata", type=Path, help="Gradescope's submission_metadata.json (for the late policy)")
    grade.set_defaults(handler=_grade)

    validate = commands.add_parser("validate", help="check problem-set files; exit 2 with file:line errors")
    validate.add_argument("files", type=Path, nargs="+")
    validate.set_defaults(handler=_validate)

    key = commands.add_parser("key", help="print the answer key computed by the reference solvers")
    key.add_argument("file", type=Path)
    key.add_argument("--format", choices=("json", "md"), default="json")
    key.set_defaults(handler=_key)

    template = commands.add_parser("template", help="print an answers.yaml template for students")
    template.add_argument("file", type=Path)
    template.set_defaults(handler=_template)

    audit = commands.add_parser("audit", help="list where a document's printed answers disagree with the solvers")
    audit.add_argument("files", type=Path, nargs="+")
    audit.set_defaults(handler=_audit)

    solvers = commands.add_parser("solvers", help="list the reference solvers and their arguments")
    solvers.set_defaults(handler=_solvers)

    regrade = commands.add_parser("regrade", help="grade a folder of submissions or a Gradescope export, in parallel")
    regrade.add_argument("path", type=Path, help="a folder of submission folders, or a Gradescope export (zip or folder)")
    regrade.add_argument("--problems", type=Path, required=True, help="the problem-set YAML file")
    regrade.add_argument("--out", type=Path, required=True,
                         help="the folder for results, scores.csv, summary.md and the plots")
    regrade.add_argument("--workers", type=int, default=None, help="local worker processes (default: one per core)")
    regrade.add_argument("--against", type=Path, default=None, help="a previous --out folder: report changed scores")
    regrade.add_argument("--scheduler", default=None, help="a Dask scheduler address (tcp://host:port) to run on")
    regrade.add_argument("--timeout", type=float, default=600.0, help="seconds for one submission (default 600)")
    regrade.add_argument("--no-progress", action="store_true", help="no progress bar")
    regrade.add_argument("--due", default=None, metavar="WHEN",
                         help="the due date for the late policy: ISO 8601 with a UTC offset, 2026-10-05T23:59:00-04:00")
    regrade.add_argument("--late-due", default=None, metavar="WHEN",
                         help="the late due date (needs --due)")
    regrade.add_argument("--extensions", type=Path, default=None, metavar="FILE",
                         help="a CSV of per-student due dates: email or sid, due_date, late_due_date (needs --due)")
    regrade.set_defaults(handler=_regrade)

    build = commands.add_parser("build", help="write autograder.zip for a problem set (--check: run it as Gradescope would)")
    build.add_argument("file", type=Path)
    build.add_argument("--out", type=Path, default=Path("autograder.zip"), help="the zip to write (autograder.zip)")
    build.add_argument("--check", action="store_true",
                       help="unpack the zip into a Gradescope-like layout and grade every example with it")
    build.add_argument("--examples", type=Path, default=Path("submissions_example"),
                       help="the example submissions --check grades (submissions_example)")
    build.add_argument("--allow-dirty", action="store_true",
                       help="package uncommitted changes and untracked files too (the zip then matches no commit)")
    build.set_defaults(handler=_build)

    check = commands.add_parser("check", help="pre-flight: examples score as stored, the reference gets full marks")
    check.add_argument("file", type=Path)
    check.add_argument("--examples", type=Path, default=Path("submissions_example"))
    check.set_defaults(handler=_check)

    new = commands.add_parser("new", help="write a starter problem set (one part of each kind) with graded examples")
    new.add_argument("name", help="the problem set's id, a lowercase identifier")
    new.add_argument("--root", type=Path, default=Path("."), help="the folder holding problems/ and submissions_example/")
    new.set_defaults(handler=_new)

    schema = commands.add_parser("schema", help="print the JSON Schema of problem-set YAML, for editors")
    schema.set_defaults(handler=_schema)

    gradescope = commands.add_parser("gradescope", help="grade inside a Gradescope container (run_autograder)")
    gradescope.add_argument("--root", type=Path, default=Path("/autograder"))
    gradescope.add_argument("--problems", type=Path, required=True)
    gradescope.set_defaults(handler=_gradescope)
    return parser


def _load_or_report(path: Path):
    from grader.problems.loader import ProblemSetError, load_problem_set

    try:
        return load_problem_set(path)
    except ProblemSetError as error:
        print(error, file=sys.stderr)
        return None


def _grade(args: argparse.Namespace) -> int:
    from grader.pipeline import grade_and_write
    from grader.results.table import score_table

    problem_set = _load_or_report(args.problems)
    if problem_set is None:
        return EXIT_INVALID
    if not args.submission.is_dir():
        print(f"grader: {args.submission} is not a folder", file=sys.stderr)
        return EXIT_INVALID
    metadata = None
    if args.metadata is not None:
        from grader.submission.metadata import read_metadata

        metadata = read_metadata(args.metadata)
        if metadata is None:
            print(f"grader: {args.metadata} is not a readable submission_metadata.json", file=sys.stderr)
            return EXIT_INVALID
    report = grade_and_write(problem_set, args.submission, args.out, metadata)
    if not args.quiet:
        print(score_table(report))
        print(f"\nwrote {args.out}")
    return EXIT_OK


def _validate(args: argparse.Namespace) -> int:
    from grader.problems.loader import validate_file

    failed = False
    for path in args.files:
        errors = validate_file(path)
        for error in errors:
            print(error, file=sys.stderr)
        if not errors:
            print(f"{path}: ok")
        failed = failed or bool(errors)
    return EXIT_INVALID if failed else EXIT_OK


def _key(args: argparse.Namespace) -> int:
    from grader.keys import key_json, key_markdown

    problem_set = _load_or_report(args.file)
    if problem_set is None:
        return EXIT_INVALID
    try:
        text = key_json(problem_set) if args.format == "json" else key_markdown(problem_set) + "\n"
    except Exception as error:  # a solver failed: the problem file needs fixing, not a traceback
        print(f"grader: cannot compute the key of {args.file}: {error} (run `grader validate` for the part)",
              file=sys.stderr)
        return EXIT_INVALID
    sys.stdout.write(text)
    return EXIT_OK


def _template(args: argparse.Namespace) -> int:
    from grader.template import answers_template

    problem_set = _load_or_report(args.file)
    if problem_set is None:
        return EXIT_INVALID
    sys.stdout.write(answers_template(problem_set))
    return EXIT_OK


def _audit(args: argparse.Namespace) -> int:
    from grader.audit import audit, audit_report

    status = EXIT_OK
    for path in args.files:
        problem_set = _load_or_report(path)
        if problem_set is None:
            status = EXIT_INVALID
            continue
        sys.stdout.write(audit_report(problem_set, audit(problem_set)) + "\n")
    return status


def _solvers(args: argparse.Namespace) -> int:
    import inspect

    from grader.solvers import SOLVERS

    for name, solver in sorted(SOLVERS.items()):
        signature = inspect.signature(solver.func)
        print(f"{name}{signature}\n    {solver.summary}")
    return EXIT_OK


def _regrade(args: argparse.Namespace) -> int:
    from grader.problems.loader import ProblemSetError
    from grader.regrade import RegradeError, regrade
    from grader.regrade.due import parse_due

    times = {}
    for flag, text in (("--due", args.due), ("--late-due", args.late_due)):
        try:
            times[flag] = parse_due(text) if text is not None else None
        except ValueError as error:
            print(f"grader regrade: {flag} {error}", file=sys.stderr)
            return EXIT_INVALID
    try:
        summary = regrade(args.path, args.problems, args.out, workers=args.workers, against=args.against,
                          scheduler=args.scheduler, progress=not args.no_progress, timeout=args.timeout,
                          due=times["--due"], late_due=times["--late-due"], extensions=args.extensions)
    except (ProblemSetError, RegradeError) as error:
        print(f"grader regrade: {error}", file=sys.stderr)
        return EXIT_INVALID
    return EXIT_FAILED if summary.failed else EXIT_OK


def _build(args: argparse.Namespace) -> int:
    from grader.build import BuildError, build_zip, check_zip

    try:
        report = build_zip(args.file, args.out, allow_dirty=args.allow_dirty)
        print("\n".join(report.lines()))
        if not args.check:
            return EXIT_OK
        checked = check_zip(args.out, args.file, args.examples)
    except BuildError as error:
        print(error, file=sys.stderr)
        return EXIT_INVALID
    print("\n".join(checked.lines()))
    return EXIT_OK if checked.ok else EXIT_FAILED


def _check(args: argparse.Namespace) -> int:
    from grader.preflight import check_problem_set

    report = check_problem_set(args.file, args.examples)
    print("\n".join(report.lines()))
    if not report.valid:
        return EXIT_INVALID
    return EXIT_OK if report.ok else EXIT_FAILED


def _new(args: argparse.Namespace) -> int:
    from grader.authoring import new_problem_set

    try:
        written = new_problem_set(args.name, args.root)
    except (ValueError, FileExistsError) as error:
        print(f"grader new: {error}", file=sys.stderr)
        return EXIT_INVALID
    for path in written:
        print(path)
    return EXIT_OK


def _schema(args: argparse.Namespace) -> int:
    import json

    from grader.authoring import problem_set_schema

    print(json.dumps(problem_set_schema(), indent=2, ensure_ascii=False))
    return EXIT_OK


def _gradescope(args: argparse.Namespace) -> int:
    from grader.gradescope import run_in_container

    return run_in_container(root=args.root, problems=args.problems)


if __name__ == "__main__":
    raise SystemExit(main())
