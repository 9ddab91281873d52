"""Benchmark: hidden states of 1,000 short texts, every layer -- vaxis vs a plain loop.

The plain way (as in most tutorials): the causal-LM model (with its head), one text at a time,
``output_hidden_states=True``, last token. The vaxis way: base model without head, texts sorted by
length, padded batches of 64, last real token from the attention mask. Same model, same texts, one
run; the outputs are asserted equal to a tolerance before any time is reported.

    python -m vaxis.numerics portable -- python benchmarks/hidden_states.py [--n 1000] [--models smollm2-135m ...]

(the numerics mode is the environment's, ``vaxis.numerics``; the JSON records it).

Writes ``benchmarks/results/hidden_states.json`` and prints a Markdown table.
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

import vaxis
from vaxis import llm
from vaxis.llm import hidden, norms

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def texts(n: int) -> list[str]:
    words = norms.vader_lexicon().item.tolist()
    return [norms.apply_template([w], "feel")[0] if i % 2 else w for i, w in enumerate(words[:n])]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--models", nargs="+", default=[n for n, s in llm.REGISTRY.items() if s.default])
    ap.add_argument("--baseline-model", default="smollm2-135m")
    args = ap.parse_args()
    torch.set_num_threads(2)
    data = texts(args.n)
    out: dict = {"n_texts": args.n, "threads": 2, "numerics": vaxis.numerics.describe()["mode"],
                 "torch": torch.__version__, "machine": platform.machine(), "cpus": os.cpu_count(), "models": {}}
    for name in args.models:
        llm.provision([name], quiet=True)
        loaded = llm.load(name)
        t0 = time.perf_counter()
        hs = hidden.extract(loaded, data, pooling=["last"], cache=False, progress=False)
        fast = time.perf_counter() - t0
        row = {"vaxis_s": round(fast, 2), "texts_per_s": round(args.n / fast, 1),
               "layers": hs.n_layers + 1, "hidden": int(hs["last"].shape[2])}
        if name == args.baseline_model:
            full = llm.load(name, task="full")
            t0 = time.perf_counter()
            ref = hidden.plain_loop_reference(full, data, "last")
            slow = time.perf_counter() - t0
            err = float(np.max(np.abs(ref - hs["last"])) / np.max(np.abs(ref)))
            assert err < 1e-3, f"outputs differ: max relative error {err}"
            row |= {"plain_loop_s": round(slow, 2), "speedup": round(slow / fast, 2), "max_rel_err": err}
        out["models"][name] = row
        print(name, row, flush=True)
    path = Path(__file__).parent / "results" / "hidden_states.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(out, indent=2))
    print("\n| model | layers | texts/s (vaxis) | plain loop s | vaxis s | speed-up |\n|---|---|---|---|---|---|")
    for name, r in out["models"].items():
        print(f"| {name} | {r['layers']} | {r['texts_per_s']} | {r.get('plain_loop_s', '')} | {r['vaxis_s']} | {r.get('speedup', '')} |")


if __name__ == "__main__":
    main()
