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

Layers (``layers=``): ``None`` keeps every layer (what chapter 1's layer profile needs); a list such
as ``[15]`` keeps only those rows (a fitted axis needs one), so the arrays, the memory of a batch and
the cache shrink by the same factor (SmolLM2-135M: 130 KB per text with every layer and both
poolings, 2.3 KB with one layer and one pooling), and the blocks above the highest layer asked for
are not run (:func:`_first_blocks`: a middle layer takes about half the time, with the same numbers
bit for bit, checked on the four default registry models). A request for some layers is served from
a cached all-layer chunk when one exists.

Cache: results are stored per chunk of texts in ``<cache>/hidden_states/``, where ``<cache>`` is
``$VAXIS_CACHE``, else ``<project>/.cache`` inside a checkout, else ``~/.cache/vaxis``
(:func:`vaxis.io.cache_dir`); chunks are keyed by the model's identity, the texts, the pooling, the
layers and ``max_length``. An interrupted extraction resumes at the last finished chunk, and a re-run
with the same inputs does no forward pass and does not load the model. A chunk holds
``n_layers_kept x n_texts x hidden_size x n_poolings`` float32 numbers (4 bytes each; floats barely
compress). The folder is **bounded**: after an extraction writes to it, the chunks used least
recently are deleted until it holds at most :func:`cache_limit_bytes` (``$VAXIS_CACHE_MAX_GB``,
default :data:`CACHE_MAX_GB` GB: the book's chapters 1-2 fill about 0.5 GB with the quick profile,
2.4 GB with the full one and 3.7 GB with full-large, so the default keeps them all). ``cache=False``
neither reads nor writes it.

Models are never installed or converted here: a registry model that is not provisioned fails at
once, naming ``python -m vaxis.llm provision NAME`` (:func:`vaxis.llm.loading.check_available`).

Threads: ``threads=None`` leaves PyTorch's thread count as it is (chapters pin it to 2); an integer
sets it for the extraction and restores it afterwards. :func:`default_threads` is what the library
API (:class:`vaxis.VAxis`) uses.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .. import io, numerics
from .._checks import VaxisInputError
from .loading import check_available, load
from .registry import MARKER, REGISTRY, LoadedModel, models_dir

POOLINGS = ("last", "mean")
#: Version of the hidden-state cache (part of every key). Bump it when what a cached chunk holds
#: changes for the same model, texts and pooling (the forward pass, pooling or truncation rules);
#: not for docstrings or refactoring that keeps the numbers.
CACHE_VERSION = 1
#: Default bound of the hidden-state cache folder, in GB (override: ``$VAXIS_CACHE_MAX_GB``).
CACHE_MAX_GB = 8.0
#: Environment variables: the cache bound (GB) and the library's default thread count.
CACHE_MAX_ENV = "VAXIS_CACHE_MAX_GB"
THREADS_ENV = "VAXIS_THREADS"


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
    layer_ids : list of int or None
        The model layers that the rows of each array hold (``None``: every layer, ``0..n_layers``).
    """

    states: dict[str, np.ndarray]
    texts: list[str]
    model: str
    n_truncated: int = 0
    meta: dict[str, Any] = field(default_factory=dict)
    layer_ids: list[int] | None = None

    @property
    def n_layers(self) -> int:
        """Number of transformer blocks of the model (it has ``n_layers + 1`` layers with the embeddings)."""
        if self.layer_ids is not None:
            return int(self.meta["n_layers"])
        return next(iter(self.states.values())).shape[0] - 1

    def layer(self, layer: int, pooling: str = "last") -> np.ndarray:
        """Array ``(n_texts, hidden_size)`` of one layer; negative indices count from the top."""
        arr = self[pooling]
        n = self.n_layers + 1
        if not -n <= layer < n:
            raise VaxisInputError(
                f"layer={layer} is out of range for {self.model!r}, which has layers 0..{n - 1} "
                f"(0 = embeddings, {n - 1} = last block)."
            )
        if self.layer_ids is None:
            return arr[layer]
        want = layer % n
        if want not in self.layer_ids:
            raise VaxisInputError(f"layer={layer} was not extracted; have layers {self.layer_ids}.")
        return arr[self.layer_ids.index(want)]

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
    layers: Sequence[int] | None = None,
    threads: int | None = None,
    loader: Callable[[], LoadedModel] | None = None,
) -> HiddenStates:
    """Hidden states of every layer (or of ``layers``) for ``texts``, pooled each way in ``pooling``.

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
    layers : sequence of int, optional
        Keep only these layers (0 = embeddings; negative counts from the top); default every layer.
    threads : int, optional
        PyTorch threads for the forward passes (restored afterwards); default: leave as is.
    loader : callable, optional
        Called instead of loading ``model`` when a forward pass is needed (e.g. to reuse a copy kept
        in memory); cache keys still come from the name ``model``.

    Returns
    -------
    HiddenStates
        ``states[pooling]`` has shape ``(n_layers + 1, n_texts, hidden_size)``, or
        ``(len(layers), n_texts, hidden_size)`` with ``layers``; float32.

    Raises
    ------
    ModelUnavailableError
        A registry model that is not provisioned (before any forward pass; nothing is installed).
    """
    texts = _check_texts(texts)
    pooling = tuple(pooling)
    for p in pooling:
        if p not in POOLINGS:
            raise VaxisInputError(f"pooling={p!r} is not valid; use any of {POOLINGS}.")
    wanted = _check_layers(layers)
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
        base = (CACHE_VERSION, ident, chunk, pooling, max_length, numerics.fingerprint())
        full = folder / f"{_slug(name)}-{io.stable_hash(*base)}.npz"  # the key of every layer, as before
        path = full if wanted is None else folder / f"{_slug(name)}-{io.stable_hash(*base, {'layers': wanted})}.npz"
        paths.append(path)
        results.append(_read_chunk(path, full, wanted) if cache else None)
    todo = [i for i, r in enumerate(results) if r is None]
    n_trunc = sum(int(r["n_truncated"]) for r in results if r is not None)
    if todo:
        if loaded is None:
            check_available(name)  # before any long work; never installs or converts
            loaded = loader() if loader is not None else load(name, task="hidden", device=device)
        from tqdm import tqdm

        bar = tqdm(total=sum(len(chunks[i]) for i in todo), desc=f"hidden states {name}",
                   unit="text", disable=not progress)
        with num_threads(threads):
            for i in todo:
                arrays, nt = _forward(loaded, chunks[i], pooling, batch_size, max_length, bar, wanted)
                arrays["n_truncated"] = np.array(nt)
                if cache:
                    io.save_npz(paths[i], compress=False, **arrays)  # float states: zlib saves <10%
                results[i] = arrays
                n_trunc += nt
        bar.close()
        if cache:
            prune_cache(folder, keep=paths)
    states = {p: np.concatenate([r[p] for r in results], axis=1) for p in pooling}
    meta: dict[str, Any] = {"max_length": max_length}
    if wanted is None:
        return HiddenStates(states, list(texts), name, n_trunc, meta)
    first = results[0]
    assert first is not None
    meta["n_layers"] = int(first["n_layers"])
    return HiddenStates(states, list(texts), name, n_trunc, meta, [int(x) for x in first["layer_ids"]])


def _check_layers(layers: Sequence[int] | None) -> list[int] | None:
    if layers is None:
        return None
    if isinstance(layers, (int, np.integer)):
        layers = [int(layers)]
    out = list(dict.fromkeys(int(x) for x in layers))
    if not out:
        raise VaxisInputError("layers is empty; pass layer indices such as [15], or None for every layer.")
    return out


def _read_chunk(path: Path, full: Path, wanted: list[int] | None) -> dict[str, np.ndarray] | None:
    """A cached chunk, marked as used (its access time set to now; its modification time, the
    time it was written, is kept, so a chunk read again is never mistaken for one computed again).
    The cache bound evicts the least recently used chunks first."""
    for candidate in ([path] if path == full else [path, full]):
        if candidate.is_file():
            with contextlib.suppress(OSError):
                os.utime(candidate, ns=(time.time_ns(), candidate.stat().st_mtime_ns))
            arrays = io.load_npz(candidate)
            if candidate == path:
                return arrays
            return _select_layers(arrays, wanted)  # an all-layer chunk serves any layers
    return None


def _select_layers(arrays: dict[str, np.ndarray], wanted: list[int] | None) -> dict[str, np.ndarray]:
    """Rows ``wanted`` of every pooled array of an all-layer chunk, with ``layer_ids`` and ``n_layers``."""
    if wanted is None:
        return arrays
    out = dict(arrays)
    n = next(v.shape[0] for k, v in arrays.items() if k in POOLINGS)
    ids = []
    for w in wanted:
        if not -n <= w < n:
            raise VaxisInputError(
                f"layer={w} is out of range for this model, which has layers 0..{n - 1} "
                f"(0 = embeddings, {n - 1} = last block)."
            )
        ids.append(w % n)
    for k in POOLINGS:
        if k in out:
            out[k] = np.ascontiguousarray(arrays[k][ids])
    out["layer_ids"] = np.array(ids)
    out["n_layers"] = np.array(n - 1)
    return out


def cache_limit_bytes() -> int:
    """Bound of the hidden-state cache folder in bytes: ``$VAXIS_CACHE_MAX_GB`` or :data:`CACHE_MAX_GB`."""
    raw = os.environ.get(CACHE_MAX_ENV)
    try:
        gb = float(raw) if raw else CACHE_MAX_GB
    except ValueError:
        raise VaxisInputError(f"${CACHE_MAX_ENV}={raw!r} is not a number of GB (e.g. 4 or 0.5).") from None
    return int(gb * 1e9)


def prune_cache(folder: str | os.PathLike, limit: int | None = None, keep: Sequence[Path] = ()) -> int:
    """Delete the least recently used ``*.npz`` chunks of ``folder`` until it holds at most ``limit`` bytes.

    ``limit`` defaults to :func:`cache_limit_bytes`; files in ``keep`` (the chunks of the extraction
    that just ran) are never deleted. Returns the number of bytes freed.
    """
    limit = cache_limit_bytes() if limit is None else int(limit)
    keep_set = {Path(p).resolve() for p in keep}
    files = []
    for entry in os.scandir(folder):
        if entry.name.endswith(".npz") and entry.is_file():
            st = entry.stat()
            files.append((max(st.st_atime, st.st_mtime), st.st_size, Path(entry.path)))  # last use
    total = sum(size for _, size, _ in files)
    freed = 0
    for _, size, path in sorted(files):
        if total - freed <= limit:
            break
        if path.resolve() in keep_set:
            continue
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            freed += size
    return freed


def default_threads() -> int:
    """Threads the library API uses: ``$VAXIS_THREADS``, else 2, or fewer when fewer cores are ours.

    Two is the count every chapter pins (results depend on it, so library positions equal the book's
    bit for bit), and it leaves the other cores of a shared machine to others. Pass ``threads=`` to
    the API, or set ``$VAXIS_THREADS``, to use more.
    """
    raw = os.environ.get(THREADS_ENV)
    if raw:
        try:
            n = int(raw)
        except ValueError:
            raise VaxisInputError(f"${THREADS_ENV}={raw!r} is not a whole number of threads.") from None
        if n < 1:
            raise VaxisInputError(f"${THREADS_ENV}={raw!r} must be at least 1.")
        return n
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        available = os.cpu_count() or 1
    return max(1, min(2, available))


@contextlib.contextmanager
def num_threads(n: int | None) -> Iterator[None]:
    """Run the block with ``n`` PyTorch threads and restore the previous count (``None``: unchanged)."""
    if n is None:
        yield
        return
    import torch

    if int(n) < 1:
        raise VaxisInputError(f"threads={n} must be at least 1.")
    before = torch.get_num_threads()
    torch.set_num_threads(int(n))
    try:
        yield
    finally:
        torch.set_num_threads(before)


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
    wanted: list[int] | None = None,
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
    blocks = _blocks(model) if wanted is not None else None
    layer_ids = _resolve(wanted, len(blocks[2]) + 1) if wanted is not None and blocks is not None else None
    n_keep = max(layer_ids) + 1 if layer_ids is not None else None  # blocks to run (see _first_blocks)
    with torch.inference_mode(), _first_blocks(blocks, n_keep):
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
            if wanted is None:
                h = torch.stack(hs, 0).float()  # (L+1, B, T, D)
            else:
                if layer_ids is None:
                    layer_ids = _resolve(wanted, len(hs))
                h = torch.stack([hs[i] for i in layer_ids], 0).float()  # (len(layers), B, T, D)
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
    if wanted is not None:
        assert layer_ids is not None
        out["layer_ids"] = np.array(layer_ids)
        out["n_layers"] = np.array(len(blocks[2]) if blocks is not None else len(hs) - 1)
    return out, n_trunc


def _blocks(model: Any) -> tuple[Any, str, Any] | None:
    """``(parent, attribute, ModuleList)`` of the model's transformer blocks, or None when not unique.

    The blocks are the one ``ModuleList`` whose length is the config's ``num_hidden_layers``
    (``model.layers`` of Llama, Qwen2 and Gemma 3, ``encoder.layer`` of BERT).
    """
    import torch

    cfg = model.config
    n = getattr(cfg, "num_hidden_layers", None) or getattr(getattr(cfg, "text_config", None), "num_hidden_layers", None)
    found = [name for name, mod in model.named_modules()
             if isinstance(mod, torch.nn.ModuleList) and len(mod) == n and name]
    if not isinstance(n, int) or len(found) != 1:
        return None
    parent, _, attr = found[0].rpartition(".")
    owner = model.get_submodule(parent) if parent else model
    return owner, attr, getattr(owner, attr)


@contextlib.contextmanager
def _first_blocks(blocks: tuple[Any, str, Any] | None, n_keep: int | None) -> Iterator[None]:
    """Run only the first ``n_keep`` transformer blocks of the model (restored afterwards).

    Hidden state ``k`` is the output of block ``k`` (0: the embeddings), the same with or without
    the blocks above it, except the very last one, to which a model may apply its final norm: so
    the highest layer asked for must be below the last kept block, and ``n_keep`` is one more than
    it. A layer profile over every layer, or the last layer, runs the whole model.
    """
    if blocks is None or n_keep is None or n_keep >= len(blocks[2]):
        yield
        return
    import torch

    parent, attr, full = blocks
    setattr(parent, attr, torch.nn.ModuleList(list(full)[:n_keep]))
    try:
        yield
    finally:
        setattr(parent, attr, full)


def _resolve(wanted: list[int], n: int) -> list[int]:
    bad = [w for w in wanted if not -n <= w < n]
    if bad:
        raise VaxisInputError(
            f"layers {bad} are out of range for this model, which has layers 0..{n - 1} "
            f"(0 = embeddings, {n - 1} = last block)."
        )
    return [w % n for w in wanted]


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
