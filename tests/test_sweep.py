"""The task runner and result store: skip what is done, survive a kill, same table; dask backend."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from vaxis._checks import VaxisInputError
from vaxis.decoding import sweep

ROOT = Path(__file__).resolve().parents[1]


def square(task):
    return [{"seed": s, "value": task.params["x"] ** 2 + s} for s in range(2)]


TASKS = [sweep.Task(f"s{i % 3}", {"x": i}) for i in range(9)]


def test_store_skips_finished_tasks(tmp_path):
    store = sweep.ResultStore(tmp_path)
    calls = []

    def counted(t):
        calls.append(t.key)
        return square(t)

    first = sweep.run(TASKS[:4], counted, store, backend="sequential", progress=False)
    table = sweep.run(TASKS, counted, store, backend="sequential", progress=False)
    assert len(calls) == 9 and len(set(calls)) == 9  # the first four ran once only
    assert table.shape == (18, 4) and table.value.tolist()[:4] == first.value.tolist()[:4]
    with pytest.raises(VaxisInputError, match="backend"):
        sweep.run(TASKS, square, store, backend="mpi")
    with pytest.raises(VaxisInputError, match="same key"):
        sweep.run([TASKS[0], TASKS[0]], square, store, backend="sequential")


def test_loky_equals_sequential(tmp_path):
    a = sweep.run(TASKS, square, sweep.ResultStore(tmp_path / "a"), backend="sequential", progress=False)
    b = sweep.run(TASKS, square, sweep.ResultStore(tmp_path / "b"), backend="loky", n_jobs=2, progress=False)
    pd.testing.assert_frame_equal(a, b)


SLOW_SWEEP = """
import sys, time
from vaxis.decoding import sweep
def slow(task):
    time.sleep(0.3)
    return [{"value": task.params["x"] * 10}]
tasks = [sweep.Task("t", {"x": i}) for i in range(12)]
table = sweep.run(tasks, slow, sweep.ResultStore(sys.argv[1]), backend="sequential", progress=False)
table.to_csv(sys.argv[2], index=False)
"""


@pytest.mark.slow
def test_killed_sweep_resumes_to_the_same_table(tmp_path):
    script = tmp_path / "s.py"
    script.write_text(textwrap.dedent(SLOW_SWEEP))
    env = {**os.environ}
    subprocess.run([sys.executable, str(script), str(tmp_path / "clean"), str(tmp_path / "clean.csv")],
                   check=True, cwd=ROOT, env=env)
    proc = subprocess.Popen([sys.executable, str(script), str(tmp_path / "kill"), str(tmp_path / "x.csv")],
                            cwd=ROOT, env=env)
    deadline = time.time() + 60
    while len(list((tmp_path / "kill").glob("*.json"))) < 4 and time.time() < deadline:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done = len(list((tmp_path / "kill").glob("*.json")))
    assert 0 < done < 12, "the kill should land part-way"
    subprocess.run([sys.executable, str(script), str(tmp_path / "kill"), str(tmp_path / "resumed.csv")],
                   check=True, cwd=ROOT, env=env)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "clean.csv"), pd.read_csv(tmp_path / "resumed.csv"))


@pytest.mark.slow
def test_dask_local_cluster_backend(tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster):
        table = sweep.run(TASKS, square, sweep.ResultStore(tmp_path), backend="dask", progress=False)
    ref = sweep.run(TASKS, square, sweep.ResultStore(tmp_path / "ref"), backend="sequential", progress=False)
    pd.testing.assert_frame_equal(table, ref)
