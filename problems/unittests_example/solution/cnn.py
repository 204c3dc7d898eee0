"""A reference submission for test_cnn.py (full marks); instructors can grade it to check the tests."""


def conv_output_size(n, k, s, p, d):
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def conv2d_params(c_in, c_out, k, bias=True):
    return c_out * c_in * k * k + (c_out if bias else 0)
