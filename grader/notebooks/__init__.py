"""Submitted Jupyter notebooks, run headless in the sandbox and read back as plain values.

``read`` checks an uploaded ``.ipynb`` before anything parses it deeply (size, nesting, cell count,
nbformat); ``kernel`` starts an IPython kernel as the sandbox user (the notebook's own kernelspec is
ignored), reached over Unix sockets so that it can live in a network namespace; ``execute`` runs the
cells one by one under a per-cell timeout, an interrupt and a watchdog that kills a kernel ignoring it,
continues past errors, notices a dead kernel, and reads the requested names back after every cell (so a
kernel that dies in cell N keeps what the cells before it produced).
"""
