"""Benchmark: the 36-classifier job of chapter 4 -- the stacked engine vs a plain sequential loop.

The plain way (as in the usual EEG libraries): one model at a time, an ``nn.Module`` and
``torch.optim.AdamW``, minibatches of windows, early stopping on validation subjects
(:func:`vaxis.decoding.engine.train_plain`). The vaxis way: all seeds and folds of an architecture
trained together as one stack of replicas (:func:`vaxis.decoding.engine.train`, no cache). Same data,
folds, initial weights, minibatch order and optimiser arithmetic; one run of each; each unit's
balanced accuracy must agree within 0.1 and the job's mean within 0.01 (float32 round-off in a
different summation order grows over hundreds of steps; the largest trial-probability difference
is recorded).

    python -m vaxis.numerics portable -- python benchmarks/training_engine.py [--subjects 123] [--archs mlp ...]

(the numerics mode is the environment's, ``vaxis.numerics``; the JSON records it).

The defaults are chapter 4's job in the full profile (123 subjects, 5 folds, 6 seeds, 8 epochs,
window stride 6), except ``patience`` (epochs + 1, so both ways run every epoch and do the same
work). Before timing, each way runs a one-epoch warm-up on a few subjects (first-call costs of
PyTorch and of the allocator are not part of either way's time).

Writes ``benchmarks/results/training_engine.json`` and prints a Markdown table. Timings on a shared
2-core machine are noisy: the JSON records the load average before and after.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

import vaxis
from vaxis.decoding import engine, zoo
from vaxis.decoding.folds import subject_folds
from vaxis.eeg import cohort

sys.path.insert(0, str(Path(__file__).parent))
from roofline import matmul_peak_gflops  # noqa: E402


def dense_job_gflop(arch: str, data: engine.TrainData, folds, n_seeds: int, config: engine.TrainConfig) -> float | None:
    """Floating-point work of the plain way's job for a perceptron (GFLOP), or None for other models.

    Per sample and layer (in -> out): forward 2*in*out, weight gradient 2*in*out, input gradient
    2*in*out except for the first layer; training steps as the plain loop takes them, plus the
    forward passes of validation (every epoch) and of the final evaluation. Elementwise work,
    softmax and the optimiser are left out, so the bound below is generous to the plain way.
    """
    model = zoo.build(arch, *data.X.shape[1:], len(data.classes))
    layers = model.dense_layers()
    if not layers:
        return None
    named = dict(model.named_parameters())
    sizes = [tuple(named[w].shape[::-1]) for w, _ in layers]  # (in, out)
    fwd = sum(2 * i * o for i, o in sizes)
    train = fwd + sum(2 * i * o for i, o in sizes) + sum(2 * i * o for i, o in sizes[1:])
    total = 0.0
    for fold in folds:
        tr, va, _ = data.fold_rows(fold)
        keep = data.window % config.window_stride == 0
        n_tr, n_va = int(keep[tr].sum()), int(keep[va].sum())
        steps = math.ceil(n_tr / config.batch_size) * config.max_epochs
        total += n_seeds * (steps * config.batch_size * train + config.max_epochs * n_va * fwd + keep.sum() * fwd)
    return total / 1e9


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--subjects", type=int, default=123)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seeds", type=int, default=6)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--window-stride", type=int, default=6)
    ap.add_argument("--out", default="training_engine.json", help="file name under benchmarks/results/")
    ap.add_argument("--archs", nargs="+", default=list(zoo.ARCHITECTURES))
    args = ap.parse_args()
    torch.set_num_threads(2)
    data = engine.TrainData.from_dataset(cohort("faced", None, n_subjects=args.subjects, seed=0))
    folds = subject_folds(data.subject, n_splits=args.folds, seed=0)
    # patience > epochs: both ways run every epoch, so the work is identical
    config = engine.TrainConfig(max_epochs=args.epochs, patience=args.epochs + 1, window_stride=args.window_stride)
    seeds = list(range(args.seeds))
    out: dict = {"subjects": args.subjects, "folds": args.folds, "seeds": args.seeds, "epochs": args.epochs,
                 "window_stride": args.window_stride, "threads": 2, "numerics": vaxis.numerics.describe()["mode"],
                 "torch": torch.__version__,
                 "machine": platform.machine(), "cpus": os.cpu_count(), "load_before": os.getloadavg()[0],
                 "matmul_peak_gflops": round(matmul_peak_gflops(), 1), "architectures": {}}
    warm = engine.TrainData.from_dataset(cohort("faced", None, n_subjects=6, seed=1))
    warm_folds = subject_folds(warm.subject, n_splits=2, seed=0)
    warm_config = engine.TrainConfig(max_epochs=1, window_stride=args.window_stride)
    for arch in args.archs:
        engine.train(arch, warm, warm_folds, [0], warm_config, cache=False, progress=False)
        engine.train_plain(arch, warm, warm_folds[0], 0, warm_config)
        t0 = time.perf_counter()
        fast = engine.train(arch, data, folds, seeds, config, cache=False, progress=False)
        t_fast = time.perf_counter() - t0
        t0 = time.perf_counter()
        plain = [engine.train_plain(arch, data, folds[u.fold], u.seed, config) for u in fast.units]
        t_slow = time.perf_counter() - t0
        diff = max(float(np.abs(u.proba - p.proba).max()) for u, p in zip(fast.units, plain))
        acc_diff = max(abs(u.metrics["balanced_accuracy"] - p.metrics["balanced_accuracy"])
                       for u, p in zip(fast.units, plain))
        mean_diff = abs(np.mean([u.metrics["balanced_accuracy"] for u in fast.units])
                        - np.mean([p.metrics["balanced_accuracy"] for p in plain]))
        # Same arithmetic, different float32 summation order: the round-off grows over hundreds of
        # steps (tests/test_engine.py checks one-step agreement to 1e-5). The results must agree
        # as results: each unit's balanced accuracy within 0.1, the job's mean within 0.01.
        assert acc_diff < 0.1 and mean_diff < 0.01, f"{arch}: accuracy differs by {acc_diff} (mean {mean_diff})"
        out["architectures"][arch] = {"stack": engine.STACKS[zoo.ARCHITECTURES[arch].stacking].__name__,
                                      "units": len(fast.units), "engine_s": round(t_fast, 2),
                                      "plain_loop_s": round(t_slow, 2), "speedup": round(t_slow / t_fast, 2),
                                      "max_abs_proba_diff": diff, "max_balanced_accuracy_diff": acc_diff,
                                      "mean_balanced_accuracy_diff": float(mean_diff)}
        gflop = dense_job_gflop(arch, data, folds, len(seeds), config)
        if gflop is not None:  # roofline: the fastest any stacked engine could do this job here
            floor_s = gflop / out["matmul_peak_gflops"]
            out["architectures"][arch].update({
                "job_gflop": round(gflop, 1), "roofline_s": round(floor_s, 2),
                "roofline_speedup": round(t_slow / floor_s, 2), "engine_over_roofline": round(t_fast / floor_s, 2),
                "engine_share_of_peak": round(gflop / t_fast / out["matmul_peak_gflops"], 2)})
        print(arch, out["architectures"][arch], flush=True)
    out["load_after"] = os.getloadavg()[0]
    total_fast = sum(r["engine_s"] for r in out["architectures"].values())
    total_slow = sum(r["plain_loop_s"] for r in out["architectures"].values())
    out["total"] = {"engine_s": round(total_fast, 2), "plain_loop_s": round(total_slow, 2),
                    "speedup": round(total_slow / total_fast, 2)}
    out["command"] = "python benchmarks/training_engine.py " + " ".join(sys.argv[1:])
    path = Path(__file__).parent / "results" / args.out
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(f"\nmatmul peak {out['matmul_peak_gflops']} GFLOP/s (2 threads)")
    print("| architecture | stack | units | engine (s) | plain loop (s) | speed-up | roofline (s) | engine / roofline "
          "| max |dp| |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for arch, r in out["architectures"].items():
        roof = (f"{r['roofline_s']} | {r['engine_over_roofline']}x") if "roofline_s" in r else " | "
        print(f"| {arch} | {r['stack']} | {r['units']} | {r['engine_s']} | {r['plain_loop_s']} | {r['speedup']}x | {roof} | "
              f"{r['max_abs_proba_diff']:.1e} |")
    print(f"| all | | | {out['total']['engine_s']} | {out['total']['plain_loop_s']} | {out['total']['speedup']}x | | | |")


if __name__ == "__main__":
    main()
