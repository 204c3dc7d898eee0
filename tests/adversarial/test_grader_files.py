"""Reading or deleting the grader's files: the problem set, the instructor's test file, the results folder,
the grader's own code and the grader process. As root, all of it is out of the sandbox user's reach; the
attack returns whatever it found, and none of it reaches the feedback."""

import hashlib
from pathlib import Path

import pytest

from tests.adversarial.conftest import REPO, assert_contained, needs_root

pytestmark = needs_root

READ_ANYTHING = """
    import os
    def victim(a, b, k):
        found = []
        for path in {paths}:
            try:
                with open(path, "rb") as source:
                    found.append(source.read(4096).decode("latin-1"))
            except OSError as error:
                found.append(type(error).__name__)
        return found
"""

READS = {
    "problem_set": ["{ROOT}/source/problems.yaml"],
    "instructor_tests": ["{ROOT}/source/secret_tests.py"],
    "previous_results": ["{ROOT}/results/results.json"],
    "the_original_upload": ["{ROOT}/submission/answers.yaml", "{ROOT}/submission_metadata.json"],
    "grader_process_memory_and_environment": ["/proc/%d/environ" % 1, "/proc/self/../%d/mem" % 1],
}


def _parent_paths(suffix: str) -> str:
    return f'["/proc/%d/{suffix}" % os.getppid()]'


@pytest.mark.parametrize("name", sorted(READS))
def test_grader_files_cannot_be_read(grade, name):
    assert_contained(grade(READ_ANYTHING.format(paths=READS[name])))


@pytest.mark.parametrize("what", ["environ", "mem", "cwd/source/problems.yaml", "root/etc/shadow"])
def test_the_grader_process_cannot_be_read(grade, what):
    assert_contained(grade(READ_ANYTHING.format(paths=_parent_paths(what))))


def test_a_walk_of_the_file_system_finds_no_key(grade):
    graded = grade("""
        import os
        def victim(a, b, k):
            seen = []
            for top in ("/tmp", "/autograder", "{ROOT}", "/run", "/opt"):
                for folder, dirs, files in os.walk(top):
                    for name in files:
                        if name.endswith((".yaml", ".json")) or name.startswith("secret"):
                            try:
                                with open(os.path.join(folder, name)) as source:
                                    seen.append(source.read(2000))
                            except (OSError, UnicodeDecodeError):
                                pass
            return "".join(seen)[:9000]
    """)
    assert_contained(graded)


def _digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def test_grader_files_cannot_be_deleted_or_changed(grade):
    before = _digest(REPO / "grader")
    graded = grade(f"""
        import os, shutil
        def victim(a, b, k):
            for path in ("{{ROOT}}/source/problems.yaml", "{{ROOT}}/source/secret_tests.py"):
                try:
                    os.remove(path)
                except OSError:
                    pass
            for folder in ("{{ROOT}}/results", "{{ROOT}}/source", "{{ROOT}}/submission"):
                shutil.rmtree(folder, ignore_errors=True)
                try:
                    os.chmod(folder, 0o777)
                except OSError:
                    pass
            try:
                with open("{REPO}/grader/pipeline.py", "a") as out:
                    out.write("\\nraise SystemExit")
            except OSError:
                pass
            return 0
    """)
    assert_contained(graded)
    assert (graded.root / "source" / "problems.yaml").is_file()
    assert (graded.root / "source" / "secret_tests.py").is_file()
    assert _digest(REPO / "grader") == before
