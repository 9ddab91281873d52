"""Benchmark: the 36-classifier job of chapter 4 -- the stacked engine vs a plain sequential loop.

The plain way (as in the usual EEG libraries): one model at a time, an ``nn.Module`` and
``torch.optim.AdamW``, minibatches of windows, early stopping on validation subjects
(:func:`vaxis.engine.train_plain`). The vaxis way: all seeds and folds of an architecture stacked
and trained together under ``torch.func.vmap`` (:func:`vaxis.engine.train`, no cache). Same data,
folds, initial weights, minibatch order and optimiser arithmetic; one run of each; the trial-level
probabilities are compared (max absolute difference; < 0.05 after training, round-off grows over
epochs) and the balanced accuracies must agree within 0.05.

    python benchmarks/training_engine.py [--subjects 36] [--folds 3] [--epochs 4] [--archs mlp ...]

Writes ``benchmarks/results/training_engine.json`` and prints a Markdown table. Timings on a shared
2-core machine are noisy: the JSON records the load average before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import torch

from vaxis import engine, zoo
from vaxis.eeg import faced_cohort
from vaxis.folds import subject_folds


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--subjects", type=int, default=36)
    ap.add_argument("--folds", type=int, default=3)
    ap.add_argument("--seeds", type=int, default=6)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--window-stride", type=int, default=5)
    ap.add_argument("--archs", nargs="+", default=list(zoo.ARCHITECTURES))
    args = ap.parse_args()
    torch.set_num_threads(2)
    data = engine.TrainData.from_dataset(faced_cohort(None, n_subjects=args.subjects, seed=0))
    folds = subject_folds(data.subject, n_splits=args.folds, seed=0)
    # patience > epochs: both ways run every epoch, so the work is identical
    config = engine.TrainConfig(max_epochs=args.epochs, patience=args.epochs + 1, window_stride=args.window_stride)
    seeds = list(range(args.seeds))
    out: dict = {"subjects": args.subjects, "folds": args.folds, "seeds": args.seeds, "epochs": args.epochs,
                 "window_stride": args.window_stride, "threads": 2, "torch": torch.__version__,
                 "machine": platform.machine(), "cpus": os.cpu_count(), "load_before": os.getloadavg()[0],
                 "architectures": {}}
    for arch in args.archs:
        t0 = time.perf_counter()
        fast = engine.train(arch, data, folds, seeds, config, cache=False, progress=False)
        t_fast = time.perf_counter() - t0
        t0 = time.perf_counter()
        plain = [engine.train_plain(arch, data, folds[u.fold], u.seed, config) for u in fast.units]
        t_slow = time.perf_counter() - t0
        diff = max(float(np.abs(u.proba - p.proba).max()) for u, p in zip(fast.units, plain))
        acc_diff = max(abs(u.metrics["balanced_accuracy"] - p.metrics["balanced_accuracy"])
                       for u, p in zip(fast.units, plain))
        # same arithmetic, different summation order: float32 round-off, amplified over epochs
        assert diff < 0.05 and acc_diff < 0.05, f"{arch}: probabilities differ by {diff}, accuracy by {acc_diff}"
        out["architectures"][arch] = {"units": len(fast.units), "engine_s": round(t_fast, 2),
                                      "plain_loop_s": round(t_slow, 2), "speedup": round(t_slow / t_fast, 2),
                                      "max_abs_proba_diff": diff, "max_balanced_accuracy_diff": acc_diff}
        print(arch, out["architectures"][arch], flush=True)
    out["load_after"] = os.getloadavg()[0]
    total_fast = sum(r["engine_s"] for r in out["architectures"].values())
    total_slow = sum(r["plain_loop_s"] for r in out["architectures"].values())
    out["total"] = {"engine_s": round(total_fast, 2), "plain_loop_s": round(total_slow, 2),
                    "speedup": round(total_slow / total_fast, 2)}
    path = Path(__file__).parent / "results" / "training_engine.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(out, indent=2) + "\n")
    print("\n| architecture | units | engine (s) | plain loop (s) | speed-up | max |dp| |")
    print("| --- | --- | --- | --- | --- | --- |")
    for arch, r in out["architectures"].items():
        print(f"| {arch} | {r['units']} | {r['engine_s']} | {r['plain_loop_s']} | {r['speedup']}x | "
              f"{r['max_abs_proba_diff']:.1e} |")
    print(f"| all | | {out['total']['engine_s']} | {out['total']['plain_loop_s']} | {out['total']['speedup']}x | |")


if __name__ == "__main__":
    main()
