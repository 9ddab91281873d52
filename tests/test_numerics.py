"""Portable numerics: the same numbers on Intel and AMD CPUs (vaxis.numerics).

Portable mode is an environment a process starts with (``vaxis.numerics.environment``); importing
vaxis changes none. The cross-CPU test runs ``tests/numerics_probe.py`` natively and under ``qemu-x86_64`` emulating
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


def _child(env: dict[str, str], code: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


DESCRIBE = "import json, torch, vaxis; print(json.dumps(vaxis.numerics.describe()))"


def _clean_env() -> dict[str, str]:
    env = dict(os.environ)
    for key in (numerics.MODE_ENV, *numerics.PORTABLE_ENV):
        env.pop(key, None)
    return env


def test_a_process_started_in_portable_mode_runs_portable():
    if not numerics.portable_env():
        pytest.skip(f"portable numerics do not apply here: {platform.machine()}")
    info = _child(numerics.environment("portable", base=_clean_env()), DESCRIBE)
    assert info["mode"] == "portable" and info["portable"], info
    assert info["torch_cpu_capability"] == "AVX2"
    native = _child(numerics.environment("native", base=_clean_env()), DESCRIBE)
    assert native["mode"] == "native" and not native["portable"] and not any(native["env"].values())


def test_importing_vaxis_changes_no_environment_variable():
    code = ("import json, os; before = dict(os.environ); "
            "import vaxis, vaxis.numerics, vaxis.stats, vaxis.decoding.engine, "
            "vaxis.llm.hidden, vaxis.plots; print(json.dumps({'same': dict(os.environ) == before}))")
    assert _child(_clean_env(), code) == {"same": True}


def test_command_line_runs_a_command_in_a_mode():
    code = "import json, os; print(json.dumps({k: os.environ.get(k) for k in ('VAXIS_NUMERICS', 'MKL_CBWR')}))"
    proc = subprocess.run([sys.executable, "-m", "vaxis.numerics", "portable", "--", sys.executable, "-c", code],
                          capture_output=True, text=True, env=_clean_env(), timeout=120)
    assert proc.returncode == 0, proc.stderr
    want = "COMPATIBLE" if numerics.portable_env() else None
    assert json.loads(proc.stdout) == {"VAXIS_NUMERICS": "portable", "MKL_CBWR": want}
    shell = subprocess.run([sys.executable, "-m", "vaxis.numerics", "native"], capture_output=True, text=True,
                           env=_clean_env(), timeout=120)
    assert "export VAXIS_NUMERICS=native" in shell.stdout and "unset MKL_CBWR" in shell.stdout


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


def test_sqrt_of_positive_values_skips_the_guard_with_the_same_numbers():
    g = torch.Generator().manual_seed(1)
    x = torch.rand(4, 64, 64, generator=g) * 10.0 ** torch.randint(-8, 8, (4, 64, 64), generator=g) + 1e-6
    a, b = x.clone().requires_grad_(), x.clone().requires_grad_()
    ya, yb = numerics.sqrt(a), numerics.sqrt(b, positive=True)
    assert torch.equal(ya, yb)
    w = torch.randn(x.shape, generator=g)
    (ya * w).sum().backward()
    (yb * w).sum().backward()
    assert torch.equal(a.grad, b.grad)


def test_mode_parsing_user_values_and_restoring(monkeypatch):
    monkeypatch.setenv(numerics.MODE_ENV, "fast")
    with pytest.raises(ValueError, match="portable.*native"):
        numerics.mode()
    monkeypatch.setenv(numerics.MODE_ENV, "Native")
    assert numerics.mode() == "native"
    env = numerics.environment("portable", base={"OPENBLAS_CORETYPE": "Zen"})
    assert env["OPENBLAS_CORETYPE"] == "Zen"  # a user's own setting wins
    assert env[numerics.MODE_ENV] == "portable"
    back = numerics.environment("native", base=numerics.environment("portable", base={}))
    assert back == {numerics.MODE_ENV: "native"}
    before = dict(os.environ)
    with numerics.applied("portable"):
        assert os.environ[numerics.MODE_ENV] == "portable"
    assert dict(os.environ) == before


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
    env = numerics.environment("portable", base={**_clean_env(), "VAXIS_CACHE": str(tmp_path)})
    here = _probe([], env)
    there = _probe([qemu, "-cpu", "EPYC-Milan"], env)
    assert here["numerics"] == there["numerics"] == "portable"
    differ = sorted(k for k in here if here[k] != there.get(k))
    assert not differ, f"{len(differ)} of {len(here)} fingerprints differ on the emulated AMD CPU: {differ}"


def test_readers_run_native_and_references_stay_portable():
    """A reader's run (make book, the runner, papermill) takes the fast path; what nbval compares
    with (make test, refresh) stays portable."""
    import inspect

    from vaxis.book import runner

    assert numerics.DEFAULT_MODE == "native" and numerics.REFERENCE_MODE == "portable"
    assert inspect.signature(runner.run_chapter).parameters["numerics_mode"].default == "native"
    assert inspect.signature(runner.refresh).parameters["numerics_mode"].default == "portable"
    make = (Path(__file__).parents[1] / "Makefile").read_text()
    assert "NUMERICS ?= $(or $(VAXIS_NUMERICS),native)" in make
    # make test runs its steps (unit-tests, nbval-chapters, book-build, book-tests-*) two at a time
    steps = make.replace("\\\n", " ").split("\ntest:", 1)[1].split("\n\n$(VENV)/.installed", 1)[0]
    pytest_lines = [line for line in steps.splitlines() if "pytest" in line and not line.lstrip().startswith("#")]
    assert len(pytest_lines) == 4 and "--nbval" in steps and "--numerics" not in steps  # no runner pass
    assert all("$(PORTABLE)" in line for line in pytest_lines)
