"""Interruption (SIGKILL at a random point) and determinism of the runner and of the caches.

These start real subprocesses and kernels, on the tiny test model and small parameters, so they
take tens of seconds; marked ``slow`` and run by the README's test command.
"""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from vaxis import io, results

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]


def _env(tmp_path, results_root):
    env = {**os.environ, "VAXIS_RESULTS": str(results_root), "VAXIS_CACHE": str(tmp_path / "cache"),
           "HF_HUB_OFFLINE": "1"}
    env.pop("MPLBACKEND", None)
    return env


def _kill_when(cmd, env, ready, timeout=180.0):
    """Start ``cmd`` in its own process group; SIGKILL the whole group as soon as ``ready()`` is true.

    Fails when the command ends before ``ready()`` or never gets there: a kill that does not land
    part-way tests nothing.
    """
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.time() + timeout
    while not ready():
        if proc.poll() is not None:
            pytest.fail(f"{cmd[:4]} ended (code {proc.returncode}) before the kill point")
        if time.time() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            pytest.fail(f"{cmd[:4]} did not reach the kill point in {timeout} s")
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)  # the runner and its kernel die at once
    proc.wait()
    assert proc.returncode == -signal.SIGKILL


def _no_partial_files(folder):
    return not [p for p in Path(folder).rglob("*") if p.name.endswith((".part", ".running.ipynb"))]


def test_hidden_state_cache_survives_sigkill(tmp_path, tiny_model_dir):
    n_chunks = 150
    texts = [f"word{i} is {'good' if i % 2 else 'bad'} ." for i in range(10 * n_chunks)]
    script = tmp_path / "extract.py"
    script.write_text(textwrap.dedent(f"""
        import sys, numpy as np
        from vaxis.llm import hidden
        hs = hidden.extract({str(tiny_model_dir)!r}, {texts!r}, chunk_size=10, batch_size=2, progress=False)
        np.save(sys.argv[1], hs['mean'])
    """))
    env = _env(tmp_path, tmp_path / "r")
    folder = tmp_path / "cache" / "hidden_states"
    done = lambda: len(list(folder.glob("*.npz"))) if folder.is_dir() else 0  # noqa: E731
    for target in (3, 20, 60):  # killed three times, each time part-way through
        _kill_when([sys.executable, str(script), str(tmp_path / "x.npy")], env, lambda: done() >= target)
        assert target <= done() < n_chunks, "the kill should land part-way"
    assert not (tmp_path / "x.npy").exists()
    finished = {f: f.stat().st_mtime_ns for f in folder.glob("*.npz")}
    for f in finished:
        io.load_npz(f)  # every file under a final name is complete
    subprocess.run([sys.executable, str(script), str(tmp_path / "resumed.npy")], cwd=ROOT, env=env, check=True)
    assert done() == n_chunks
    assert all(f.stat().st_mtime_ns == t for f, t in finished.items()), "finished chunks must not be redone"
    env["VAXIS_CACHE"] = str(tmp_path / "fresh-cache")
    subprocess.run([sys.executable, str(script), str(tmp_path / "fresh.npy")], cwd=ROOT, env=env, check=True)
    np.testing.assert_array_equal(np.load(tmp_path / "resumed.npy"), np.load(tmp_path / "fresh.npy"))


def _run_chapter(env, only, *params):
    cmd = [sys.executable, "-m", "vaxis.book", "run", "--only", only, "--no-memory-check"]
    for p in params:
        cmd += ["-p", p]
    return cmd


def test_runner_survives_sigkill_and_reproduces_bit_for_bit(tmp_path, tiny_model_dir):
    params = [f"lead_model={tiny_model_dir}", "n_items=40", "n_afinn=20", "n_boot=100", "templates=[bare]"]
    clean = _env(tmp_path, tmp_path / "clean")
    subprocess.run(_run_chapter(clean, "01", *params), cwd=ROOT, env=clean, check=True, capture_output=True)
    broken = _env(tmp_path, tmp_path / "broken")
    broken["VAXIS_CACHE"] = str(tmp_path / "cache2")
    hidden_cache = tmp_path / "cache2" / "hidden_states"
    # killed once the chapter has extracted its hidden states (mid-chapter, before its results are written)
    _kill_when(_run_chapter(broken, "01", *params), broken,
               lambda: hidden_cache.is_dir() and any(hidden_cache.glob("*.npz")))
    partial = tmp_path / "broken" / "quick"
    assert not (partial / results.AXIS_JSON).exists(), "the kill should land before the chapter finished"
    subprocess.run(_run_chapter(broken, "01", *params), cwd=ROOT, env=broken, check=True, capture_output=True)
    a = json.loads((tmp_path / "clean" / "quick" / results.AXIS_JSON).read_text())
    b = json.loads((partial / results.AXIS_JSON).read_text())
    assert a == b  # bit-for-bit: every float in the JSON is identical
    na, nb = io.load_npz(tmp_path / "clean" / "quick" / results.AXIS_NPZ), io.load_npz(partial / results.AXIS_NPZ)
    for key in na:
        np.testing.assert_array_equal(na[key], nb[key])
    assert _no_partial_files(tmp_path / "broken")


def test_chapter_3_is_deterministic(tmp_path):
    params = ["n_subjects=12", "permutations=500", "n_random_directions=20", "sweep_subjects=8",
              "sweep_knobs={valence_strength: [0.0]}", "n_boot=200"]
    out = []
    for run in ("a", "b"):
        env = _env(tmp_path, tmp_path / run)
        axis_dir = tmp_path / run / "quick"
        axis_dir.mkdir(parents=True)
        cats = ["anger", "disgust", "fear", "sadness", "neutral", "amusement", "inspiration", "joy", "tenderness"]
        results.save_axis(axis_dir, {"lead": {"category_positions": dict(zip(cats, np.linspace(-2, 2, 9)))}},
                          {"anchor_vectors": np.random.default_rng(0).normal(size=(9, 8)),
                           "anchor_categories": np.array(cats)})
        subprocess.run(_run_chapter(env, "03", *params), cwd=ROOT, env=env, check=True, capture_output=True)
        out.append(json.loads((axis_dir / results.MAPPING_JSON).read_text()))
    assert out[0] == out[1]
