"""Example instructor tests for a code question. Students submit ``cnn.py`` with

    conv_output_size(n, k, s, p, d)           output length of a convolution over n inputs: kernel k,
                                              stride s, padding p (each side), dilation d
    conv2d_params(c_in, c_out, k, bias=True)  parameters of nn.Conv2d(c_in, c_out, k, bias=bias)

Written like Gradescope's samples, with gradescope-utils decorators. The grader runs this file in its own
process: ``from cnn import ...`` gives stand-ins that run the student's functions in the sandbox with the
arguments given here, so the expected values below never reach the student's code. They come from the
grader's reference solvers (checked against torch in the grader's own tests), not from hand-typed numbers;
literal values work just as well.

Scoring (8 points): a test earns its ``@weight`` when it passes; a test with subtests earns its share of
the subtests that pass; ``set_score`` (with ``@partial_credit``) sets the score itself. See
``grader/unittests/`` for the runner.
"""

import unittest

from gradescope_utils.autograder_utils.decorators import hide_errors, number, partial_credit, tags, visibility, weight

from cnn import conv2d_params, conv_output_size
from grader.solvers.params import conv2d_params as expected_params
from grader.solvers.sizes import conv_output_size as expected_size


def fits(n, k, p, d):
    """The dilated kernel, d(k - 1) + 1 wide, fits in the padded input."""
    return d * (k - 1) + 1 <= n + 2 * p


class TestConvOutputSize(unittest.TestCase):
    @weight(1)
    @number("1.1")
    @tags("output-size")
    def test_no_padding(self):
        """conv_output_size: a 3-wide kernel, stride 1, no padding"""
        self.assertEqual(conv_output_size(7, 3, 1, 0, 1), expected_size(7, 3, 1, 0, 1),
                         "conv_output_size(7, 3, 1, 0, 1)")

    @weight(1)
    @number("1.2")
    @tags("output-size")
    def test_stride_and_padding(self):
        """conv_output_size: stride 2 with padding 2"""
        self.assertEqual(conv_output_size(32, 5, 2, 2, 1), expected_size(32, 5, 2, 2, 1),
                         "conv_output_size(32, 5, 2, 2, 1)")

    @weight(2)
    @number("1.3")
    @tags("output-size")
    def test_grid(self):
        """conv_output_size on many configurations (each counts for its share)"""
        for n in (5, 8, 13):
            for k in (1, 3, 5):
                for s in (1, 2, 3):
                    for p in (0, 1, 2):
                        for d in (1, 2):
                            if fits(n, k, p, d):
                                with self.subTest(n=n, k=k, s=s, p=p, d=d):
                                    self.assertEqual(conv_output_size(n, k, s, p, d), expected_size(n, k, s, p, d))

    @weight(1)
    @number("1.4")
    @visibility("hidden")
    @hide_errors("Check dilation: a kernel of size k with dilation d spans d(k - 1) + 1 inputs.")
    def test_dilation_hidden(self):
        """conv_output_size with dilation (hidden)"""
        for n, k, s, p, d in [(28, 3, 1, 2, 2), (64, 7, 2, 3, 3)]:
            self.assertEqual(conv_output_size(n, k, s, p, d), expected_size(n, k, s, p, d))


class TestConv2dParams(unittest.TestCase):
    CONFIGS = [(3, 16, 3), (16, 32, 5), (64, 128, 1)]

    @partial_credit(2)
    @number("2.1")
    @tags("parameters")
    def test_weights_and_biases(self, set_score=None):
        """conv2d_params: weights (1 point) and biases (1 point)"""
        weights = all(conv2d_params(c_in, c_out, k, bias=False) == expected_params(c_in, c_out, k, bias=False)
                      for c_in, c_out, k in self.CONFIGS)
        biases = all(conv2d_params(c_in, c_out, k, bias=True) == expected_params(c_in, c_out, k, bias=True)
                     for c_in, c_out, k in self.CONFIGS)
        set_score(int(weights) + int(biases))
        if not weights:
            self.fail("Without a bias, count one weight per input channel, output channel and kernel cell.")
        if not biases:
            self.fail("With bias=True, add one bias per output channel.")

    @weight(1)
    @number("2.2")
    @tags("parameters")
    def test_default_bias(self):
        """conv2d_params: bias is on by default"""
        self.assertEqual(conv2d_params(3, 64, 7), expected_params(3, 64, 7), "conv2d_params(3, 64, 7)")
