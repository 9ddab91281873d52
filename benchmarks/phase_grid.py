"""Benchmark: networks trained per second by chapter 7's grid -- with the engine and without it.

The vaxis way is what the chapter runs: :func:`vaxis.decoding.saturation.phase.run_grid` over the
profile's grid points and generator draws: at each cohort and draw the sweep's tasks (the baseline
and every representative loss at its scaled fixed weight and the chosen arm's weights, each task's
folds x seeds networks trained together as stacked replicas, through the task runner and a fresh
result store), the ensembles' members (every member spec x member seed x fold) and the
manipulation checks, then the statistics. The plain way trains the same loss networks one at a time
with :func:`vaxis.decoding.engine.train_plain` (``torch.optim.AdamW``; the auxiliary loss added to
the cross-entropy) and no statistics. Same cohorts, folds, seeds, weights and training settings.

Both ways run in this process, the engine first, with 2 threads and an empty training cache::

    python benchmarks/phase_grid.py                    # the quick profile's grid
    python benchmarks/phase_grid.py --max-points 2     # a smaller run: the first 2 points

The settings are chapter 7's parameters in the chosen profile (``--profile``, default ``quick``);
its LLM targets come from that profile's results folder, so run chapters 1-2 of the profile first.
The ways must agree as results: the mean test balanced accuracy of every (point, task) within 0.02.
Writes ``benchmarks/results/phase_grid.json`` (``--out``): networks, wall time, CPU time and
networks per second of each way, their ratio and the machine's load average (a shared machine's
wall time says little on its own: the CPU time of this process is the steadier measure).
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
from vaxis.decoding.saturation import phase, scaling
from vaxis.llm import hidden

HERE = Path(__file__).resolve().parent


def chapter7_parameters(profile: str) -> dict:
    """Chapter 7's papermill parameters in ``profile`` (its declared defaults, then the profile's)."""
    chapter = next(c for c in book.chapters() if c.number == "07")
    defaults = {k: v[0] for k, v in book.declared_parameters(chapter).items()}
    return {**defaults, **book.chapter_parameters(profile, chapter)}


def point_setup(p: dict, point: phase.GridPoint, draw: int, targets, config) -> saturation.SweepSetup:
    """The sweep setup of one grid point and draw, as :func:`phase.run_grid` builds it."""
    dataset = phase.cohort_at(point, p["sim_seed"] + draw)
    data = engine.TrainData.from_dataset(dataset)
    folds = subject_folds(dataset.subjects, n_splits=p["n_splits"], seed=0)
    return saturation.SweepSetup(data, folds, list(p["seeds"]), p["arch"], config, targets)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--profile", default="quick")
    ap.add_argument("--max-points", type=int, default=None, help="only the first N distinct cohorts")
    ap.add_argument("--plain", action="store_true", help="also train the loss networks one at a time")
    ap.add_argument("--out", default="phase_grid.json", help="file name under benchmarks/results/")
    args = ap.parse_args()
    torch.set_num_threads(2)
    p = chapter7_parameters(args.profile)
    out_dir = io.results_dir(args.profile)
    run_planes, _ = phase.split_planes(p["planes"])
    points = phase.grid_points(run_planes, p["n_subjects"])
    cohorts = list({pt.key: pt for pt in points}.values())[:args.max_points]
    points = [pt for pt in points if pt.key in {c.key for c in cohorts}]
    reference = phase.cohort_at(phase.reference_point(p["n_subjects"]), p["sim_seed"])
    data0 = engine.TrainData.from_dataset(reference)
    classes = data0.classes
    sentences = hidden.sentence_embeddings(p["sentence_model"], results.anchor_sentences(out_dir, classes))
    targets = saturation.targets_from_results(out_dir, reference, classes, sentences)
    config = engine.TrainConfig(max_epochs=p["max_epochs"], lr=p["lr"], patience=p["patience"],
                                window_stride=p["window_stride"])
    names = list(phase.REPRESENTATIVES.values()) if p["losses"] is None else list(p["losses"])
    fixed = scaling.scaled_weights(p["arch"], data0, subject_folds(reference.subjects, p["n_splits"], seed=0)[0],
                                   names, targets, config)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ[io.CACHE_ENV] = str(Path(tmp) / "cache")  # no cached members: every network trains
        store = Path(tmp) / "store"
        t0, c0 = time.perf_counter(), time.process_time()
        res = phase.run_grid(points, targets, store, fixed_weights=fixed, losses=names, weights=p["weights"],
                             config=config, seeds=p["seeds"], n_splits=p["n_splits"], n_draws=p["n_draws"],
                             sim_seed=p["sim_seed"], arch=p["arch"], members=p["members"],
                             member_seeds=p["member_seeds"], check_geometry=phase.llm_geometry(out_dir, classes),
                             reference=phase.reference_values(p["n_subjects"]), backend=p["backend"],
                             n_jobs=p["n_jobs"], n_boot=p["n_boot"], seed=p["seed"], progress=True)
        res.effects, res.ensembles  # the statistics, as the chapter computes them
        engine_wall, engine_cpu = time.perf_counter() - t0, time.process_time() - c0
        n_networks = phase.networks_trained(res.settings, len(cohorts))
        plain_rows, engine_rows, n_plain = [], [], 0
        t0, c0 = time.perf_counter(), time.process_time()
        if args.plain:
            from tqdm import tqdm

            weights = {s: [float(fixed.loc[s, "weight"])] + (res.settings["grid"] or []) for s in names}
            for point in tqdm(cohorts, desc="plain loop", unit="cohort"):
                for d in range(p["n_draws"]):
                    setup = point_setup(p, point, d, targets, config)
                    tasks = saturation.make_tasks(setup, names, weights)
                    for t in tasks:
                        aux = None if t.name == saturation.BASELINE else alignment.as_aux_loss(t.name, targets)
                        for f in setup.folds:
                            for s in setup.seeds:
                                u = engine.train_plain(setup.arch, setup.data, f, s, config, aux_loss=aux,
                                                       aux_weight=t.params["weight"])
                                plain_rows.append({"point": point.label, "draw": d, "task": t.name,
                                                   "weight": t.params["weight"],
                                                   "test_bacc": u.metrics["balanced_accuracy"]})
                                n_plain += 1
                    table = sweep.ResultStore(store).table(tasks)
                    engine_rows += [{"point": point.label, "draw": d, "task": r.task, "weight": r.weight,
                                     "test_bacc": r.test_bacc} for r in table.itertuples()]
        plain_wall, plain_cpu = time.perf_counter() - t0, time.process_time() - c0
    ways = {"engine": {"networks": n_networks, "wall_s": round(engine_wall, 1), "cpu_s": round(engine_cpu, 1),
                       "networks_per_s": round(n_networks / engine_wall, 3),
                       "networks_per_cpu_s": round(n_networks / engine_cpu, 3)}}
    diff = pd.Series(dtype=float)
    if args.plain:
        key = ["point", "draw", "task", "weight"]
        diff = (pd.DataFrame(engine_rows).groupby(key).test_bacc.mean()
                - pd.DataFrame(plain_rows).groupby(key).test_bacc.mean()).abs()
        assert diff.notna().all() and diff.max() < 0.02, f"the ways disagree: {diff.sort_values().tail()}"
        ways["plain"] = {"networks": n_plain, "wall_s": round(plain_wall, 1), "cpu_s": round(plain_cpu, 1),
                         "networks_per_s": round(n_plain / plain_wall, 3),
                         "networks_per_cpu_s": round(n_plain / plain_cpu, 3)}
    res_json = {"profile": args.profile, "cohorts": len(cohorts), "draws": p["n_draws"],
                "parameters": {k: p[k] for k in ("n_subjects", "n_splits", "seeds", "weights", "arch", "members",
                                                 "member_seeds", "max_epochs", "window_stride", "backend", "n_jobs")},
                "losses": names, "torch": torch.__version__, "machine": platform.machine(), "cpus": os.cpu_count(),
                "threads": 2, "numerics": vaxis.numerics.describe()["mode"], "load_average_after": os.getloadavg()[0],
                **ways}
    if args.plain:
        res_json.update(speedup=round(plain_wall / engine_wall, 2), max_task_mean_bacc_diff=float(diff.max()))
    path = HERE / "results" / args.out
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(res_json, indent=2) + "\n")
    print("\n| way | cohorts x draws | networks | wall (s) | CPU (s) | networks/s |\n| --- | --- | --- | --- | --- | --- |")
    for w, r in ways.items():
        print(f"| {w} | {len(cohorts)} x {p['n_draws']} | {r['networks']} | {r['wall_s']} | {r['cpu_s']} | "
              f"{r['networks_per_s']} |")
    print(f"load average after {res_json['load_average_after']:.1f}")


if __name__ == "__main__":
    main()
