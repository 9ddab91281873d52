"""Benchmark: chapter 5's saturation sweep in the full profile -- with the engine and without it.

The vaxis way is what the chapter runs: :func:`vaxis.decoding.saturation.run_sweep`, one task per
(strategy, weight) whose folds x seeds networks are trained together as stacked replicas
(:mod:`vaxis.decoding.engine`), through the joblib task runner and its result store. The plain way
trains the same networks one at a time with a plain PyTorch loop and ``torch.optim.AdamW``
(:func:`vaxis.decoding.engine.train_plain`, the auxiliary loss added to the cross-entropy), as one would
without the engine. Same data, folds, seeds, weights, initial weights, minibatch order and
optimiser arithmetic.

Each way runs in its own process, so its peak resident memory (``ru_maxrss``) is its own; both
inherit the numerics mode of the environment (``vaxis.numerics``), recorded in the result::

    python -m vaxis.numerics portable -- python benchmarks/saturation_sweep.py   # both ways, full profile
    python benchmarks/saturation_sweep.py --max-tasks 6      # a smoke run (first 6 tasks), this environment

The sweep's settings are chapter 5's parameters in the chosen profile (``--profile``, default
``full``), and its LLM targets are read from that profile's results folder, so run chapters 1-2
of the profile first (``make book`` does). The two ways must agree as results: the mean test
balanced accuracy of every (strategy, weight) within 0.02 (float32 round-off in a different
summation order grows over hundreds of steps). Writes ``benchmarks/results/saturation_sweep.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import torch

import vaxis
from vaxis import book, io, results
from vaxis.decoding import alignment, engine, saturation
from vaxis.decoding.folds import subject_folds
from vaxis.eeg import cohort
from vaxis.llm import hidden

HERE = Path(__file__).resolve().parent


def chapter5_parameters(profile: str) -> dict:
    """Chapter 5's papermill parameters in ``profile`` (its declared defaults, then the profile's)."""
    chapter = next(c for c in book.chapters() if c.number == "05")
    defaults = {k: v[0] for k, v in book.declared_parameters(chapter).items()}
    return {**defaults, **book.chapter_parameters(profile, chapter)}


def build_setup(p: dict, profile: str) -> tuple[saturation.SweepSetup, list[str]]:
    """The chapter's SweepSetup, exactly as the notebook builds it."""
    data_eeg = cohort("faced", p["faced_dir"], n_subjects=p["n_subjects"], seed=p["sim_seed"])
    data = engine.TrainData.from_dataset(data_eeg)
    folds = subject_folds(data_eeg.subjects, n_splits=p["n_splits"], seed=p["seed"])
    out_dir = io.results_dir(profile)
    sentences = hidden.sentence_embeddings(p["sentence_model"], results.anchor_sentences(out_dir, data.classes))
    targets = saturation.targets_from_results(out_dir, data_eeg, data.classes, sentences)
    config = engine.TrainConfig(max_epochs=p["max_epochs"], lr=p["lr"], patience=p["patience"],
                                window_stride=p["window_stride"])
    setup = saturation.SweepSetup(data, folds, list(p["seeds"]), p["arch"], config, targets)
    names = list(alignment.STRATEGIES) if p["strategies"] is None else list(p["strategies"])
    return setup, names


def run_way(way: str, profile: str, max_tasks: int | None) -> dict:
    """Run one way in this process; returns its wall time, peak memory and per-task accuracies."""
    torch.set_num_threads(2)
    p = chapter5_parameters(profile)
    setup, names = build_setup(p, profile)
    tasks = saturation.make_tasks(setup, names, p["weights"])[:max_tasks]
    t0 = time.perf_counter()
    if way == "engine":
        with tempfile.TemporaryDirectory() as tmp:
            keep = {t.name for t in tasks}
            weights = sorted({t.params["weight"] for t in tasks if t.name != saturation.BASELINE})
            table = saturation.run_sweep(setup, [n for n in names if n in keep], Path(tmp), n_jobs=1,
                                         weights=weights or p["weights"], progress=True)
            rows = [{"task": r.task, "weight": r.weight, "test_bacc": r.test_bacc}
                    for r in table.itertuples()]
    else:
        from tqdm import tqdm

        rows = []
        units = [(t, f, s) for t in tasks for f in setup.folds for s in setup.seeds]
        for t, f, s in tqdm(units, desc="plain loop", unit="network"):
            aux = None if t.name == saturation.BASELINE else alignment.as_aux_loss(t.name, setup.targets)
            u = engine.train_plain(setup.arch, setup.data, f, s, setup.config, aux_loss=aux,
                                   aux_weight=t.params["weight"])
            rows.append({"task": t.name, "weight": t.params["weight"], "test_bacc": u.metrics["balanced_accuracy"]})
    wall = time.perf_counter() - t0
    return {"way": way, "wall_s": round(wall, 1), "tasks": len(tasks),
            "networks": len(tasks) * len(setup.folds) * len(setup.seeds),
            "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, "rows": rows}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--profile", default="full")
    ap.add_argument("--max-tasks", type=int, default=None, help="only the first N (strategy, weight) tasks")
    ap.add_argument("--way", choices=["engine", "plain"], help=argparse.SUPPRESS)  # one way, in a child
    ap.add_argument("--out", default="saturation_sweep.json", help="file name under benchmarks/results/")
    args = ap.parse_args()
    if args.way:
        print(json.dumps(run_way(args.way, args.profile, args.max_tasks)))
        return
    ways = {}
    for way in ("engine", "plain"):
        cmd = [sys.executable, __file__, "--way", way, "--profile", args.profile]
        if args.max_tasks:
            cmd += ["--max-tasks", str(args.max_tasks)]
        out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
        ways[way] = json.loads(out.strip().splitlines()[-1])
        print(way, {k: v for k, v in ways[way].items() if k != "rows"}, flush=True)
    means = {w: pd.DataFrame(r["rows"]).groupby(["task", "weight"]).test_bacc.mean() for w, r in ways.items()}
    diff = (means["engine"] - means["plain"]).abs()
    assert diff.notna().all() and diff.max() < 0.02, f"the ways disagree: {diff.sort_values().tail()}"
    res = {"profile": args.profile, "parameters": {k: v for k, v in chapter5_parameters(args.profile).items()
                                                  if k in ("n_subjects", "n_splits", "seeds", "weights", "arch",
                                                           "max_epochs", "window_stride", "n_jobs")},
           "torch": torch.__version__, "machine": platform.machine(), "cpus": os.cpu_count(), "threads": 2,
           "numerics": vaxis.numerics.describe()["mode"],
           "load_average_after": os.getloadavg()[0],
           **{w: {k: v for k, v in r.items() if k != "rows"} for w, r in ways.items()},
           "speedup": round(ways["plain"]["wall_s"] / ways["engine"]["wall_s"], 2),
           "max_task_mean_bacc_diff": float(diff.max()), "mean_task_bacc_diff": float(diff.mean())}
    path = HERE / "results" / args.out
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(res, indent=2) + "\n")
    gib = lambda b: f"{b / 2**30:.2f} GiB"  # noqa: E731
    print("\n| way | tasks | networks | wall (s) | peak memory |\n| --- | --- | --- | --- | --- |")
    for w in ("engine", "plain"):
        r = ways[w]
        print(f"| {w} | {r['tasks']} | {r['networks']} | {r['wall_s']} | {gib(r['peak_rss_bytes'])} |")
    print(f"speed-up {res['speedup']}x; largest per-task difference in mean test accuracy {diff.max():.4f}")


if __name__ == "__main__":
    main()
