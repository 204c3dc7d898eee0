"""An instructor's unittest file for the adversarial suite: its expected value is a secret that no attack
may read (the file stays in the grader's process and, on Gradescope, in the locked source folder)."""

import unittest

from gradescope_utils.autograder_utils.decorators import number, weight

from cnn import conv2d_params

SECRET_EXPECTED = 8675300  # (3·3·1 + 1)·867530


class TestSecret(unittest.TestCase):
    @weight(1)
    @number("1")
    def test_secret_value(self):
        """conv2d_params on the instructor's own input"""
        self.assertEqual(conv2d_params(1, 867530, 3), SECRET_EXPECTED)
