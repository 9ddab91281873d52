"""Interruption (SIGKILL at a random point) and determinism of the runner and of the caches.

These start real subprocesses and kernels, on the tiny test model and small parameters, so they
take tens of seconds; marked ``slow`` and run by the README's test command.
"""

import json
import os
import random
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


def _kill_after(cmd, env, delay):
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    time.sleep(delay)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)  # the runner and its kernel die at once
    proc.wait()
    return proc.returncode


def _no_partial_files(folder):
    return not [p for p in Path(folder).rglob("*") if p.name.endswith((".part", ".running.ipynb"))]


def test_hidden_state_cache_survives_sigkill(tmp_path, tiny_model_dir):
    texts = [f"word{i} is {'good' if i % 2 else 'bad'} ." for i in range(200)]
    script = tmp_path / "extract.py"
    script.write_text(textwrap.dedent(f"""
        import sys, numpy as np
        from vaxis import hidden
        hs = hidden.extract({str(tiny_model_dir)!r}, {texts!r}, chunk_size=10, batch_size=4, progress=False)
        np.save(sys.argv[1], hs['mean'])
    """))
    env = _env(tmp_path, tmp_path / "r")
    rng = random.Random(0)
    for attempt in range(3):  # kill at random points, possibly several times
        _kill_after([sys.executable, str(script), str(tmp_path / "x.npy")], env, rng.uniform(2.0, 5.0))
    subprocess.run([sys.executable, str(script), str(tmp_path / "resumed.npy")], cwd=ROOT, env=env, check=True)
    env["VAXIS_CACHE"] = str(tmp_path / "fresh-cache")
    subprocess.run([sys.executable, str(script), str(tmp_path / "fresh.npy")], cwd=ROOT, env=env, check=True)
    np.testing.assert_array_equal(np.load(tmp_path / "resumed.npy"), np.load(tmp_path / "fresh.npy"))
    for f in (tmp_path / "cache" / "hidden_states").glob("*.npz"):
        io.load_npz(f)  # every file under a final name is complete


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
    _kill_after(_run_chapter(broken, "01", *params), broken, random.Random(1).uniform(3.0, 8.0))
    partial = tmp_path / "broken" / "quick"
    assert not (partial / results.AXIS_JSON).exists() or (partial / results.AXIS_NPZ).exists()
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
