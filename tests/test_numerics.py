"""Portable numerics: the same numbers on Intel and AMD CPUs (vaxis.numerics).

The cross-CPU test runs ``tests/numerics_probe.py`` natively and under ``qemu-x86_64`` emulating
an AMD EPYC-Milan (another vendor for MKL, AVX2 without AVX-512 for PyTorch, oneDNN, OpenBLAS and
numpy) and requires every fingerprint to be equal. Natively the two differ in about 30 of the 42
fingerprints (measured 2026-12-01), which is why the committed nbval references could only be met
on the kind of CPU that wrote them. qemu-user comes from Debian (``make test`` installs it when it
can); without it the test is skipped, saying so.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from vaxis import numerics

PROBE = Path(__file__).with_name("numerics_probe.py")


def test_portable_mode_is_in_effect_in_the_test_process():
    info = numerics.describe()
    if not numerics.portable_env():
        pytest.skip(f"portable numerics do not apply here: {info.get('note')}")
    assert info["mode"] == "portable" and info["portable"], info
    assert all(k in os.environ for k in numerics.PORTABLE_ENV)  # set by vaxis, or by the user
    assert info["torch_cpu_capability"] == "AVX2"


def test_sqrt_is_within_one_ulp_and_safe_at_zero():
    g = torch.Generator().manual_seed(0)
    x = torch.cat([torch.rand(10000, generator=g) * 10.0 ** torch.randint(-30, 30, (10000,), generator=g),
                   torch.zeros(3)])
    got, want = numerics.sqrt(x).numpy(), np.sqrt(x.numpy())
    ulp = np.spacing(want.astype(np.float32))
    assert np.all(np.abs(got - want) <= ulp) and np.all(got[-3:] == 0)
    xg = torch.tensor([0.0, 4.0], requires_grad=True)
    numerics.sqrt(xg).sum().backward()
    assert torch.isfinite(xg.grad).all() and xg.grad[1] == pytest.approx(0.25)


def test_mode_parsing_and_user_values_kept(monkeypatch):
    monkeypatch.setenv(numerics.MODE_ENV, "fast")
    with pytest.raises(ValueError, match="portable.*native"):
        numerics.mode()
    monkeypatch.setenv(numerics.MODE_ENV, "Native")
    assert numerics.mode() == "native"
    monkeypatch.setenv(numerics.MODE_ENV, "portable")
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Zen")
    numerics.apply()
    assert os.environ["OPENBLAS_CORETYPE"] == "Zen"  # a user's own setting wins


def test_cache_keys_depend_on_the_numerics(monkeypatch):
    a = numerics.fingerprint()
    monkeypatch.setenv("MKL_CBWR", "AVX2")
    assert numerics.fingerprint() != a


def _probe(prefix: list[str], env: dict[str, str]) -> dict[str, str]:
    proc = subprocess.run([*prefix, sys.executable, str(PROBE)], capture_output=True, text=True, env=env,
                          timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


@pytest.mark.slow
def test_same_numbers_on_an_emulated_amd_cpu(tmp_path):
    """Hidden states, classifier training, alignment losses and numpy maths: bit-for-bit equal."""
    if platform.machine().lower() not in ("x86_64", "amd64") or not numerics.portable_env():
        pytest.skip("portable numerics apply to x86-64 CPUs with AVX2")
    qemu = shutil.which("qemu-x86_64")
    if qemu is None:
        pytest.skip("qemu-x86_64 not installed (Debian package qemu-user); `make test` installs it when root")
    check = subprocess.run([qemu, "-cpu", "EPYC-Milan", sys.executable, "-c", "pass"], capture_output=True,
                           timeout=120)
    if check.returncode != 0:
        pytest.skip(f"qemu-x86_64 cannot run Python here: {check.stderr.decode()[-300:]}")
    env = {**os.environ, "VAXIS_CACHE": str(tmp_path)}
    env.pop(numerics.MODE_ENV, None)
    for k in numerics.PORTABLE_ENV:  # the probe sets them itself, as every chapter does
        env.pop(k, None)
    here = _probe([], env)
    there = _probe([qemu, "-cpu", "EPYC-Milan"], env)
    assert here["numerics"] == there["numerics"] == "portable"
    differ = sorted(k for k in here if here[k] != there.get(k))
    assert not differ, f"{len(differ)} of {len(here)} fingerprints differ on the emulated AMD CPU: {differ}"
