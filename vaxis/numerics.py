"""Numerics modes: portable (the same numbers on any x86-64 CPU) or native (each library's fastest path).

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
machine). The committed reference outputs that ``pytest --nbval`` checks can then only be met on
the kind of CPU that wrote them.

The mechanism: an environment, set before a process starts. The libraries read their switches
once, when they load, so the mode of a process is fixed by the environment it starts with.
:func:`environment` gives that environment for a mode; nothing in vaxis changes ``os.environ`` on
import. Three ways to use it:

- the book runner starts every chapter kernel in a mode: ``python -m vaxis.book run --numerics
  portable|native`` (default :data:`DEFAULT_MODE`, native; ``$VAXIS_NUMERICS`` sets the default
  too), via :func:`applied`; ``refresh`` writes the committed references in :data:`REFERENCE_MODE`;
- any command: ``python -m vaxis.numerics portable -- pytest --nbval notebooks/`` (the Makefile
  runs ``make test`` this way); without a command it prints ``export`` lines for a shell;
- in Python, for a child process: ``subprocess.run(cmd, env=vaxis.numerics.environment("portable"))``.

Portable mode pins each library to one code path that every x86-64 CPU with AVX2 and FMA has
(:data:`PORTABLE_ENV`): MKL's conditional numerical reproducibility in its vendor-independent
``COMPATIBLE`` branch, ATen and oneDNN at AVX2, OpenBLAS at its Haswell kernels, numpy without its
AVX-512 loops. Variables the user has set are kept. One more thing is not covered by any switch:
MKL's vector square root (behind ``torch.sqrt``) still differs between vendors, so vaxis takes
square roots of tensors with :func:`sqrt` and trains with PyTorch's fused AdamW kernel, both built
on the exactly rounded hardware square root, in both modes. ``tests/test_numerics.py`` checks all
of this against an emulated AMD CPU.

Cost: MKL's ``COMPATIBLE`` matrix products are ~4x slower than its native ones on AVX-512 (73 vs
323 GFLOP/s on 2 cores of an Intel Xeon), so chapters take 1.7-2x longer (measured 2026-12-01).
So readers run natively (:data:`DEFAULT_MODE`): every library's fastest path, numbers that agree
only on the same kind of CPU; portable mode (:data:`REFERENCE_MODE`) is for the committed outputs
and the tests that compare with them, where the same numbers across CPUs are the point. The same
machine and thread count give bit-for-bit equal numbers in either mode.
"""

from __future__ import annotations

import contextlib
import functools
import os
import platform
import shlex
import sys
from collections.abc import Iterator, Mapping
from typing import Any

#: Environment variable that records (and, for the runner, chooses) the mode: ``portable`` or ``native``.
MODE_ENV = "VAXIS_NUMERICS"
MODES = ("portable", "native")
#: The mode of a reader's run (``make book``, ``python -m vaxis.book run``, Jupyter, papermill):
#: each library's fastest path. Same machine and thread count: bit-for-bit the same numbers.
DEFAULT_MODE = "native"
#: The mode of the committed reference outputs and of everything that compares with them
#: (``make test``'s nbval, ``python -m vaxis.book refresh``): the same numbers on every x86-64 CPU.
REFERENCE_MODE = "portable"

#: What portable mode sets (x86-64 with AVX2 and FMA only).
PORTABLE_ENV = {
    "MKL_CBWR": "COMPATIBLE",  # MKL: one branch on every vendor (CNR)
    "ATEN_CPU_CAPABILITY": "avx2",  # PyTorch's vectorised kernels
    "ONEDNN_MAX_CPU_ISA": "AVX2",  # PyTorch's convolutions
    "OPENBLAS_CORETYPE": "Haswell",  # numpy's and scipy's BLAS/LAPACK
    "NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR",  # numpy's AVX-512 loops
}


def check_mode(value: str) -> str:
    """``value`` normalised to one of :data:`MODES`, or a ``ValueError`` naming them."""
    v = str(value).strip().lower()
    if v not in MODES:
        raise ValueError(f"numerics mode {value!r} is not valid; use 'portable' or 'native'.")
    return v


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


def environment(mode: str = REFERENCE_MODE, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a process that should run in ``mode``: ``base`` (default ``os.environ``)
    with ``VAXIS_NUMERICS=mode`` and, in portable mode, the portable variables (a value already in
    ``base`` is kept: a user's own setting wins). In native mode the portable variables that carry
    portable mode's values are removed. Pass it as ``env=`` of a child process; it changes nothing here.
    """
    mode = check_mode(mode)
    env = dict(os.environ if base is None else base)
    env[MODE_ENV] = mode
    if mode == "portable":
        for key, value in portable_env().items():
            env.setdefault(key, value)
    else:
        for key, value in PORTABLE_ENV.items():
            if env.get(key) == value:
                del env[key]
    return env


@contextlib.contextmanager
def applied(mode: str = REFERENCE_MODE) -> Iterator[dict[str, str]]:
    """Within the block, ``os.environ`` is :func:`environment` ``(mode)``; restored afterwards.

    For starting processes in a mode (the book runner wraps its kernel starts in it). Libraries
    already loaded in *this* process keep the mode they started with.
    """
    saved = dict(os.environ)
    env = environment(mode)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield env
    finally:
        os.environ.clear()
        os.environ.update(saved)


def mode() -> str:
    """The mode this process was started in: ``$VAXIS_NUMERICS`` if set, else ``portable`` when the
    portable variables are all present, else ``native``."""
    value = os.environ.get(MODE_ENV, "").strip()
    if value:
        return check_mode(value)
    env = portable_env()
    return "portable" if env and all(k in os.environ for k in env) else "native"


def describe() -> dict[str, Any]:
    """What is in effect: the mode, the variables, and PyTorch's kernel level once torch is loaded."""
    chosen = mode()
    env = portable_env()
    out: dict[str, Any] = {
        "mode": chosen,
        "portable": chosen == "portable" and bool(env) and all(k in os.environ for k in env),
        "env": {k: os.environ.get(k) for k in PORTABLE_ENV},
    }
    if chosen == "portable" and not env:
        out["note"] = f"not an x86-64 CPU with AVX2 and FMA ({platform.machine()}): libraries run natively"
    elif chosen == "portable" and not out["portable"]:
        out["note"] = (f"{MODE_ENV}=portable but the portable variables are missing: start the process with "
                       "vaxis.numerics.environment('portable') (e.g. python -m vaxis.numerics portable -- CMD)")
    if "torch" in sys.modules:
        out["torch_cpu_capability"] = sys.modules["torch"].backends.cpu.get_cpu_capability()
    return out


def fingerprint() -> dict[str, Any]:
    """What of the numerics a cached result depends on (part of every cache key): mode and variables."""
    info = describe()
    return {"mode": info["mode"], "portable": info["portable"], "env": info["env"]}


def sqrt(x: Any, positive: bool = False) -> Any:
    """Element-wise square root of a float tensor that rounds the same on every CPU, differentiable.

    ``torch.sqrt`` runs on MKL's vector math, whose result differs between Intel and AMD in the last
    bit even in MKL's compatible branch. This is ``x * rsqrt(x)`` in float64 (PyTorch's own kernel:
    the exactly rounded hardware square root and a division), rounded back to ``x``'s dtype: for
    float32 within 1 ulp of the true root (nearly always the correctly rounded value), 0 at 0 with a
    finite gradient. Values must be >= 0. ``positive=True`` promises every value is > 0 (a distance
    plus a floor) and skips the guard of zeros: the same values and gradients in a third fewer
    float64 passes (a (15, 256, 256) batch of distances on 2 cores: 16.8 -> 10.5 ms forward and
    backward, 2026-12-03).
    """
    import torch

    xd = x.double()
    if positive:
        return (xd * torch.rsqrt(xd)).to(x.dtype)
    safe = xd.clamp_min(torch.finfo(torch.float64).tiny)
    return torch.where(xd > 0, xd * torch.rsqrt(safe), torch.zeros_like(xd)).to(x.dtype)


def main(argv: list[str] | None = None) -> int:
    """``python -m vaxis.numerics MODE [--] [CMD ...]``: run CMD in MODE, or print ``export`` lines."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print("usage: python -m vaxis.numerics {portable,native} [--] [CMD ...]\n"
              "Runs CMD with the environment of the numerics mode; without CMD, prints shell lines to eval.")
        return 0 if args else 2
    try:
        chosen = check_mode(args[0])
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    cmd = args[2:] if args[1:2] == ["--"] else args[1:]
    env = environment(chosen)
    if not cmd:
        for key in (MODE_ENV, *PORTABLE_ENV):
            print(f"export {key}={shlex.quote(env[key])}" if key in env else f"unset {key}")
        return 0
    os.execvpe(cmd[0], cmd, env)
    return 1  # not reached


if __name__ == "__main__":
    raise SystemExit(main())
