"""The instructor test files under fixtures/ are inputs for the runner, not tests for pytest to collect."""

collect_ignore = ["fixtures"]
