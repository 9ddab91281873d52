"""Hidden-state extraction on a tiny random model: batched == one-by-one, cache, resume, errors."""

import numpy as np
import pytest

from vaxis import llm
from vaxis._checks import VaxisInputError
from vaxis.llm import hidden

TEXTS = ["i feel happy", "the dog is very very sad !", "a cat", "i hate the night . not good",
         "wonderful day", "terrible", "the cat was calm and the dog was calm ."]


def test_batched_extraction_equals_plain_loop(tiny_model_dir):
    loaded = llm.load(tiny_model_dir, task="full")
    hs = hidden.extract(tiny_model_dir, TEXTS, batch_size=3, cache=False, progress=False)
    assert hs["last"].shape == (3, len(TEXTS), 16)  # 2 blocks + embeddings
    for pooling in ("last", "mean"):
        ref = hidden.plain_loop_reference(loaded, TEXTS, pooling)
        np.testing.assert_allclose(hs[pooling], ref, atol=1e-5, rtol=1e-4)


def test_last_token_ignores_right_padding(tiny_model_dir):
    short = hidden.extract(tiny_model_dir, ["a cat"], cache=False, progress=False)
    padded = hidden.extract(tiny_model_dir, ["a cat", "the dog is very very sad ! not good"],
                            batch_size=2, cache=False, progress=False)
    np.testing.assert_allclose(short["last"][:, 0], padded["last"][:, 0], atol=1e-5)
    np.testing.assert_allclose(short["mean"][:, 0], padded["mean"][:, 0], atol=1e-5)


def test_cache_hit_does_not_load_the_model(tiny_model_dir, monkeypatch):
    first = hidden.extract(tiny_model_dir, TEXTS, progress=False)

    def boom(*a, **k):
        raise AssertionError("the model was loaded although every chunk is cached")

    monkeypatch.setattr(hidden, "load", boom)
    again = hidden.extract(tiny_model_dir, TEXTS, progress=False)
    np.testing.assert_array_equal(first["last"], again["last"])


def test_interrupted_extraction_resumes_from_finished_chunks(tiny_model_dir, monkeypatch):
    calls = []
    real = hidden._forward

    def flaky(loaded, texts, *a, **k):
        calls.append(texts)
        if len(calls) == 2:
            raise KeyboardInterrupt  # killed while the second chunk runs
        return real(loaded, texts, *a, **k)

    monkeypatch.setattr(hidden, "_forward", flaky)
    with pytest.raises(KeyboardInterrupt):
        hidden.extract(tiny_model_dir, TEXTS, chunk_size=3, progress=False)
    calls.clear()
    monkeypatch.setattr(hidden, "_forward", lambda l, t, *a, **k: (calls.append(t), real(l, t, *a, **k))[1])
    resumed = hidden.extract(tiny_model_dir, TEXTS, chunk_size=3, progress=False)
    assert calls == [TEXTS[3:6], TEXTS[6:]]  # the first chunk came from the cache
    fresh = hidden.extract(tiny_model_dir, TEXTS, cache=False, progress=False)
    np.testing.assert_allclose(resumed["mean"], fresh["mean"], atol=1e-5)


def test_truncation_is_counted(tiny_model_dir):
    long = " ".join(["dog"] * 40)
    hs = hidden.extract(tiny_model_dir, [long, "a cat"], max_length=8, cache=False, progress=False)
    assert hs.n_truncated == 1


def test_bad_inputs(tiny_model_dir):
    with pytest.raises(VaxisInputError, match="empty"):
        hidden.extract(tiny_model_dir, [], progress=False)
    with pytest.raises(VaxisInputError, match="single string"):
        hidden.extract(tiny_model_dir, "a cat", progress=False)
    with pytest.raises(VaxisInputError, match="non-empty strings"):
        hidden.extract(tiny_model_dir, ["a cat", "  "], progress=False)
    with pytest.raises(VaxisInputError, match="pooling='max'"):
        hidden.extract(tiny_model_dir, ["a cat"], pooling=["max"], progress=False)
    hs = hidden.extract(tiny_model_dir, ["a cat"], cache=False, progress=False)
    with pytest.raises(VaxisInputError, match="layer=7 is out of range"):
        hs.layer(7)
    assert hs.layer(-1).shape == (1, 16)


def test_model_without_hidden_states_is_refused(tiny_model_dir):
    tok, model = llm.load(tiny_model_dir)

    class NoHidden:
        config = model.config

        def parameters(self):
            return model.parameters()

        def __call__(self, **kw):
            return type("Out", (), {"hidden_states": None})()

    with pytest.raises(VaxisInputError, match="does not return hidden states"):
        hidden.extract(llm.LoadedModel(tok, NoHidden()), ["a cat"], cache=False, progress=False)
