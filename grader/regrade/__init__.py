"""Batch regrading for TAs (``grader regrade``): every submission of a folder or a Gradescope export graded
in parallel with the real pipeline, locally or on a Dask cluster, into per-submission results.json files,
a score table, a summary, a histogram and the changes since a previous run."""

from grader.regrade.inputs import RegradeError
from grader.regrade.run import regrade
from grader.regrade.summary import RegradeSummary

__all__ = ["regrade", "RegradeError", "RegradeSummary"]
