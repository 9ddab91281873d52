"""Hidden states for a library call: only the layers asked for, a bounded cache, a polite thread count.

On the tiny random model of ``conftest.py`` (2 blocks, width 16), in seconds.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest

from vaxis import io, numerics
from vaxis._checks import VaxisInputError
from vaxis.llm import hidden

TEXTS = ["i feel happy", "the dog is very very sad !", "a cat", "wonderful day", "terrible"]


def _cache_files() -> list[Path]:
    return sorted(io.cache_dir("hidden_states").glob("*.npz"))


def test_selected_layers_equal_the_rows_of_every_layer(tiny_model_dir):
    every = hidden.extract(tiny_model_dir, TEXTS, cache=False, progress=False)
    some = hidden.extract(tiny_model_dir, TEXTS, layers=[2, 0], cache=False, progress=False)
    assert some["last"].shape == (2, len(TEXTS), 16) and some.layer_ids == [2, 0] and some.n_layers == 2
    for pooling in ("last", "mean"):
        np.testing.assert_array_equal(some.layer(2, pooling), every.layer(2, pooling))
        np.testing.assert_array_equal(some.layer(0, pooling), every.layer(0, pooling))
        np.testing.assert_array_equal(some.layer(-1, pooling), every.layer(-1, pooling))
    with pytest.raises(VaxisInputError, match="layer=1 was not extracted"):
        some.layer(1)
    with pytest.raises(VaxisInputError, match="out of range"):
        hidden.extract(tiny_model_dir, TEXTS, layers=[3], cache=False, progress=False)
    top = hidden.extract(tiny_model_dir, TEXTS, layers=[-1], cache=False, progress=False)
    assert top.layer_ids == [2]


def _stored_floats() -> int:
    """Numbers of hidden states the cache holds (file sizes of a tiny model are mostly headers)."""
    return sum(v.size for p in _cache_files() for k, v in io.load_npz(p).items() if k in hidden.POOLINGS)


def test_one_layer_costs_a_fraction_of_the_cache(tiny_model_dir):
    hidden.extract(tiny_model_dir, TEXTS, progress=False)
    every = _stored_floats()
    for p in _cache_files():
        p.unlink()
    hidden.extract(tiny_model_dir, TEXTS, pooling=["last"], layers=[1], progress=False)
    one = _stored_floats()
    assert (every, one) == (3 * 2 * len(TEXTS) * 16, len(TEXTS) * 16)  # 3 layers x 2 poolings vs 1 x 1


def test_chapter_cache_keys_are_unchanged(tiny_model_dir):
    """Every-layer extraction keeps the key it had before layer selection existed (chapters' caches stay)."""
    hidden.extract(tiny_model_dir, TEXTS, progress=False)
    name = os.fspath(tiny_model_dir)
    key = io.stable_hash(hidden.CACHE_VERSION, hidden.model_identity(name), TEXTS, ("last", "mean"), None,
                         numerics.fingerprint())
    assert [p.name for p in _cache_files()] == [f"{hidden._slug(name)}-{key}.npz"]


def test_some_layers_are_served_from_a_cached_every_layer_chunk(tiny_model_dir, monkeypatch):
    every = hidden.extract(tiny_model_dir, TEXTS, progress=False)

    def boom(*a, **k):
        raise AssertionError("the model was loaded although an every-layer chunk is cached")

    monkeypatch.setattr(hidden, "load", boom)
    some = hidden.extract(tiny_model_dir, TEXTS, layers=[1], progress=False)
    np.testing.assert_array_equal(some.layer(1, "mean"), every.layer(1, "mean"))
    assert some.n_layers == 2


def test_cache_is_bounded_least_recently_used_first(tiny_model_dir, monkeypatch):
    hidden.extract(tiny_model_dir, TEXTS[:2], progress=False)
    (old,) = _cache_files()
    hidden.extract(tiny_model_dir, TEXTS[2:4], progress=False)
    second = [p for p in _cache_files() if p != old]
    past = time.time() - 100
    os.utime(second[0], (past, past))  # the second chunk is now the least recently used
    hidden.extract(tiny_model_dir, TEXTS[:2], progress=False)  # a cache hit touches the first one
    size = max(p.stat().st_size for p in _cache_files())
    monkeypatch.setenv(hidden.CACHE_MAX_ENV, str(2.5 * size / 1e9))  # room for two chunks
    hidden.extract(tiny_model_dir, TEXTS[4:], progress=False)
    left = _cache_files()
    assert old in left and second[0] not in left and len(left) == 2
    assert sum(p.stat().st_size for p in left) <= hidden.cache_limit_bytes()


def test_prune_never_deletes_the_chunks_just_written(tmp_path):
    for i, name in enumerate(["a.npz", "b.npz", "c.npz"]):
        (tmp_path / name).write_bytes(b"x" * 100)
        os.utime(tmp_path / name, (1000 + i, 1000 + i))
    (tmp_path / "notes.txt").write_bytes(b"x" * 1000)
    freed = hidden.prune_cache(tmp_path, limit=150, keep=[tmp_path / "a.npz"])
    assert freed == 200 and sorted(p.name for p in tmp_path.iterdir()) == ["a.npz", "notes.txt"]
    assert hidden.cache_limit_bytes() == int(hidden.CACHE_MAX_GB * 1e9)


def test_cache_bound_from_the_environment(monkeypatch):
    monkeypatch.setenv(hidden.CACHE_MAX_ENV, "0.5")
    assert hidden.cache_limit_bytes() == 500_000_000
    monkeypatch.setenv(hidden.CACHE_MAX_ENV, "lots")
    with pytest.raises(VaxisInputError, match="VAXIS_CACHE_MAX_GB"):
        hidden.cache_limit_bytes()


def test_threads_default_to_two_and_are_restored(tiny_model_dir, monkeypatch):
    import torch

    monkeypatch.delenv(hidden.THREADS_ENV, raising=False)
    assert hidden.default_threads() == min(2, len(os.sched_getaffinity(0)))
    monkeypatch.setenv(hidden.THREADS_ENV, "3")
    assert hidden.default_threads() == 3
    monkeypatch.setenv(hidden.THREADS_ENV, "0")
    with pytest.raises(VaxisInputError, match="at least 1"):
        hidden.default_threads()
    before = torch.get_num_threads()
    seen = []
    real = hidden._forward
    monkeypatch.setattr(hidden, "_forward", lambda *a, **k: (seen.append(torch.get_num_threads()), real(*a, **k))[1])
    hidden.extract(tiny_model_dir, TEXTS, threads=1, cache=False, progress=False)
    assert seen == [1] and torch.get_num_threads() == before


def test_blocks_above_the_highest_layer_asked_for_are_not_run(tiny_model_dir):
    from vaxis import llm

    loaded = llm.load(tiny_model_dir)
    parent, attr, blocks = hidden._blocks(loaded.model)
    assert len(blocks) == 2
    runs = []
    for i, block in enumerate(blocks):
        block.register_forward_hook(lambda mod, args, out, i=i: runs.append(i))
    every = hidden.extract(loaded, TEXTS, cache=False, progress=False)
    assert sorted(set(runs)) == [0, 1]
    runs.clear()
    low = hidden.extract(loaded, TEXTS, layers=[0], cache=False, progress=False)  # the embeddings
    assert runs and set(runs) == {0}  # one block above the layer asked for, never the last
    runs.clear()
    one = hidden.extract(loaded, TEXTS, layers=[1], cache=False, progress=False)
    assert set(runs) == {0, 1}  # block 2 is the last: its hidden state may carry the final norm
    assert getattr(parent, attr) is blocks  # the model is whole again
    for pooling in ("last", "mean"):
        np.testing.assert_array_equal(low.layer(0, pooling), every.layer(0, pooling))
        np.testing.assert_array_equal(one.layer(1, pooling), every.layer(1, pooling))
