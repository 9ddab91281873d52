"""Benchmark: networks trained per second by chapter 7's grid -- with the engine and without it.

The vaxis way is what the chapter runs: :func:`vaxis.decoding.saturation.phase.run_grid` over the
profile's grid points: at each point the sweep's tasks (the baseline and every representative loss
at every weight, each task's folds x seeds networks trained together as stacked replicas, through
the task runner and a fresh result store) and the ensembles' members (every architecture x member
seed x fold), then the statistics. The plain way trains the same networks one at a time with
:func:`vaxis.decoding.engine.train_plain` (``torch.optim.AdamW``; the auxiliary loss added to the
cross-entropy) and no statistics. Same cohorts, folds, seeds, weights and training settings.

Both ways run in this process, the engine first, with 2 threads and an empty training cache::

    python benchmarks/phase_grid.py                    # the quick profile's grid (6 points)
    python benchmarks/phase_grid.py --max-points 2     # a smaller run: the first 2 points

The settings are chapter 7's parameters in the chosen profile (``--profile``, default ``quick``);
its LLM targets come from that profile's results folder, so run chapters 1-2 of the profile first.
The ways must agree as results: the mean test balanced accuracy of every (point, task) within 0.02.
Writes ``benchmarks/results/phase_grid.json`` (``--out``): networks, wall time and networks per
second of each way, and their ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import pandas as pd
import torch

import vaxis
from vaxis import book, io, results
from vaxis.decoding import alignment, engine, saturation, sweep
from vaxis.decoding.folds import subject_folds
from vaxis.decoding.saturation import phase
from vaxis.eeg import cohort
from vaxis.llm import hidden

HERE = Path(__file__).resolve().parent


def chapter7_parameters(profile: str) -> dict:
    """Chapter 7's papermill parameters in ``profile`` (its declared defaults, then the profile's)."""
    chapter = next(c for c in book.chapters() if c.number == "07")
    defaults = {k: v[0] for k, v in book.declared_parameters(chapter).items()}
    return {**defaults, **book.chapter_parameters(profile, chapter)}


def point_setup(p: dict, point: phase.GridPoint, geometry, targets, config) -> saturation.SweepSetup:
    """The sweep setup of one grid point, as :func:`phase.run_point` builds it."""
    dataset = phase.cohort_at(point, p["sim_seed"], geometry)
    data = engine.TrainData.from_dataset(dataset)
    folds = subject_folds(dataset.subjects, n_splits=p["n_splits"], seed=0)
    return saturation.SweepSetup(data, folds, list(p["seeds"]), p["arch"], config, targets)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--profile", default="quick")
    ap.add_argument("--max-points", type=int, default=None, help="only the first N grid points")
    ap.add_argument("--out", default="phase_grid.json", help="file name under benchmarks/results/")
    args = ap.parse_args()
    torch.set_num_threads(2)
    p = chapter7_parameters(args.profile)
    out_dir = io.results_dir(args.profile)
    default = cohort("faced", None, n_subjects=p["n_subjects"], seed=p["sim_seed"])
    classes = engine.TrainData.from_dataset(default).classes
    geometry = phase.llm_geometry(out_dir, classes)
    sentences = hidden.sentence_embeddings(p["sentence_model"], results.anchor_sentences(out_dir, classes))
    targets = saturation.targets_from_results(out_dir, default, classes, sentences)
    config = engine.TrainConfig(max_epochs=p["max_epochs"], lr=p["lr"], patience=p["patience"],
                                window_stride=p["window_stride"])
    names = list(phase.REPRESENTATIVES.values()) if p["losses"] is None else list(p["losses"])
    points = phase.grid_points(p["planes"], p["n_subjects"])[:args.max_points]
    with tempfile.TemporaryDirectory() as tmp:
        os.environ[io.CACHE_ENV] = str(Path(tmp) / "cache")  # no cached members: every network trains
        store = Path(tmp) / "store"
        t0 = time.perf_counter()
        phase.run_grid(points, targets, store, sim_seed=p["sim_seed"], category_geometry=geometry,
                       alpha=p["alpha"], losses=names, weights=p["weights"], fixed_weight=p["fixed_weight"],
                       config=config, seeds=p["seeds"], n_splits=p["n_splits"], arch=p["arch"],
                       members=p["members"], member_seeds=p["member_seeds"], backend=p["backend"],
                       n_jobs=p["n_jobs"], n_boot=p["n_boot"], seed=p["seed"], progress=True)
        engine_wall = time.perf_counter() - t0
        from tqdm import tqdm

        t0 = time.perf_counter()
        plain_rows, engine_rows, n_plain = [], [], 0
        for point in tqdm(points, desc="plain loop", unit="point"):
            setup = point_setup(p, point, geometry, targets, config)
            tasks = saturation.make_tasks(setup, names, p["weights"])
            for t in tasks:
                aux = None if t.name == saturation.BASELINE else alignment.as_aux_loss(t.name, targets)
                for f in setup.folds:
                    for s in setup.seeds:
                        u = engine.train_plain(setup.arch, setup.data, f, s, config, aux_loss=aux,
                                               aux_weight=t.params["weight"])
                        plain_rows.append({"point": point.label, "task": t.name, "weight": t.params["weight"],
                                           "test_bacc": u.metrics["balanced_accuracy"]})
                        n_plain += 1
            for a in p["members"]:
                for s in p["member_seeds"]:
                    for f in setup.folds:
                        engine.train_plain(a, setup.data, f, s, config)
                        n_plain += 1
            table = sweep.ResultStore(store).table(tasks)
            engine_rows += [{"point": point.label, "task": r.task, "weight": r.weight, "test_bacc": r.test_bacc}
                            for r in table.itertuples()]
        plain_wall = time.perf_counter() - t0
    per_point = (1 + len(names) * len(p["weights"])) * p["n_splits"] * len(p["seeds"]) \
        + len(p["members"]) * len(p["member_seeds"]) * p["n_splits"]
    n_networks = per_point * len(points)
    assert n_plain == n_networks, (n_plain, n_networks)
    key = ["point", "task", "weight"]
    diff = (pd.DataFrame(engine_rows).groupby(key).test_bacc.mean()
            - pd.DataFrame(plain_rows).groupby(key).test_bacc.mean()).abs()
    assert diff.notna().all() and diff.max() < 0.02, f"the ways disagree: {diff.sort_values().tail()}"
    ways = {"engine": {"networks": n_networks, "wall_s": round(engine_wall, 1),
                       "networks_per_s": round(n_networks / engine_wall, 3)},
            "plain": {"networks": n_networks, "wall_s": round(plain_wall, 1),
                      "networks_per_s": round(n_networks / plain_wall, 3)}}
    res = {"profile": args.profile, "points": len(points),
           "parameters": {k: p[k] for k in ("n_subjects", "n_splits", "seeds", "weights", "arch", "members",
                                            "member_seeds", "max_epochs", "window_stride", "backend", "n_jobs")},
           "losses": names, "torch": torch.__version__, "machine": platform.machine(), "cpus": os.cpu_count(),
           "threads": 2, "numerics": vaxis.numerics.describe()["mode"], "load_average_after": os.getloadavg()[0],
           **ways, "speedup": round(plain_wall / engine_wall, 2),
           "max_task_mean_bacc_diff": float(diff.max()), "mean_task_bacc_diff": float(diff.mean())}
    path = HERE / "results" / args.out
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(res, indent=2) + "\n")
    print("\n| way | points | networks | wall (s) | networks/s |\n| --- | --- | --- | --- | --- |")
    for w, r in ways.items():
        print(f"| {w} | {len(points)} | {r['networks']} | {r['wall_s']} | {r['networks_per_s']} |")
    print(f"speed-up {res['speedup']}x; largest per-task difference in mean test accuracy {diff.max():.4f}; "
          f"load average after {res['load_average_after']:.1f}")


if __name__ == "__main__":
    main()
