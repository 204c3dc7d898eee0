"""The same batch on a Dask cluster (a LocalCluster of two worker processes) gives the same results."""

from __future__ import annotations

import io
import logging
import json

import pytest
from rich.console import Console

from grader.regrade import RegradeError, regrade
from tests.regrade.conftest import NAMES, PS3, timing_course, without_time

distributed = pytest.importorskip("distributed")


def test_a_dask_cluster_grades_exactly_as_the_local_workers(course, tmp_path):
    local, remote = tmp_path / "local", tmp_path / "remote"
    regrade(course, PS3, local, workers=2, progress=False, console=Console(file=io.StringIO()))
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0",
                                  silence_logs=logging.ERROR) as cluster:
        summary = regrade(course, PS3, remote, scheduler=cluster.scheduler_address, progress=False,
                          console=Console(file=io.StringIO()))
    assert summary.count == len(NAMES) and summary.statuses == {"answers_unread": 2, "graded": 6}
    assert (remote / "scores.csv").read_text() == (local / "scores.csv").read_text()
    for name in NAMES:
        here, there = (json.loads((folder / name / "results.json").read_text()) for folder in (local, remote))
        assert without_time(there) == without_time(here)


def test_an_unreachable_scheduler_is_an_error_not_a_hang(course, tmp_path, monkeypatch):
    from grader.regrade import cluster

    monkeypatch.setattr(cluster, "CONNECT_SECONDS", 1)
    with pytest.raises(RegradeError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        regrade(course, PS3, tmp_path / "out", scheduler="tcp://127.0.0.1:9", progress=False,
                console=Console(file=io.StringIO()))


def test_a_submission_that_kills_dask_workers_gets_its_own_status(course, tmp_path, monkeypatch):
    import dask

    from grader.regrade import cluster, run
    from tests.regrade.crashing import grade_or_die

    (course / "crash_me").mkdir()
    real = cluster.run_cluster
    monkeypatch.setattr(cluster, "run_cluster", lambda *args, **kwargs: real(*args, task=grade_or_die, **kwargs))
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), \
            distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0",
                                     silence_logs=logging.ERROR) as local_cluster:
        summary = run.regrade(course, PS3, tmp_path / "out", scheduler=local_cluster.scheduler_address,
                              progress=False, console=Console(file=io.StringIO()))
    crashed = [item for item in summary.attention if item.status == "worker_crashed"]
    assert [item.submission for item in crashed] == ["crash_me"]
    assert "the last ones grading it alone" in crashed[0].message
    assert summary.scored == len(NAMES)


def test_the_time_limit_holds_on_a_dask_cluster(tmp_path):
    problems, course = timing_course(tmp_path)
    out = tmp_path / "out"
    with distributed.LocalCluster(n_workers=1, processes=True, threads_per_worker=2, dashboard_address=":0",
                                  silence_logs=logging.ERROR) as cluster:
        summary = regrade(course, problems, out, scheduler=cluster.scheduler_address, timeout=2, progress=False,
                          console=Console(file=io.StringIO()))
    statuses = {item.submission: (item.status, item.message) for item in summary.attention}
    assert statuses == {"slow": ("timeout", "grading took longer than 2 s and was stopped")}
    assert json.loads((out / "honest" / "results.json").read_text())["score"] == 1
    stopped = json.loads((out / "slow" / "results.json").read_text())
    assert stopped["score"] == 0 and "grading took longer than 2 s" in json.dumps(stopped)
    assert summary.seconds < 30
