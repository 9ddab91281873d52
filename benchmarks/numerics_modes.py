"""Benchmark: the same work in native and in portable numerics, alternating, in one run.

Each mode is the environment a process starts with (:mod:`vaxis.numerics`), so every measurement is
a child process started in one mode: ``native, portable, native, portable, ...`` (``--rounds``
pairs), which spreads a shared machine's changing load over both. The work (``--work``):

- ``matmul``: float32 2048 x 2048 matrix products (GFLOP/s, 2 threads): the roofline of each mode;
- ``train``: a small chapter-4 job (all six architectures, 2 seeds, 3 folds, 3 epochs, 12 subjects);
- ``hidden``: hidden states of 200 short texts from SmolLM2-135M (needs the provisioned model).

Reports per work the median time in each mode and the ratio portable / native (how much faster a
reader's default, native, is). Writes ``benchmarks/results/numerics_modes.json``.

    python benchmarks/numerics_modes.py [--rounds 2] [--work matmul train hidden]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

import vaxis

HERE = Path(__file__).parent

WORK = {
    "matmul": """
import time, torch
torch.set_num_threads(2)
a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
a @ b
t0 = time.perf_counter()
for _ in range(10):
    a @ b
print(time.perf_counter() - t0)
""",
    "train": """
import time, torch
from vaxis.decoding import engine, zoo
from vaxis.decoding.folds import subject_folds
from vaxis.eeg import cohort
torch.set_num_threads(2)
data = engine.TrainData.from_dataset(cohort("faced", None, n_subjects=12, seed=0))
folds = subject_folds(data.subject, n_splits=3, seed=0)
cfg = engine.TrainConfig(max_epochs=3, window_stride=6)
t0 = time.perf_counter()
engine.train(list(zoo.ARCHITECTURES), data, folds, [0, 1], cfg, cache=False, progress=False)
print(time.perf_counter() - t0)
""",
    "hidden": """
import time, torch
from vaxis import llm
from vaxis.llm import hidden, norms
torch.set_num_threads(2)
words = norms.vader_lexicon().item.tolist()[:200]
model = llm.load("smollm2-135m")
t0 = time.perf_counter()
hidden.extract(model, words, pooling=["last"], cache=False, progress=False)
print(time.perf_counter() - t0)
""",
}


def timed(mode: str, code: str) -> float:
    """Seconds the work took in a child process started in ``mode``."""
    proc = subprocess.run([sys.executable, "-c", code], env=vaxis.numerics.environment(mode),
                          capture_output=True, text=True, check=True)
    return float(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--work", nargs="+", default=list(WORK), choices=list(WORK))
    args = ap.parse_args()
    out: dict = {"machine": platform.machine(), "cpus": os.cpu_count(), "load_before": os.getloadavg()[0],
                 "rounds": args.rounds, "work": {}}
    for work in args.work:
        times: dict[str, list[float]] = {"native": [], "portable": []}
        for _ in range(args.rounds):
            for mode in ("native", "portable"):
                times[mode].append(timed(mode, WORK[work]))
        med = {m: statistics.median(t) for m, t in times.items()}
        out["work"][work] = {"native_s": times["native"], "portable_s": times["portable"],
                             "portable_over_native": round(med["portable"] / med["native"], 2)}
        print(work, out["work"][work], flush=True)
    out["load_after"] = os.getloadavg()[0]
    path = HERE / "results" / "numerics_modes.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2) + "\n")
    print("\n| work | native (s, median) | portable (s, median) | portable / native |\n| --- | --- | --- | --- |")
    for work, r in out["work"].items():
        print(f"| {work} | {statistics.median(r['native_s']):.2f} | {statistics.median(r['portable_s']):.2f} | "
              f"{r['portable_over_native']}x |")


if __name__ == "__main__":
    main()
