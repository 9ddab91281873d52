"""Portable floating point: the same numbers on any x86-64 CPU, Intel or AMD, AVX2 or AVX-512.

Why this exists. The math libraries under numpy and PyTorch choose their kernels by the CPU they
run on, and different kernels round differently in the last bits:

- Intel MKL (PyTorch's BLAS and vector math) takes other code paths on AMD than on Intel, and
  others again by instruction set; a matrix product differs in the last bits between them.
- PyTorch's own vectorised kernels (ATen) and oneDNN (convolutions) use AVX-512 where the CPU has it
  and AVX2 where not; reductions then add in another order.
- numpy's OpenBLAS picks a kernel per core type (Haswell, SkylakeX, Zen) and numpy itself has
  AVX-512 versions of exp, log, ...

Last-bit differences are harmless for one matrix product, but training a network is chaotic: two
machines that differ in the 7th digit of an LLM target end up with visibly different accuracies
after a few epochs (chapter 5's quick profile moved by up to 0.01 between an Intel and an AMD
machine). The committed reference outputs that ``pytest --nbval`` checks could then only be met on
the kind of CPU that wrote them.

What it does. :func:`apply` (called when ``vaxis`` is imported, before numpy or torch load) pins
each library to one code path that every x86-64 CPU with AVX2 and FMA has (:func:`portable_env`):
MKL's conditional numerical reproducibility in its vendor-independent ``COMPATIBLE`` branch, ATen
and oneDNN at AVX2, OpenBLAS at its Haswell kernels, numpy without its AVX-512 loops. Variables the
user has set are kept. One more thing is not covered by any switch: MKL's vector square root
(behind ``torch.sqrt``) still differs between vendors, so vaxis takes square roots of tensors with
:func:`sqrt` and trains with PyTorch's fused AdamW kernel, both built on the exactly rounded
hardware square root. ``tests/test_numerics.py`` checks all of this against an emulated AMD CPU.

Cost: MKL's ``COMPATIBLE`` matrix products are ~4x slower than its native ones on AVX-512 (73 vs
323 GFLOP/s on 2 cores of an Intel Xeon), so chapters take 1.7-2x longer (measured 2026-12-01). ``VAXIS_NUMERICS=native`` (set before Python starts) turns it all
off: every library then takes its fastest path, and numbers agree only on the same kind of CPU.
The same machine and thread count give bit-for-bit equal numbers in either mode.
"""

from __future__ import annotations

import functools
import os
import platform
import sys
import warnings
from typing import Any

#: Environment variable that chooses the mode: ``portable`` (default) or ``native``.
MODE_ENV = "VAXIS_NUMERICS"
MODES = ("portable", "native")

#: What :func:`apply` sets in portable mode (x86-64 with AVX2 and FMA only).
PORTABLE_ENV = {
    "MKL_CBWR": "COMPATIBLE",  # MKL: one branch on every vendor (CNR)
    "ATEN_CPU_CAPABILITY": "avx2",  # PyTorch's vectorised kernels
    "ONEDNN_MAX_CPU_ISA": "AVX2",  # PyTorch's convolutions
    "OPENBLAS_CORETYPE": "Haswell",  # numpy's and scipy's BLAS/LAPACK
    "NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR",  # numpy's AVX-512 loops
}

_STATE: dict[str, Any] = {}


def mode() -> str:
    """The numerics mode asked for by ``$VAXIS_NUMERICS`` (default ``portable``)."""
    value = os.environ.get(MODE_ENV, "portable").strip().lower() or "portable"
    if value not in MODES:
        raise ValueError(f"{MODE_ENV}={value!r} is not valid; use 'portable' (default) or 'native'.")
    return value


@functools.lru_cache(maxsize=1)
def _cpu_flags() -> frozenset[str]:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def portable_env() -> dict[str, str]:
    """The variables portable mode sets on this machine; empty where they do not apply.

    They apply to x86-64 CPUs with AVX2 and FMA (every Intel CPU since 2013, every AMD since 2015).
    Elsewhere (ARM, or a CPU without AVX2) nothing is set and :func:`describe` says so.
    """
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return {}
    flags = _cpu_flags()
    if flags and not {"avx2", "fma"} <= flags:
        return {}
    return dict(PORTABLE_ENV)


def apply() -> dict[str, Any]:
    """Set the portable-mode variables (keeping any the user set) unless ``VAXIS_NUMERICS=native``.

    Effective only for libraries not loaded yet: ``import vaxis`` first (every chapter does). Child
    processes (joblib workers, chapter kernels, Dask workers) inherit the variables. Returns
    :func:`describe`. Warns when numpy or torch was imported before and the variables were not
    already in the environment.
    """
    chosen = mode()
    env = portable_env() if chosen == "portable" else {}
    late = [m for m in ("numpy", "torch") if m in sys.modules]
    missing = {k: v for k, v in env.items() if k not in os.environ}
    for key, value in missing.items():
        os.environ[key] = value
    _STATE.update(mode=chosen, late=late if missing else [])
    if missing and late:
        warnings.warn(
            f"vaxis: portable numerics may not be in effect, because {' and '.join(late)} "
            f"{'was' if len(late) == 1 else 'were'} imported before vaxis; results may then differ in the last "
            f"digits from other machines. Import vaxis first, or set {MODE_ENV}=native to silence this.",
            RuntimeWarning, stacklevel=3)
    return describe()


def describe() -> dict[str, Any]:
    """What is in effect: the mode, the variables, and PyTorch's kernel level once torch is loaded."""
    chosen = _STATE.get("mode") or mode()
    env = portable_env()
    out: dict[str, Any] = {
        "mode": chosen,
        "portable": chosen == "portable" and bool(env) and not _STATE.get("late"),
        "env": {k: os.environ.get(k) for k in PORTABLE_ENV},
    }
    if chosen == "portable" and not env:
        out["note"] = f"not an x86-64 CPU with AVX2 and FMA ({platform.machine()}): libraries run natively"
    if "torch" in sys.modules:
        out["torch_cpu_capability"] = sys.modules["torch"].backends.cpu.get_cpu_capability()
    return out


def fingerprint() -> dict[str, Any]:
    """What of the numerics a cached result depends on (part of every cache key): mode and variables."""
    info = describe()
    return {"mode": info["mode"], "portable": info["portable"], "env": info["env"]}


def sqrt(x: Any) -> Any:
    """Element-wise square root of a float tensor that rounds the same on every CPU, differentiable.

    ``torch.sqrt`` runs on MKL's vector math, whose result differs between Intel and AMD in the last
    bit even in MKL's compatible branch. This is ``x * rsqrt(x)`` in float64 (PyTorch's own kernel:
    the exactly rounded hardware square root and a division), rounded back to ``x``'s dtype: for
    float32 within 1 ulp of the true root (nearly always the correctly rounded value), 0 at 0 with a
    finite gradient. Values must be >= 0.
    """
    import torch

    xd = x.double()
    safe = xd.clamp_min(torch.finfo(torch.float64).tiny)
    return torch.where(xd > 0, xd * torch.rsqrt(safe), torch.zeros_like(xd)).to(x.dtype)
