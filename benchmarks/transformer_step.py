"""Benchmark: one training step of chapter 4's transformer, stacked (30 replicas) vs the plain loop.

Why does the stacked transformer (:class:`vaxis.decoding.engine.batched.BatchedStack` over
:meth:`~vaxis.decoding.zoo.ChannelTransformer.forward_stacked`) gain little over training the 30
replicas one after another? This script takes one minibatch step of the full profile's job
(R = 30 replicas = 6 seeds x 5 folds, batch 256 windows per replica, 30 electrode tokens of 5 DE
bands, 9 classes) and

1. profiles one stacked step and one plain-loop step (30 ``nn.Module`` steps with
   ``torch.optim.AdamW``) with ``torch.profiler``: CPU time per operator;
2. counts each step's arithmetic (``torch.utils.flop_counter``) and the bytes its operators read
   and write (every non-view operator's tensor inputs and outputs, once each: a lower bound on the
   memory traffic), and places them against the matrix-multiply peak (``roofline.py``) and the
   memory bandwidth this process measures (a large out-of-cache add, and a cache-resident one);
3. times candidate ways of taking the same step, alternating them in one process (``--reps``
   rounds, medians of wall and CPU time, ratios to the engine's step), after recording how far
   each candidate's parameters are from the engine's after one step (0.0: bit for bit). Names:
   ``stacked`` the engine (``BatchedStack.train_step``), ``loop`` the plain loop, ``chunkK`` the
   engine's forward pass with forward and backward taken K replicas at a time (cache locality),
   ``sdpa`` / ``math`` / ``matmul`` / ``split`` the attention as the fused SDPA kernel (the
   engine's), SDPA's unfused backend, explicit batched products (as ``embed``), or explicit
   products per head on slices of the qkv tensor (no layout copies), each with ``_chunkK``;
   ``scaled`` is ``split`` with the scores' scale folded into the query weights; with ``--compile``,
   ``compiled_matmul_chunkK`` and ``compiled_scaled_chunkK`` run those forward passes through
   ``torch.compile`` (inductor's generated C++; compile time recorded apart).

    python benchmarks/transformer_step.py [--reps 5] [--steps 2] [--no-profile] [--no-counts]
                                          [--chunks 1 4 10] [--compile] [--only loop sdpa matmul ...]

Writes ``benchmarks/results/transformer_step.json``. Run it on an idle machine; the load average
before and after is recorded.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import FlopCounterMode

import vaxis
from vaxis.decoding import engine, zoo
from vaxis.decoding.engine.batched import BatchedStack
from vaxis.decoding.engine.loop import LoopStack

sys.path.insert(0, str(Path(__file__).parent))
from roofline import matmul_peak_gflops  # noqa: E402


class ByteCounter(TorchDispatchMode):
    """Bytes read and written by every non-view ATen operator (inputs and outputs once each)."""

    def __init__(self) -> None:
        super().__init__()
        self.bytes = 0
        self.by_op: dict[str, int] = {}

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        if not func.is_view and "view" not in func.__name__ and func.__name__.split(".")[0] not in (
                "detach", "lift_fresh", "alias"):
            n = 0
            for t in torch.utils._pytree.tree_leaves((args, kwargs or {}, out)):
                if isinstance(t, torch.Tensor):
                    n += t.numel() * t.element_size()
            self.bytes += n
            name = func.__name__.split(".")[0]
            self.by_op[name] = self.by_op.get(name, 0) + n
        return out


def bandwidth_gbs(numel: int, repeats: int) -> float:
    """GB/s of ``c = a + b`` on float32 tensors of ``numel`` elements (3 x 4 bytes per element)."""
    a, b, c = torch.randn(numel), torch.randn(numel), torch.empty(numel)
    torch.add(a, b, out=c)
    t0 = time.perf_counter()
    for _ in range(repeats):
        torch.add(a, b, out=c)
    return 12 * numel * repeats / (time.perf_counter() - t0) / 1e9


def variant_forward(model: zoo.ChannelTransformer, p: dict[str, torch.Tensor], x: torch.Tensor, attention: str):
    """``forward_stacked`` of version 2 with another attention: ``"sdpa"`` (version 2 itself),
    ``"math"`` (SDPA's unfused backend), ``"matmul"`` (explicit batched products, as ``embed``),
    ``"split"`` (explicit products per head on strided slices of the qkv tensor: no layout copies)
    or ``"scaled"`` (``"split"`` with the 1/sqrt(d_head) of the scores folded into the query rows of
    the qkv weight and bias: weight-sized work instead of a pass over every score, forward and
    backward; other rounding)."""
    from vaxis.decoding.zoo._base import stacked_linear

    R, n, C, F = x.shape
    h = stacked_linear(x.reshape(R, n * C, F), p["tokens.weight"], p["tokens.bias"])
    h = (h.view(R, n, C, -1) + p["position"].unsqueeze(1)).view(R, n * C, -1)
    d = h.shape[-1]
    H = model.heads
    dh = d // H

    def norm_linear(h, ln, w, b, scale=None):
        g, beta = p[ln + ".weight"], p[ln + ".bias"]
        reps = w.shape[-1] // g.shape[-1]
        w_g = w * g.repeat(1, reps).unsqueeze(1)
        b_g = torch.baddbmm(b.unsqueeze(-1), w, beta.repeat(1, reps).unsqueeze(-1)).squeeze(-1)
        if scale is not None:  # per output row
            w_g, b_g = w_g * scale.unsqueeze(-1), b_g * scale
        normed = torch.nn.functional.layer_norm(h, (d,))
        return stacked_linear(normed.view(R, -1, w.shape[-1]), w_g, b_g)

    scale = None
    if attention == "scaled":
        scale = torch.ones(3 * d)
        scale[:d] = dh ** -0.5  # the query rows of the qkv layer

    for i in range(len(model.blocks)):
        b = f"blocks.{i}."
        qkv = norm_linear(h, b + "ln1", p[b + "qkv.weight"], p[b + "qkv.bias"], scale)
        if attention in ("split", "scaled"):
            parts = qkv.view(R * n, C, 3 * d).split(dh, dim=-1)  # q heads, k heads, v heads
            scores = [torch.bmm(parts[j], parts[H + j].transpose(1, 2)) for j in range(H)]
            if attention == "split":
                scores = [s / dh ** 0.5 for s in scores]
            outs = [torch.softmax(s, dim=-1) @ parts[2 * H + j] for j, s in enumerate(scores)]
            cat = torch.cat(outs, dim=-1).view(R, n * C, d)
        else:
            q, k, v = qkv.view(R * n, C, 3, H, dh).permute(2, 0, 3, 1, 4).unbind(0)
            if attention == "matmul":
                out = torch.softmax(q @ k.transpose(-1, -2) / dh ** 0.5, dim=-1) @ v
            elif attention == "math":
                from torch.nn.attention import SDPBackend, sdpa_kernel
                with sdpa_kernel(SDPBackend.MATH):
                    out = torch.nn.functional.scaled_dot_product_attention(q, k, v)
            else:
                out = torch.nn.functional.scaled_dot_product_attention(q, k, v)
            cat = out.transpose(1, 2).reshape(R, n * C, d)
        h = h + stacked_linear(cat, p[b + "out.weight"], p[b + "out.bias"])
        a = torch.nn.functional.gelu(norm_linear(h, b + "ln2", p[b + "ff1.weight"], p[b + "ff1.bias"]))
        h = h + stacked_linear(a, p[b + "ff2.weight"], p[b + "ff2.bias"])
    z = torch.relu(norm_linear(h, "norm", p["dense.weight"], p["dense.bias"]))
    return stacked_linear(z, p["head.weight"], p["head.bias"]), z


def chunked_step(stack: BatchedStack, X: torch.Tensor, y: torch.Tensor, ib: torch.Tensor, step: int,
                 config: engine.TrainConfig, k: int, forward=None) -> None:
    """The stacked step with forward and backward taken ``k`` replicas at a time, one AdamW call."""
    R, B = ib.shape
    params = list(stack.params.values())
    grads = [torch.empty_like(p) for p in params]
    forward = forward or stack.model.forward_stacked
    for a in range(0, R, k):
        sub = {n: p.detach()[a:a + k].requires_grad_() for n, p in stack.params.items()}
        logits, _ = forward(sub, X[ib[a:a + k]])
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y[ib[a:a + k]].reshape(-1),
                                                 reduction="sum") / B
        for g, gs in zip(grads, torch.autograd.grad(loss, list(sub.values()))):
            g[a:a + k] = gs
    engine.optim.adamw_tensors_(params, grads, stack._m, stack._v, step, config.lr, config.weight_decay)


def max_param_diff(a: BatchedStack, b: BatchedStack) -> float:
    """Largest absolute difference between the stacked parameters of two stacks (0.0: bit for bit)."""
    return max(float((a.params[n] - b.params[n]).detach().abs().max()) for n in b.names)


def time_rounds(candidates: dict[str, Callable[[], None]], reps: int, steps: int) -> dict[str, dict]:
    """Median wall and CPU seconds per step of each candidate, the candidates alternating in rounds."""
    wall: dict[str, list[float]] = {k: [] for k in candidates}
    cpu: dict[str, list[float]] = {k: [] for k in candidates}
    for fn in candidates.values():  # warm-up
        fn()
    for _ in range(reps):
        for name, fn in candidates.items():
            t0, c0 = time.perf_counter(), time.process_time()
            for _ in range(steps):
                fn()
            wall[name].append((time.perf_counter() - t0) / steps)
            cpu[name].append((time.process_time() - c0) / steps)
        print("round:", {k: round(v[-1], 3) for k, v in wall.items()}, flush=True)
    return {k: {"wall_s": statistics.median(wall[k]), "cpu_s": statistics.median(cpu[k]),
                "wall_all": [round(w, 4) for w in wall[k]]} for k in candidates}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--replicas", type=int, default=30)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--steps", type=int, default=2)
    ap.add_argument("--chunks", type=int, nargs="*", default=[1, 4, 10])
    ap.add_argument("--arch", default="transformer", help="another batched architecture: no matmul candidates")
    ap.add_argument("--no-profile", action="store_true")
    ap.add_argument("--no-counts", action="store_true", help="skip the counts and the profile: timings only")
    ap.add_argument("--only", nargs="*", help="time only these candidates (names as printed)")
    ap.add_argument("--compile", action="store_true",
                    help="also time torch.compile'd forward passes (needs a C++ compiler; minutes)")
    ap.add_argument("--out", default="transformer_step.json")
    args = ap.parse_args()
    torch.set_num_threads(2)
    R, B, C, F, K = args.replicas, args.batch, 30, 5, 9
    gen = torch.Generator().manual_seed(0)
    N = 20000
    X, y = torch.randn(N, C, F, generator=gen), torch.randint(0, K, (N,), generator=gen)
    ib = torch.randint(0, N, (R, B), generator=gen)
    config = engine.TrainConfig(batch_size=B)
    models = [zoo.build(args.arch, C, F, K, seed=s) for s in range(R)]
    out: dict = {"replicas": R, "batch": B, "tokens": C, "bands": F, "classes": K, "threads": 2,
                 "numerics": vaxis.numerics.describe()["mode"], "torch": torch.__version__,
                 "load_before": os.getloadavg()[0], "arch": args.arch,
                 "version": zoo.ARCHITECTURES[args.arch].version}
    out["matmul_peak_gflops"] = round(matmul_peak_gflops(), 1)
    out["dram_gbs"] = round(bandwidth_gbs(1 << 25, 10), 1)  # 3 x 128 MiB: far out of cache
    out["l2_gbs"] = round(bandwidth_gbs(1 << 15, 5000), 1)  # 3 x 128 KiB: in each core's L2
    out["l3_gbs"] = round(bandwidth_gbs(1 << 19, 300), 1)  # 3 x 2 MiB: in the shared L3
    print({k: out[k] for k in ("matmul_peak_gflops", "dram_gbs", "l3_gbs", "l2_gbs")}, flush=True)

    stacked, loop = BatchedStack(copy.deepcopy(models)), LoopStack(copy.deepcopy(models))
    counter = iter(range(1, 10**9))

    def stacked_step(st=stacked) -> None:
        st.train_step(X, y, ib, next(counter), config, None, 0.0)

    def loop_step(st=loop) -> None:
        st.train_step(X, y, ib, next(counter), config, None, 0.0)

    # 1. the arithmetic and the bytes of one step of each way
    for name, fn in () if args.no_counts else (("stacked", stacked_step), ("loop", loop_step)):
        fn()
        flops, bytes_ = FlopCounterMode(display=False), ByteCounter()
        with flops, bytes_:
            fn()
        t = statistics.median(_timed(fn) for _ in range(5))
        gflop, gb = flops.get_total_flops() / 1e9, bytes_.bytes / 1e9
        out[name] = {"step_s": round(t, 4), "gflop": round(gflop, 3), "gb_moved": round(gb, 3),
                     "gflops": round(gflop / t, 1), "gbs": round(gb / t, 1),
                     "matmul_roofline_s": round(gflop / out["matmul_peak_gflops"], 4),
                     "dram_bound_s": round(gb / out["dram_gbs"], 4), "l3_bound_s": round(gb / out["l3_gbs"], 4),
                     "bytes_by_op_gb": {k: round(v / 1e9, 3) for k, v in
                                        sorted(bytes_.by_op.items(), key=lambda kv: -kv[1])[:12]}}
        print(name, out[name], flush=True)

    # 2. CPU time per operator
    if not (args.no_profile or args.no_counts):
        from torch.profiler import ProfilerActivity, profile
        for name, fn in (("stacked", stacked_step), ("loop", loop_step)):
            with profile(activities=[ProfilerActivity.CPU]) as prof:
                for _ in range(2):
                    fn()
            table = prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=18)
            print(f"\n== {name}: 2 steps, self CPU time per operator\n{table}", flush=True)
            out[name]["profile_top"] = [
                {"op": e.key, "self_cpu_ms": round(e.self_cpu_time_total / 1e3 / 2, 2), "calls": e.count // 2}
                for e in sorted(prof.key_averages(), key=lambda e: -e.self_cpu_time_total)[:18]]

    # 3. candidates, checked for the same parameters after one step, then alternated
    chunked = {k: BatchedStack(copy.deepcopy(models)) for k in args.chunks}
    ref = BatchedStack(copy.deepcopy(models))
    ref.train_step(X, y, ib, 1, config, None, 0.0)
    agree = {}
    for k, st in chunked.items():
        chunked_step(st, X, y, ib, 1, config, k)
        agree[k] = max_param_diff(st, ref)
    out["max_param_diff_after_one_step"] = agree
    candidates = {"stacked": stacked_step, "loop": loop_step}
    variants = ["sdpa", "math", "matmul", "split", "scaled"] if args.arch == "transformer" else []
    for att in variants:
        st = BatchedStack(copy.deepcopy(models))
        fwd = (lambda p, x, m=st.model, att=att: variant_forward(m, p, x, att))
        chunked_step(st, X, y, ib, 1, config, R, fwd)
        agree[att] = max_param_diff(st, ref)
        candidates[att] = (lambda st=st, fwd=fwd: chunked_step(st, X, y, ib, next(counter), config, R, fwd))
        for k in args.chunks:
            st = BatchedStack(copy.deepcopy(models))
            fwd = (lambda p, x, m=st.model, att=att: variant_forward(m, p, x, att))
            candidates[f"{att}_chunk{k}"] = (lambda st=st, k=k, fwd=fwd: chunked_step(st, X, y, ib, next(counter),
                                                                                     config, k, fwd))
    if args.compile and variants:
        # PyTorch's compiler (inductor: fused C++ loops around the library's matrix products), on
        # the forward pass of each chunk; autograd's backward of it is compiled too. The first
        # call compiles (once for each new shape): timed apart from the steps.
        out["compile_s"] = {}
        for att in ("matmul", "scaled"):
            for k in args.chunks:
                st = BatchedStack(copy.deepcopy(models))
                fwd = torch.compile(lambda p, x, m=st.model, att=att: variant_forward(m, p, x, att))
                t0 = time.perf_counter()
                chunked_step(st, X, y, ib, 1, config, k, fwd)
                out["compile_s"][f"compiled_{att}_chunk{k}"] = round(time.perf_counter() - t0, 1)
                agree[f"compiled_{att}_chunk{k}"] = max_param_diff(st, ref)
                candidates[f"compiled_{att}_chunk{k}"] = (
                    lambda st=st, k=k, fwd=fwd: chunked_step(st, X, y, ib, next(counter), config, k, fwd))
        print("compile seconds", out["compile_s"], flush=True)
    print("agreement", agree, flush=True)
    for k, st in chunked.items():
        candidates[f"chunk{k}"] = (lambda st=st, k=k: chunked_step(st, X, y, ib, next(counter), config, k))
    if args.only:
        candidates = {k: v for k, v in candidates.items() if k in args.only or k == "stacked"}
    res = time_rounds(candidates, args.reps, args.steps)
    base = res["stacked"]["wall_s"]
    for k, r in res.items():
        r["speedup_vs_stacked"] = round(base / r["wall_s"], 3)
        r["speedup_vs_loop"] = round(res["loop"]["wall_s"] / r["wall_s"], 3)
        print(f"{k:10s} wall {r['wall_s']:.4f} s  cpu {r['cpu_s']:.4f} s  vs stacked {r['speedup_vs_stacked']}x  "
              f"vs loop {r['speedup_vs_loop']}x", flush=True)
    out["candidates"] = res
    out["load_after"] = os.getloadavg()[0]
    path = Path(__file__).parent / "results" / args.out
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2) + "\n")


def _timed(fn: Callable[[], None]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


if __name__ == "__main__":
    main()
