"""autograder.zip is built from committed files: in a copy of the checkout that is its own git repository, the
zip holds the files git knows, a dirty tree is refused unless allow_dirty, and the commit is recorded; outside
git the package folder is walked and the report says so."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader.build import BuildError, BuildReport, build_zip
from grader.build import source as source_module

CHECKOUT = Path(__file__).resolve().parents[1]
ROOT_FILES = ["README.md", "pyproject.toml", "run_autograder", "setup.sh"]
PROBLEM_FILES = ["problems/ps3.yaml", "problems/cnn_code.yaml", "problems/unittests_example/test_cnn.py"]
GITIGNORE = "__pycache__/\n*.pyc\n*.egg-info/\n*.log\ngrader/local/\n"
ADVICE = ("commit them (or delete them, or list them in .gitignore), "
          "or pass --allow-dirty to package the working tree as it is")


@pytest.fixture(autouse=True)
def isolated_git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Git sees no user or system configuration, no repository above tmp_path and no hook's GIT_DIR."""
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Course Staff")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "staff@example.edu")
        monkeypatch.setenv(f"GIT_{role}_DATE", "2024-03-01T12:00:00+00:00")


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, check=True, text=True).stdout


def copy_of_checkout(target: Path) -> Path:
    """The root files, the package (no caches) and the problem files the tests build, copied to ``target``."""
    for name in ROOT_FILES + PROBLEM_FILES:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(CHECKOUT / name, target / name)
    shutil.copytree(CHECKOUT / "grader", target / "grader",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "*.log"))
    (target / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
    return target


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A copy of the checkout, committed once as its own repository."""
    root = copy_of_checkout(tmp_path / "repo")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "the course's grader")
    return root


def build(root: Path, out: Path, problem: str = "ps3", **options: bool) -> BuildReport:
    return build_zip(root / f"problems/{problem}.yaml", out, source_root=root, **options)


def names(zip_path: Path) -> list[str]:
    with zipfile.ZipFile(zip_path) as archive:
        return archive.namelist()


def read(zip_path: Path, name: str) -> bytes:
    with zipfile.ZipFile(zip_path) as archive:
        return archive.read(name)


def tracked_package(root: Path) -> set[str]:
    return {name for name in git(root, "ls-files", "-z", "--", "grader").split("\0") if name}


def refused(root: Path, out: Path, problem: str = "ps3") -> tuple[str, ...]:
    with pytest.raises(BuildError) as raised:
        build(root, out, problem)
    assert not out.exists()
    return raised.value.errors


def refusal(root: Path, *changes: str) -> tuple[str, ...]:
    verb = "is" if len(changes) == 1 else "are"
    head = git(root, "rev-parse", "HEAD").strip()
    return (f"{root}: {len(changes)} of the files that would go into the zip {verb} not committed "
            f"(HEAD is {head}):",
            *(f"  {change}" for change in changes), ADVICE)


# --- a clean work tree -----------------------------------------------------------------------------------

def test_a_clean_checkout_zips_exactly_the_committed_files_and_records_the_commit(repo: Path,
                                                                                   tmp_path: Path) -> None:
    report = build(repo, tmp_path / "autograder.zip")
    head = git(repo, "rev-parse", "HEAD").strip()
    zipped = names(report.zip_path)
    assert {name for name in zipped if name.startswith("grader/")} == tracked_package(repo)
    assert set(zipped) == set(ROOT_FILES) | tracked_package(repo) | {"problems/ps3.yaml", "BUILD_INFO.json"}
    assert (report.commit, report.dirty, report.notes) == (head, False, ())
    assert f"  built from commit {head} (clean)" in report.lines()
    assert json.loads(read(report.zip_path, "BUILD_INFO.json")) == {"commit": head, "dirty": False}


def test_the_same_commit_gives_the_same_bytes_wherever_it_is_checked_out(repo: Path, tmp_path: Path) -> None:
    first = build(repo, tmp_path / "first.zip")
    again = build(repo, tmp_path / "again.zip")
    git(tmp_path, "clone", "-q", str(repo), "clone")
    cloned = build(tmp_path / "clone", tmp_path / "cloned.zip")
    assert first.zip_path.read_bytes() == again.zip_path.read_bytes() == cloned.zip_path.read_bytes()
    assert first.sha256 == cloned.sha256 and cloned.commit == first.commit


def test_ignored_files_never_go_in_and_do_not_make_the_tree_dirty(repo: Path, tmp_path: Path) -> None:
    (repo / "grader" / "debug.log").write_text("scratch output\n", encoding="utf-8")
    (repo / "grader" / "local").mkdir()
    (repo / "grader" / "local" / "notes.py").write_text("SECRET = 1\n", encoding="utf-8")
    for options in ({}, {"allow_dirty": True}):
        report = build(repo, tmp_path / "autograder.zip", **options)
        assert not [name for name in names(report.zip_path) if "debug.log" in name or "local/" in name]
        assert report.dirty is False


# --- a dirty work tree -----------------------------------------------------------------------------------

def test_an_untracked_file_refuses_the_build_and_is_named(repo: Path, tmp_path: Path) -> None:
    (repo / "grader" / "scratch.py").write_text("print('debug')\n", encoding="utf-8")
    assert refused(repo, tmp_path / "autograder.zip") == refusal(repo, "untracked: grader/scratch.py")


def test_modified_and_staged_files_refuse_the_build(repo: Path, tmp_path: Path) -> None:
    with (repo / "grader" / "cli.py").open("a", encoding="utf-8") as stream:
        stream.write("# local edit\n")
    with (repo / "README.md").open("a", encoding="utf-8") as stream:
        stream.write("staged, not committed\n")
    git(repo, "add", "README.md")
    assert refused(repo, tmp_path / "autograder.zip") == refusal(repo, "staged: README.md",
                                                                 "modified: grader/cli.py")


def test_an_edited_problem_or_unittest_file_refuses_the_build(repo: Path, tmp_path: Path) -> None:
    with (repo / "problems" / "unittests_example" / "test_cnn.py").open("a", encoding="utf-8") as stream:
        stream.write("# local edit\n")
    assert build(repo, tmp_path / "ps3.zip").dirty is False  # ps3 does not name the unittest file
    assert refused(repo, tmp_path / "cnn.zip", "cnn_code") == refusal(
        repo, "modified: problems/unittests_example/test_cnn.py")


def test_a_deleted_package_file_refuses_the_build(repo: Path, tmp_path: Path) -> None:
    (repo / "grader" / "audit.py").unlink()
    git(repo, "rm", "-q", "grader/build/check.py")
    assert refused(repo, tmp_path / "autograder.zip") == refusal(
        repo, "deleted: grader/audit.py", "staged (deleted): grader/build/check.py")


def test_more_than_twenty_changes_are_counted_and_the_rest_summed_up(repo: Path, tmp_path: Path) -> None:
    for index in range(25):
        (repo / "grader" / f"scratch_{index:02d}.py").write_text("", encoding="utf-8")
    errors = refused(repo, tmp_path / "autograder.zip")
    assert errors[0].startswith(f"{repo}: 25 of the files that would go into the zip are not committed")
    assert errors[1:22] == (*(f"  untracked: grader/scratch_{index:02d}.py" for index in range(20)),
                            "  and 5 more")


def test_allow_dirty_packages_the_working_tree_and_says_so(repo: Path, tmp_path: Path) -> None:
    (repo / "grader" / "cli.py").write_bytes((repo / "grader" / "cli.py").read_bytes() + b"# local edit\n")
    (repo / "grader" / "scratch.py").write_text("print('debug')\n", encoding="utf-8")
    report = build(repo, tmp_path / "autograder.zip", allow_dirty=True)
    head = git(repo, "rev-parse", "HEAD").strip()
    assert read(report.zip_path, "grader/cli.py").endswith(b"# local edit\n")
    assert "grader/scratch.py" in names(report.zip_path)
    assert (report.commit, report.dirty) == (head, True)
    assert report.notes == ("the zip contains 2 uncommitted changes (--allow-dirty): "
                            "modified: grader/cli.py; untracked: grader/scratch.py",)
    assert f"  built from commit {head} (with uncommitted changes)" in report.lines()
    assert json.loads(read(report.zip_path, "BUILD_INFO.json")) == {
        "commit": head, "dirty": True, "uncommitted": ["modified: grader/cli.py", "untracked: grader/scratch.py"]}


def test_odd_file_names_are_named_and_packaged_as_they_are(repo: Path, tmp_path: Path) -> None:
    odd = "grader/wéird name [1].py"
    (repo / odd).write_text("", encoding="utf-8")
    assert refused(repo, tmp_path / "autograder.zip") == refusal(repo, f"untracked: {odd}")
    assert odd in names(build(repo, tmp_path / "autograder.zip", allow_dirty=True).zip_path)


def test_a_problem_file_outside_the_work_tree_is_noted(repo: Path, tmp_path: Path) -> None:
    shutil.copy(repo / "problems" / "ps3.yaml", tmp_path / "week3.yaml")
    report = build_zip(tmp_path / "week3.yaml", tmp_path / "autograder.zip", source_root=repo)
    assert report.dirty is False
    assert report.notes == (f"{tmp_path / 'week3.yaml'}: outside the git work tree {repo}, "
                            "so no commit records it",)


def test_a_package_file_git_ignores_is_refused_as_missing(repo: Path, tmp_path: Path) -> None:
    git(repo, "rm", "-q", "--cached", "grader/__main__.py")
    (repo / ".gitignore").write_text(GITIGNORE + "grader/__main__.py\n", encoding="utf-8")
    git(repo, "commit", "-q", "-am", "ignore __main__")
    with pytest.raises(BuildError) as raised:
        build(repo, tmp_path / "autograder.zip")
    assert raised.value.errors == (
        f"{repo}: git does not list grader/__main__.py (ignored?): the zip would not run",)


# --- without git -----------------------------------------------------------------------------------------

def test_a_source_root_outside_git_is_walked_with_a_note(tmp_path: Path) -> None:
    root = copy_of_checkout(tmp_path / "plain")
    (root / "grader" / "scratch.py").write_text("", encoding="utf-8")
    report = build(root, tmp_path / "autograder.zip")
    assert "grader/scratch.py" in names(report.zip_path)  # no git to say it is not part of the grader
    assert (report.commit, report.dirty) == (None, None)
    assert len(report.notes) == 1
    assert report.notes[0].startswith(
        f"the files could not be checked against git: {root} is not a git work tree (fatal: not a git repository")
    assert not [line for line in report.lines() if "built from commit" in line]
    info = json.loads(read(report.zip_path, "BUILD_INFO.json"))
    assert (info["commit"], info["dirty"]) == (None, None) and info["unchecked"].startswith(f"{root} is not a git")


def test_a_repository_without_commits_is_walked_with_a_note(tmp_path: Path) -> None:
    root = copy_of_checkout(tmp_path / "fresh")
    git(root, "init", "-q")
    report = build(root, tmp_path / "autograder.zip")
    assert report.commit is None
    assert report.notes == (f"the files could not be checked against git: the git work tree {root} "
                            "has no commit yet",)


def test_without_git_on_path_the_package_is_walked_with_a_note(repo: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "bin").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    report = build(repo, tmp_path / "autograder.zip")
    assert report.notes == ("the files could not be checked against git: git is not on PATH",)
    assert report.commit is None


def test_a_git_that_hangs_is_a_build_error(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "bin").mkdir()
    fake = tmp_path / "bin" / "git"
    fake.write_text("#!/bin/sh\nexec sleep 30\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(source_module, "GIT_TIMEOUT", 0.5)
    with pytest.raises(BuildError) as raised:
        build(repo, tmp_path / "autograder.zip")
    assert raised.value.errors == (f"{repo}: `git rev-parse` did not finish in 0.5 s",)


# --- the command line ------------------------------------------------------------------------------------

def grader_build(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m grader build`` with the copy's own grader package (so its SOURCE_ROOT is the copy)."""
    environment = {**os.environ, "PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, "-m", "grader", "build", "problems/ps3.yaml", *args], cwd=root,
                          env=environment, capture_output=True, text=True, timeout=120)


def test_the_command_prints_the_commit_and_refuses_a_dirty_tree_without_allow_dirty(repo: Path,
                                                                                    tmp_path: Path) -> None:
    head = git(repo, "rev-parse", "HEAD").strip()
    clean = grader_build(repo, "--out", str(tmp_path / "clean.zip"))
    assert clean.returncode == 0, clean.stderr
    assert f"  built from commit {head} (clean)" in clean.stdout.splitlines()
    (repo / "grader" / "scratch.py").write_text("", encoding="utf-8")
    dirty = grader_build(repo, "--out", str(tmp_path / "dirty.zip"))
    assert (dirty.returncode, dirty.stdout) == (2, "")
    assert dirty.stderr.splitlines() == list(refusal(repo, "untracked: grader/scratch.py"))
    allowed = grader_build(repo, "--out", str(tmp_path / "dirty.zip"), "--allow-dirty")
    assert allowed.returncode == 0, allowed.stderr
    assert f"  built from commit {head} (with uncommitted changes)" in allowed.stdout.splitlines()
