"""Chapter 7's grid on a dask.distributed cluster given its address: the same tables as in-process,
and a store that lost a task (a killed run) resumes on the cluster to the same tables."""

import numpy as np
import pandas as pd
import pytest

from vaxis.decoding import alignment, engine
from vaxis.decoding.saturation import phase

pytestmark = pytest.mark.slow


def _targets(k: int) -> alignment.AlignmentTargets:
    """Made-up LLM-side targets for ``k`` categories (the grid only needs their shapes)."""
    rng = np.random.default_rng(0)
    cv = rng.standard_normal((k, 16)) + 3.0
    direction = rng.standard_normal(16)
    direction /= np.linalg.norm(direction)
    return alignment.make_targets(cv, (cv - cv[0]) @ direction, direction, rng.standard_normal((k, 8)),
                                  rng.standard_normal(k))


def test_grid_on_a_local_cluster_given_its_address(tmp_path):
    distributed = pytest.importorskip("distributed")
    points = phase.grid_points({"A": {"congruence": [0.0], "n_subjects": [6]}}, n_subjects=6)
    classes = engine.TrainData.from_dataset(phase.cohort_at(points[0])).classes
    fixed = pd.DataFrame({"weight": {"v_regression": 0.5}})
    kwargs = dict(fixed_weights=fixed, losses=["v_regression"], weights=None, seeds=[0], n_splits=3, n_draws=1,
                  config=engine.TrainConfig(max_epochs=2, patience=2, window_stride=20),
                  members=("logreg",), member_seeds=(0, 1), n_boot=200, progress=False)
    targets = _targets(len(classes))
    local = phase.run_grid(points, targets, tmp_path / "local", backend="sequential", **kwargs)

    # two single-threaded workers: on a cluster of one thread joblib runs every task in this process
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        remote = phase.run_grid(points, targets, tmp_path / "remote", scheduler=cluster.scheduler_address, **kwargs)
        ran = sum(client.run(lambda dask_worker: dask_worker.state.executed_count).values())
        assert ran == 2, "the baseline and the loss task should have run on the cluster's workers"
        for table in ("effects", "ensembles"):
            pd.testing.assert_frame_equal(getattr(local, table), getattr(remote, table))

        # a run killed after one task: that task's file is there, the other is not; resume on the cluster
        files = sorted((tmp_path / "remote").glob("*.json"))
        assert len(files) == 2
        files[1].unlink()
        kept = files[0].stat().st_mtime_ns
        resumed = phase.run_grid(points, targets, tmp_path / "remote", scheduler=cluster.scheduler_address, **kwargs)
        ran_again = sum(client.run(lambda dask_worker: dask_worker.state.executed_count).values()) - ran
        assert ran_again == 1 and files[1].is_file() and files[0].stat().st_mtime_ns == kept
        for table in ("effects", "ensembles"):
            pd.testing.assert_frame_equal(getattr(local, table), getattr(resumed, table))
