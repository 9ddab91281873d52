"""Shared helpers of the real-data loaders: subject file discovery and selection."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path

from .._checks import VaxisDataError, VaxisInputError


def find_subject_files(folder: Path, pattern: str, what: str) -> dict[int, Path]:
    """Map subject number -> file for names matching ``pattern`` (one group: the number).

    Raises :class:`VaxisDataError` when two files claim the same subject.
    """
    rx = re.compile(pattern)
    found: dict[int, list[Path]] = {}
    for p in sorted(folder.iterdir()):
        m = rx.fullmatch(p.name)
        if m and p.is_file():
            found.setdefault(int(m.group(1)), []).append(p)
    dup = {k: v for k, v in found.items() if len(v) > 1}
    if dup:
        lines = "; ".join(f"subject {k}: {', '.join(x.name for x in v)}" for k, v in sorted(dup.items()))
        raise VaxisDataError(
            f"Duplicated {what} files in {folder} ({lines}). Keep exactly one file per subject."
        )
    return {k: v[0] for k, v in found.items()}


def select_subjects(
    available: dict[int, Path],
    expected: Iterable[int],
    subjects: Sequence[int] | None,
    skip_subjects: Sequence[int],
    folder: Path,
    what: str,
) -> list[int]:
    """Subjects to load: all expected ones (or ``subjects``) minus ``skip_subjects``.

    Missing files raise; skipped subjects are announced with a warning, never dropped silently.
    """
    skip = sorted({int(s) for s in skip_subjects})
    wanted = sorted(set(expected)) if subjects is None else [int(s) for s in subjects]
    if len(set(wanted)) != len(wanted):
        raise VaxisInputError(f"subjects lists a subject twice: {wanted}.")
    unknown_skip = [s for s in skip if s not in wanted]
    if unknown_skip:
        raise VaxisInputError(f"skip_subjects {unknown_skip} are not among the subjects to load.")
    if skip:
        warnings.warn(
            f"Skipping {len(skip)} {what} subject(s) as asked: {skip}.", UserWarning, stacklevel=3
        )
    wanted = [s for s in wanted if s not in skip]
    missing = [s for s in wanted if s not in available]
    if missing:
        raise VaxisDataError(
            f"{len(missing)} {what} subject file(s) missing in {folder}: subjects {missing[:20]}"
            f"{' ...' if len(missing) > 20 else ''}. The download may be partial; complete it, or "
            "pass skip_subjects=[...] to leave them out on purpose."
        )
    extra = sorted(set(available) - set(expected))
    if subjects is None and extra:
        raise VaxisDataError(
            f"Unexpected {what} subject number(s) {extra} in {folder} (expected "
            f"{min(expected)}..{max(expected)}): is this the right release?"
        )
    if not wanted:
        raise VaxisInputError(f"No {what} subject left to load.")
    return wanted
