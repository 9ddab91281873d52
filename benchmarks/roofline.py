"""The roofline every benchmark compares with: this process's float32 matrix-multiply peak.

A job's *roofline time* is its matrix-multiply arithmetic (GFLOP) divided by this peak: the time
the job would take if it did nothing but multiply matrices at the best rate this machine reaches
with the same threads and numerics. ``measured / roofline`` says how far a way is from that floor.
"""

from __future__ import annotations

import time

import torch


def matmul_peak_gflops(n: int = 2048, repeats: int = 10) -> float:
    """Float32 matrix-multiply throughput of this process (its torch threads), GFLOP/s."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    t0 = time.perf_counter()
    for _ in range(repeats):
        a @ b
    return 2 * n**3 * repeats / (time.perf_counter() - t0) / 1e9


def transformer_gflop_per_token(model: torch.nn.Module) -> float:
    """Forward arithmetic of a transformer per token, GFLOP: 2 x its weights outside the embedding
    tables (each weight is one multiply-add per token; attention scores, small for short texts,
    are left out, so the roofline is generous to the way measured)."""
    embed = {id(p) for m in model.modules() if isinstance(m, torch.nn.Embedding) for p in m.parameters()}
    n = sum(p.numel() for p in model.parameters() if id(p) not in embed)
    return 2 * n / 1e9
