"""Shared by the solver tests: comparing a solver's array with torch's, exactly or to float precision."""

from __future__ import annotations

import numpy as np
from hypothesis import event


def assert_same(got: np.ndarray | None, expected: np.ndarray | None, *, exact: bool) -> None:
    """``exact``: int64 and equal; else float64 and equal to 1e-12 relative. None: both rejected."""
    if expected is None:
        event("torch rejects the configuration")
        assert got is None
        return
    event("valid configuration")
    assert got is not None and got.shape == expected.shape
    if exact:
        assert got.dtype == np.int64
        assert np.array_equal(got, expected.astype(np.int64))
    else:
        assert got.dtype == np.float64
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-9)
