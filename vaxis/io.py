"""Where results live, how they are written (atomically) and cached (keyed by content).

Every file a chapter writes for a later chapter goes through :func:`atomic_write`, so an
interrupted run never leaves a partial file under the final name: the data go to a temporary
file in the same folder, are flushed to disk, then renamed (an atomic operation on POSIX).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from ._checks import VaxisDataError

#: Environment variable that overrides the results root folder.
RESULTS_ENV = "VAXIS_RESULTS"
#: Environment variable that overrides the cache folder.
CACHE_ENV = "VAXIS_CACHE"


def project_root(start: str | Path | None = None) -> Path | None:
    """The nearest folder at or above ``start`` (default: cwd) holding ``_toc.yml``, or None."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "_toc.yml").is_file() and (folder / "vaxis").is_dir():
            return folder
    return None


def results_dir(profile: str = "quick", results_root: str | Path | None = None) -> Path:
    """Folder where chapters of ``profile`` read and write their result files.

    Order of precedence: ``results_root`` argument, ``$VAXIS_RESULTS``, ``<project>/results``,
    ``~/.cache/vaxis/results``. The folder is created if needed.
    """
    root = results_root or os.environ.get(RESULTS_ENV)
    if root is None:
        proj = project_root()
        root = (proj / "results") if proj else Path.home() / ".cache" / "vaxis" / "results"
    out = Path(root).expanduser() / profile
    out.mkdir(parents=True, exist_ok=True)
    return out


def cache_root() -> Path:
    """The folder holding every cache: ``$VAXIS_CACHE``, ``<project>/.cache`` or ``~/.cache/vaxis``."""
    root = os.environ.get(CACHE_ENV)
    if root is None:
        proj = project_root()
        root = (proj / ".cache") if proj else Path.home() / ".cache" / "vaxis"
    return Path(root).expanduser()


def cache_dir(kind: str) -> Path:
    """Folder for content-keyed caches of ``kind`` (e.g. ``"hidden_states"``), in :func:`cache_root`."""
    out = cache_root() / kind
    out.mkdir(parents=True, exist_ok=True)
    return out


def stable_hash(*parts: Any, length: int = 16) -> str:
    """Hex digest of a JSON-serialisable description (sorted keys): a cache key."""
    blob = json.dumps(parts, sort_keys=True, default=json_default).encode()
    return hashlib.sha256(blob).hexdigest()[:length]


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "wb") -> Iterator[Any]:
    """Open a temporary file next to ``path``; on success rename it to ``path``.

    On any exception the temporary file is removed and ``path`` is left untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, mode) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def save_json(path: str | Path, obj: Any) -> Path:
    """Write ``obj`` as indented JSON, atomically. NumPy scalars/arrays are converted."""
    with atomic_write(path, "w") as fh:
        json.dump(obj, fh, indent=2, sort_keys=True, default=json_default)
    return Path(path)


def load_json(path: str | Path, producer: str | None = None) -> Any:
    """Read JSON written by :func:`save_json`; a missing file names the chapter that makes it."""
    path = Path(path)
    if not path.is_file():
        raise VaxisDataError(_missing_message(path, producer))
    with open(path) as fh:
        return json.load(fh)


def save_npz(path: str | Path, *, compress: bool = True, **arrays: np.ndarray) -> Path:
    """Write arrays to an ``.npz`` atomically (object arrays of strings become unicode).

    ``compress=False`` stores the arrays as they are: for float arrays of hidden states zlib saves
    under 10% of the disk and costs about as long as the forward pass that made them (it was 40% of
    a hidden-state extraction, 2026-12-03), so caches of such arrays are written uncompressed.
    :func:`load_npz` reads both.
    """
    clean = {}
    for key, arr in arrays.items():
        arr = np.asarray(arr)
        if arr.dtype == object:
            if not all(isinstance(x, str) for x in arr.ravel()):
                raise TypeError(f"save_npz: array {key!r} holds Python objects; only numbers and strings are stored.")
            arr = arr.astype(str)
        clean[key] = arr
    with atomic_write(path, "wb") as fh:
        (np.savez_compressed if compress else np.savez)(fh, **clean)
    return Path(path)


def load_npz(path: str | Path, producer: str | None = None) -> dict[str, np.ndarray]:
    """Read an ``.npz`` written by :func:`save_npz` into a dict of arrays."""
    path = Path(path)
    if not path.is_file():
        raise VaxisDataError(_missing_message(path, producer))
    with np.load(path, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def _missing_message(path: Path, producer: str | None) -> str:
    msg = f"Result file {path} does not exist."
    if producer:
        msg += (
            f" It is written by chapter {producer}; run it first with the same profile, e.g. "
            f"`python -m vaxis.book run --profile PROFILE --only {producer[:2]}`."
        )
    return msg


def json_default(o: Any) -> Any:
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serialisable")
