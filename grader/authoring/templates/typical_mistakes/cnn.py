"""{{name}}, typical mistakes: the convolution output size without its + 1 (mistake OFF_BY_ONE)."""


def conv_output_size(n, k, s=1, p=0):
    """Output length of a convolution (forgets the + 1 that counts the first window position)."""
    return (n + 2 * p - k) // s
