"""Fingerprints of the book's computations on tiny inputs, printed as JSON: ``python numerics_probe.py``.

``tests/test_numerics.py`` runs this natively and under an emulated CPU of another vendor and
instruction set (``qemu-x86_64 -cpu EPYC-Milan``: AMD, AVX2, no AVX-512) and requires the same
fingerprints: what portable numerics (:mod:`vaxis.numerics`) promises. Each entry is the SHA-1 of
the float bytes of one result, so one differing last bit shows. Covered: the simulated cohort and
numpy/scipy linear algebra (chapters 3, 6), a causal LM's hidden states (chapters 1-2), training of
every classifier architecture (chapters 4-6), and the value and gradient of every alignment loss
(chapter 5).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile

import vaxis  # the numerics mode comes from the environment this process started with (vaxis.numerics)


def _h(a) -> str:
    import numpy as np

    if hasattr(a, "detach"):
        a = a.detach().numpy()
    return hashlib.sha1(np.ascontiguousarray(a).tobytes()).hexdigest()[:12]


def numpy_part(out: dict) -> None:
    import numpy as np
    import scipy.linalg

    from vaxis import stats
    from vaxis.eeg import cohort

    ds = cohort("faced", None, n_subjects=3, seed=0)
    out["cohort"] = _h(ds.de)
    x = ds.de.reshape(-1, ds.de.shape[-2] * ds.de.shape[-1])[:400].astype(np.float64)
    rng = np.random.default_rng(0)
    y = x @ rng.standard_normal(x.shape[1])
    out["ridge_solve"] = _h(scipy.linalg.solve(x.T @ x + np.eye(x.shape[1]), x.T @ y, assume_a="pos"))
    out["lstsq"] = _h(np.linalg.lstsq(x[:, :20], y, rcond=None)[0])
    out["svd"] = _h(np.linalg.svd(x[:100, :50], compute_uv=False))
    out["exp_log"] = _h(np.exp(np.log1p(np.abs(x[:50]))) + np.tanh(x[:50]))
    out["cka"] = _h(np.array([stats.linear_cka(x[:80, :30], x[:80, 30:70])]))


def llm_part(out: dict) -> None:
    import torch
    from transformers import LlamaConfig, LlamaModel

    from vaxis.llm import hidden
    from vaxis.llm import LoadedModel

    torch.manual_seed(0)
    cfg = LlamaConfig(vocab_size=64, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=4, max_position_embeddings=32)
    model = LlamaModel(cfg).eval()

    class Tok:  # character tokenizer: enough for hidden.extract's batching, padding and pooling
        padding_side = "right"

        def __call__(self, texts, return_tensors=None, padding=False, truncation=False, max_length=None,
                     add_special_tokens=True):
            ids = [[1 + ord(c) % 60 for c in t][: max_length or None] for t in texts]
            if return_tensors is None:
                return {"input_ids": ids}
            n = max(map(len, ids))
            return _Batch(input_ids=torch.tensor([i + [0] * (n - len(i)) for i in ids]),
                          attention_mask=torch.tensor([[1] * len(i) + [0] * (n - len(i)) for i in ids]))

    class _Batch(dict):
        def to(self, device):
            return self

    hs = hidden.extract(LoadedModel(Tok(), model), ["I am furious.", "A calm, ordinary day.", "Pure joy!"],
                        cache=False, progress=False)
    out["hidden_last"], out["hidden_mean"] = _h(hs["last"]), _h(hs["mean"])


def training_part(out: dict) -> None:
    import torch

    from vaxis.decoding import engine
    from vaxis.eeg import cohort
    from vaxis.decoding.folds import subject_folds

    torch.set_num_threads(2)
    data = engine.TrainData.from_dataset(cohort("faced", None, n_subjects=4, seed=0))
    folds = subject_folds(data.subject, n_splits=2, seed=0, val_fraction=0.25)
    cfg = engine.TrainConfig(max_epochs=2, batch_size=64, patience=2, window_stride=15)
    for arch in ("logreg", "mlp", "dgcnn", "eegnet", "transformer", "gridcnn"):
        r = engine.train(arch, data, folds[:1], [0], cfg, cache=False, progress=False)
        out[f"train_{arch}"] = _h(r.units[0].proba) + _h(r.units[0].z)


def alignment_part(out: dict) -> None:
    import numpy as np
    import torch

    from vaxis.decoding import alignment as al

    rng = np.random.default_rng(1)
    k, c = 9, 32
    cv = rng.standard_normal((k, 24)) + 3.0
    direction = rng.standard_normal(24)
    direction /= np.linalg.norm(direction)
    targets = al.make_targets(cv, (cv - cv[4]) @ direction, direction, rng.standard_normal((k, 16)),
                              rng.standard_normal(k), al.adjacency_from_positions(rng.standard_normal((c, 3))))
    y = torch.as_tensor(np.repeat(np.arange(k), 4))
    z0 = torch.as_tensor(rng.standard_normal((36, 32)), dtype=torch.float32).relu()
    logits0 = torch.as_tensor(rng.standard_normal((36, k)), dtype=torch.float32)
    for name, strategy in al.STRATEGIES.items():
        z, logits = z0.clone().requires_grad_(), logits0.clone().requires_grad_()
        loss = strategy.loss_fn(z, logits, y, targets, None)
        gz, gl = torch.autograd.grad(loss, (z, logits), allow_unused=True)
        parts = [loss] + [g for g in (gz, gl) if g is not None]
        out[f"loss_{name}"] = "".join(_h(p) for p in parts)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["VAXIS_CACHE"] = tmp
        out: dict = {"numerics": vaxis.numerics.describe()["mode"]}
        for part in (numpy_part, llm_part, training_part, alignment_part):
            part(out)
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
