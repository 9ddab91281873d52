"""Benchmark: hidden states of 1,000 short texts, every layer -- vaxis vs a plain loop.

The plain way (as in most tutorials): the causal-LM model (with its head), one text at a time,
``output_hidden_states=True``, last token. The vaxis way: base model without head, texts sorted by
length, padded batches of 64, last real token from the attention mask. Same model, same texts, one
run; the outputs are asserted equal to a tolerance before any time is reported.

    python -m vaxis.numerics portable -- python benchmarks/hidden_states.py [--n 1000] [--models smollm2-135m ...]

(the numerics mode is the environment's, ``vaxis.numerics``; the JSON records it).

Roofline (``roofline.py``): the real tokens of the texts (padding excluded) times the model's
forward arithmetic per token (2 x its non-embedding weights), at this process's measured
matrix-multiply peak; ``share_of_roofline`` = measured tokens/s / roofline tokens/s.

Writes ``benchmarks/results/hidden_states.json`` (the folder is created) and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

import vaxis
from vaxis import llm
from vaxis.llm import hidden, norms

sys.path.insert(0, str(Path(__file__).parent))
from roofline import matmul_peak_gflops, transformer_gflop_per_token  # noqa: E402

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
    peak = matmul_peak_gflops()
    out: dict = {"n_texts": args.n, "threads": 2, "numerics": vaxis.numerics.describe()["mode"],
                 "matmul_peak_gflops": round(peak, 1), "load_before": os.getloadavg()[0],
                 "torch": torch.__version__, "machine": platform.machine(), "cpus": os.cpu_count(), "models": {}}
    for name in args.models:
        llm.provision([name], quiet=True)
        loaded = llm.load(name)
        t0 = time.perf_counter()
        hs = hidden.extract(loaded, data, pooling=["last"], cache=False, progress=False)
        fast = time.perf_counter() - t0
        tokens = sum(len(ids) for ids in loaded.tokenizer(data)["input_ids"])
        roof_tps = peak / transformer_gflop_per_token(loaded.model)
        row = {"vaxis_s": round(fast, 2), "texts_per_s": round(args.n / fast, 1),
               "layers": hs.n_layers + 1, "hidden": int(hs["last"].shape[2]), "tokens": tokens,
               "tokens_per_s": round(tokens / fast, 1), "roofline_tokens_per_s": round(roof_tps, 1),
               "share_of_roofline": round(tokens / fast / roof_tps, 3)}
        if name == args.baseline_model:
            full = llm.load(name, task="full")
            t0 = time.perf_counter()
            ref = hidden.plain_loop_reference(full, data, "last")
            slow = time.perf_counter() - t0
            err = float(np.max(np.abs(ref - hs["last"])) / np.max(np.abs(ref)))
            assert err < 1e-3, f"outputs differ: max relative error {err}"
            row |= {"plain_loop_s": round(slow, 2), "speedup": round(slow / fast, 2), "max_rel_err": err,
                    "plain_share_of_roofline": round(tokens / slow / roof_tps, 3)}
        out["models"][name] = row
        print(name, row, flush=True)
    path = Path(__file__).parent / "results" / "hidden_states.json"
    out["load_after"] = os.getloadavg()[0]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(f"\nmatmul peak {out['matmul_peak_gflops']} GFLOP/s ({out['numerics']} numerics)")
    print("| model | layers | texts/s (vaxis) | tokens/s | roofline tokens/s | share of roofline | plain loop s "
          "| vaxis s | speed-up |\n|---|---|---|---|---|---|---|---|---|")
    for name, r in out["models"].items():
        print(f"| {name} | {r['layers']} | {r['texts_per_s']} | {r['tokens_per_s']} | {r['roofline_tokens_per_s']} | "
              f"{r['share_of_roofline']:.0%} | {r.get('plain_loop_s', '')} | {r['vaxis_s']} | {r.get('speedup', '')} |")


if __name__ == "__main__":
    main()
