"""Huge, deeply nested or malformed answers files beside otherwise good code: the written part scores 0
with a message, and every code part is graded in full."""

import pytest

from tests.adversarial.conftest import CORRECT_VICTIM, assert_contained

WRITTEN_LOST = {"2.1": 1.0, "2.2": 1.0, "2.3": 0.0, "3.1": 1.0}

ANSWERS = {
    "alias_bomb": "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                  "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                  "honest.written: *d\n",
    "huge_file": "honest.written: 1010\n" + "# padding\n" * 2_000_000,
    "deep_nesting": "honest.written: " + "[" * 100_000 + "]" * 100_000 + "\n",
    "malformed_yaml": "honest.written: [1010\n  : : : {\n",
    "binary_garbage": bytes(range(256)) * 100,
    "python_object_tag": "honest.written: !!python/object/apply:os.system ['touch /tmp/pwned']\n",
    "power_tower": "honest.written: 9**9**9**9\n",
    "giant_integer": "honest.written: " + "9" * 100_000 + "\n",
    "nan_and_infinity": "honest.written: .nan\n",
    "dunder_escape": "honest.written: ().__class__.__bases__[0].__subclasses__()\n",
}


@pytest.mark.parametrize("name", sorted(ANSWERS))
def test_hostile_answers_files_cost_the_written_part_alone(grade, name):
    graded = grade(CORRECT_VICTIM, answers=ANSWERS[name])
    assert_contained(graded, victim_score=2.0, honest=WRITTEN_LOST)
    assert graded.feedback("2.3")
