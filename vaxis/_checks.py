"""Input validation that fails early with a message a user can act on (MNE style)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np


class VaxisError(Exception):
    """Base class of every error vaxis raises on purpose (bad input, missing data, offline)."""


class VaxisInputError(VaxisError, ValueError):
    """A value given by the user is wrong (shape, type, range, NaN, unknown name)."""


class VaxisDataError(VaxisError, FileNotFoundError):
    """A file or folder the user pointed to is missing, partial or of the wrong format."""


def check_option(name: str, value: Any, allowed: Iterable[Any]) -> Any:
    """Return ``value`` if it is one of ``allowed``, else raise naming the allowed values."""
    allowed = list(allowed)
    if value not in allowed:
        raise VaxisInputError(
            f"{name}={value!r} is not valid; use one of: {', '.join(map(repr, allowed))}."
        )
    return value


def check_type(name: str, value: Any, types: type | tuple[type, ...]) -> Any:
    """Return ``value`` if it is an instance of ``types``, else raise naming the expected type."""
    if not isinstance(value, types):
        names = types.__name__ if isinstance(types, type) else " or ".join(t.__name__ for t in types)
        raise VaxisInputError(f"{name} must be {names}, got {type(value).__name__} ({value!r:.80}).")
    return value


def check_array(
    name: str,
    x: Any,
    ndim: int | None = None,
    shape: tuple[int | None, ...] | None = None,
    finite: bool = True,
    dtype: Any = float,
) -> np.ndarray:
    """Convert ``x`` to an array and check its dimensions, shape and finiteness.

    ``shape`` may hold ``None`` for free axes, e.g. ``(None, 32, 5)``.
    """
    arr = np.asarray(x, dtype=dtype)
    if ndim is not None and arr.ndim != ndim:
        raise VaxisInputError(f"{name} must be {ndim}-D, got shape {arr.shape}.")
    if shape is not None:
        if arr.ndim != len(shape) or any(s is not None and s != a for s, a in zip(shape, arr.shape)):
            want = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"
            raise VaxisInputError(f"{name} must have shape {want}, got {arr.shape}.")
    if finite and arr.dtype.kind in "fc" and not np.isfinite(arr).all():
        bad = int((~np.isfinite(arr)).sum())
        raise VaxisInputError(
            f"{name} contains {bad} NaN/Inf value(s) of {arr.size}; clean or impute them first."
        )
    return arr


def check_dir(name: str, path: str | Path, hint: str = "") -> Path:
    """Return ``path`` as a Path if it is an existing folder, else raise with ``hint``."""
    p = Path(path).expanduser()
    if not p.is_dir():
        what = "is a file, not a folder" if p.exists() else "does not exist"
        raise VaxisDataError(f"{name}: {p} {what}.{(' ' + hint) if hint else ''}")
    return p
