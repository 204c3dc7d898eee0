"""Measurements the grader makes on its own GPU, when it has one, to compare with what a notebook reports.

A figure a notebook measures on a GPU (peak training memory, say) cannot be reproduced on Gradescope's
CPU-only containers, so it is judged against an analytic model there. On a grader with a CUDA GPU the
same figure is also measured for real by a *probe*: a typed function like a solver, keyed by name in
``PROBES`` and validated when a problem file loads, run in a trusted child process (``python -m
grader.measure``) so that the grading process never imports torch or holds a CUDA context.

Importing this package imports no torch.
"""

from grader.measure.probes import PROBES

__all__ = ["PROBES"]
