"""Hidden states of every layer, pooled per text, in batched forward passes, cached on disk.

How (measured on 2 CPU cores, see ``benchmarks/``): the base model without its language-model head,
texts sorted by token length so each padded batch wastes little, batches of ~64 under
``torch.inference_mode()``, ``output_hidden_states=True`` so one pass gives every layer.

Pooling (``pooling=``):

- ``"last"`` -- the hidden state of the last *real* token. With right padding, index ``-1`` would be a
  pad token, so the position is read from the attention mask.
- ``"mean"`` -- the mean over real tokens (attention mask), padding excluded.

Layer 0 is the embedding output; layer ``L`` the last block, so arrays have ``n_layers + 1`` rows.

Texts longer than ``max_length`` tokens (default: the model's context, capped at 512) are
truncated (documented; the number truncated is reported in :attr:`HiddenStates.n_truncated`).

Cache: results are stored per chunk of texts under ``<cache>/hidden_states/``, keyed by the model's
identity, the texts, the pooling and ``max_length``; an interrupted extraction resumes at the last
finished chunk, and a re-run with the same inputs does no forward pass and does not load the model.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .. import io, numerics
from .._checks import VaxisInputError
from .loading import load
from .registry import MARKER, REGISTRY, LoadedModel, models_dir

POOLINGS = ("last", "mean")
#: Version of the hidden-state cache (part of every key). Bump it when what a cached chunk holds
#: changes for the same model, texts and pooling (the forward pass, pooling or truncation rules);
#: not for docstrings or refactoring that keeps the numbers.
CACHE_VERSION = 1


@dataclass
class HiddenStates:
    """Pooled hidden states of a list of texts.

    Attributes
    ----------
    states : dict
        Pooling name -> float32 array of shape ``(n_layers + 1, n_texts, hidden_size)``.
    texts : list of str
        The texts, in the order of axis 1.
    model : str
        The model's registry name, path or hub id.
    n_truncated : int
        How many texts were cut to ``max_length`` tokens.
    """

    states: dict[str, np.ndarray]
    texts: list[str]
    model: str
    n_truncated: int = 0
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def n_layers(self) -> int:
        """Number of transformer blocks (rows are ``n_layers + 1`` with the embeddings)."""
        return next(iter(self.states.values())).shape[0] - 1

    def layer(self, layer: int, pooling: str = "last") -> np.ndarray:
        """Array ``(n_texts, hidden_size)`` of one layer; negative indices count from the top."""
        arr = self[pooling]
        n = arr.shape[0]
        if not -n <= layer < n:
            raise VaxisInputError(
                f"layer={layer} is out of range for {self.model!r}, which has layers 0..{n - 1} "
                f"(0 = embeddings, {n - 1} = last block)."
            )
        return arr[layer]

    def __getitem__(self, pooling: str) -> np.ndarray:
        if pooling not in self.states:
            raise VaxisInputError(f"pooling={pooling!r} was not extracted; have {list(self.states)}.")
        return self.states[pooling]


def model_identity(name_or_path: str) -> dict[str, Any]:
    """What identifies a model's weights for caching, without loading it."""
    key = os.fspath(name_or_path)
    if key in REGISTRY:
        marker = models_dir() / key / MARKER
        return {"registry": key, "marker": marker.read_text() if marker.is_file() else REGISTRY[key].hf_id}
    p = Path(key).expanduser()
    if p.exists():
        files = [p] if p.is_file() else sorted(q for q in p.iterdir() if q.is_file())
        return {"path": str(p.resolve()), "files": [(q.name, q.stat().st_size, int(q.stat().st_mtime)) for q in files]}
    return {"hub": key}


def extract(
    model: str | os.PathLike | LoadedModel,
    texts: Sequence[str],
    pooling: Sequence[str] = POOLINGS,
    batch_size: int = 64,
    max_length: int | None = None,
    device: str = "auto",
    cache: bool = True,
    chunk_size: int = 512,
    progress: bool = True,
) -> HiddenStates:
    """Hidden states of every layer for ``texts``, pooled each way in ``pooling``.

    Parameters
    ----------
    model : str, path or LoadedModel
        Registry name, local path or hub id (loaded only if some chunk is not cached), or an
        already loaded ``(tokenizer, model)`` pair (then caching uses ``model.config``).
    texts : sequence of str
        Non-empty strings.
    pooling : sequence of {"last", "mean"}
    batch_size : int
        Texts per forward pass.
    max_length : int, optional
        Truncate longer texts to this many tokens (default: model context, at most 512).
    cache : bool
        Read and write the on-disk cache.
    chunk_size : int
        Texts per cache file (the unit of resumption).

    Returns
    -------
    HiddenStates
    """
    texts = _check_texts(texts)
    pooling = tuple(pooling)
    for p in pooling:
        if p not in POOLINGS:
            raise VaxisInputError(f"pooling={p!r} is not valid; use any of {POOLINGS}.")
    if isinstance(model, LoadedModel):
        loaded: LoadedModel | None = model
        name = str(getattr(model.model.config, "vaxis_source", model.model.config.name_or_path))
        ident: dict[str, Any] = {"config": model.model.config.to_json_string(use_diff=False), "name": name}
    else:
        loaded = None
        name = os.fspath(model)
        ident = model_identity(name)
    chunks = [texts[i : i + chunk_size] for i in range(0, len(texts), chunk_size)]
    folder = io.cache_dir("hidden_states")
    results: list[dict[str, np.ndarray] | None] = []
    paths = []
    for chunk in chunks:
        key = io.stable_hash(CACHE_VERSION, ident, chunk, pooling, max_length, numerics.fingerprint())
        paths.append(folder / f"{_slug(name)}-{key}.npz")
        results.append(io.load_npz(paths[-1]) if cache and paths[-1].is_file() else None)
    todo = [i for i, r in enumerate(results) if r is None]
    n_trunc = sum(int(r["n_truncated"]) for r in results if r is not None)
    if todo:
        if loaded is None:
            loaded = load(name, task="hidden", device=device)
        from tqdm import tqdm

        bar = tqdm(total=sum(len(chunks[i]) for i in todo), desc=f"hidden states {name}",
                   unit="text", disable=not progress)
        for i in todo:
            arrays, nt = _forward(loaded, chunks[i], pooling, batch_size, max_length, bar)
            arrays["n_truncated"] = np.array(nt)
            if cache:
                io.save_npz(paths[i], **arrays)
            results[i] = arrays
            n_trunc += nt
        bar.close()
    states = {p: np.concatenate([r[p] for r in results], axis=1) for p in pooling}
    return HiddenStates(states, list(texts), name, n_trunc, {"max_length": max_length})


def _check_texts(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str):
        raise VaxisInputError("texts must be a list of strings, got a single string; wrap it in a list.")
    texts = list(texts)
    if not texts:
        raise VaxisInputError("texts is empty; pass at least one non-empty string.")
    bad = [i for i, t in enumerate(texts) if not isinstance(t, str) or not t.strip()]
    if bad:
        raise VaxisInputError(f"texts must be non-empty strings; items {bad[:10]} are not.")
    return texts


def _slug(name: str) -> str:
    base = Path(name).name if os.sep in name else name
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in base)[:40]
    return safe + "-" + hashlib.sha1(name.encode()).hexdigest()[:6]


def _context_length(model: Any) -> int:
    cfg = model.config
    for attr in ("max_position_embeddings", "n_positions", "max_sequence_length"):
        v = getattr(cfg, attr, None)
        if isinstance(v, int) and v > 0:
            return v
    return 512


def _forward(
    loaded: LoadedModel,
    texts: list[str],
    pooling: tuple[str, ...],
    batch_size: int,
    max_length: int | None,
    bar: Any,
) -> tuple[dict[str, np.ndarray], int]:
    import torch

    tok, model = loaded
    limit = max_length or min(_context_length(model), 512)
    tok.padding_side = "right"
    ids = tok(texts, add_special_tokens=True, truncation=False)["input_ids"]
    lengths = np.array([len(x) for x in ids])
    n_trunc = int((lengths > limit).sum())
    order = np.argsort(lengths, kind="stable")
    device = next(model.parameters()).device
    out: dict[str, np.ndarray] | None = None
    with torch.inference_mode():
        for start in range(0, len(texts), batch_size):
            sel = order[start : start + batch_size]
            enc = tok([texts[j] for j in sel], return_tensors="pt", padding=True, truncation=True,
                      max_length=limit).to(device)
            res = model(**enc, output_hidden_states=True)
            hs = getattr(res, "hidden_states", None)
            if hs is None:
                raise VaxisInputError(
                    f"{type(model).__name__} does not return hidden states; use a transformers "
                    "model that supports output_hidden_states=True."
                )
            h = torch.stack(hs, 0).float()  # (L+1, B, T, D)
            mask = enc["attention_mask"]
            if out is None:
                out = {p: np.zeros((h.shape[0], len(texts), h.shape[-1]), np.float32) for p in pooling}
            if "last" in pooling:
                last = mask.sum(1) - 1  # index of the last real token (right padding)
                vec = h[:, torch.arange(h.shape[1], device=h.device), last]
                out["last"][:, sel] = vec.cpu().numpy()
            if "mean" in pooling:
                m = mask[None, :, :, None].to(h.dtype)
                vec = (h * m).sum(2) / m.sum(2).clamp_min(1)
                out["mean"][:, sel] = vec.cpu().numpy()
            bar.update(len(sel))
    assert out is not None
    return out, n_trunc


def plain_loop_reference(loaded: LoadedModel, texts: Sequence[str], pooling: str = "last") -> np.ndarray:
    """The plain way, one text at a time with the full causal-LM model: the benchmark baseline.

    Returns an array ``(n_layers + 1, n_texts, hidden_size)``; used to check that :func:`extract`
    gives the same numbers.
    """
    import torch

    tok, model = loaded
    rows = []
    with torch.inference_mode():
        for t in texts:
            enc = tok(t, return_tensors="pt")
            hs = model(**enc, output_hidden_states=True).hidden_states
            h = torch.stack(hs, 0)[:, 0]
            rows.append((h[:, -1] if pooling == "last" else h.mean(1)).float().numpy())
    return np.stack(rows, axis=1)


def sentence_embeddings(model: str | os.PathLike | LoadedModel, texts: Sequence[str],
                        progress: bool = False) -> np.ndarray:
    """One vector per text from a sentence encoder: the last layer, mean-pooled over real tokens.

    The LLM side's answer to "what does a sentence encoder (e.g. ``minilm-l6``) say about these
    texts", shape ``(n_texts, hidden_size)`` float32; cached like every :func:`extract`.
    """
    return extract(model, texts, pooling=["mean"], progress=progress).layer(-1, "mean")
