"""CNN homework autograder: YAML problem sets, reference solvers, safe answer parsing, Gradescope results."""

__version__ = "0.1.0"
