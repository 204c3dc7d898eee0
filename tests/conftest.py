from __future__ import annotations

import os

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-goldens", action="store_true", help="rewrite stored expected results")
    parser.addoption("--slow", action="store_true", help="run the long property-test profiles too")


def pytest_configure(config: pytest.Config) -> None:
    """``--slow`` runs every solver property test with ten times more hypothesis examples. The GPU paths are
    off (stored results are Gradescope's CPU ones); the tests that need a GPU turn them on themselves."""
    os.environ["GRADER_GPU"] = "off"
    if config.getoption("--slow"):
        os.environ["GRADER_HYPOTHESIS_SCALE"] = "10"


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))
