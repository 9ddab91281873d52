"""Estimate what a profile needs before running it, and refuse what the machine cannot give.

The estimate is deliberately simple and conservative: a chapter's peak resident memory is about
the Python + PyTorch + kernel baseline, plus the float32 weights of the largest model it loads
(hidden states are extracted in batches and are small next to the weights), plus its EEG arrays
(a few copies of the window-level DE features). ``benchmarks/`` records measured peaks to compare.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .._checks import VaxisError
from ..llm.registry import REGISTRY, is_provisioned, memory_refusal, models_dir

# Calibrated on measured peaks (the runner's records, results/<profile>/runs.json) of the full
# profile from fresh clones on 2026-11-25: 2.26 (2.35 in a second run), 3.77, 1.27, 1.80, 0.91,
# 2.63 GiB for chapters 1-6; each estimate below is at or above its measurement (tests/test_book_html.py checks this on
# every quick-profile run of the README's test command).
#: Baseline of a chapter kernel (Python, NumPy, PyTorch, transformers, matplotlib, MNE imported,
#: hidden states and result tables of a chapter), bytes.
BASELINE_BYTES = 1900 * 2**20
#: Peak / weights ratio of loading a float32 model and running a batch through it.
WEIGHT_FACTOR = 1.1
#: Copies of the window-level EEG feature array held at once (float64 z-scoring, float32 training
#: copy, views, the second cohort of chapter 6).
EEG_COPIES = 8
#: Further copies held by a chapter that also trains on a negative-control cohort (chapter 4's
#: ``negative_control``: the same simulation with no valence structure, its zoo trained as well):
#: the cohort's float32 DE, its float64 z-scoring (transient) and its float32 training copy, in
#: float64-sized units, rounded up.
NEGATIVE_CONTROL_COPIES = 4


class InsufficientMemoryError(VaxisError, MemoryError):
    """The machine has less available memory than a profile is estimated to need."""


def available_bytes() -> int:
    """Memory the system can give now (``MemAvailable``), or a large number when unknown."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 1 << 62


def model_bytes(name_or_path: str) -> int:
    """Bytes of a model's weights on disk (float32 after provisioning); 0 when unknown (hub id)."""
    folder = models_dir() / name_or_path if name_or_path in REGISTRY else Path(os.fspath(name_or_path)).expanduser()
    if not folder.exists():
        return 0
    files = [folder] if folder.is_file() else list(folder.glob("*.safetensors")) + list(folder.glob("*.bin")) + list(folder.glob("*.gguf"))
    return sum(f.stat().st_size for f in files)


def chapter_models(params: Mapping[str, Any]) -> list[str]:
    """The models a chapter run with ``params`` loads (``lead_model`` and ``models``), in order."""
    models: list[str] = []
    for key in ("lead_model",):
        if isinstance(params.get(key), str):
            models.append(params[key])
    if isinstance(params.get("models"), list):
        models += [m for m in params["models"] if isinstance(m, str)]
    return models


def model_peak_bytes(name_or_path: str) -> int:
    """Peak memory a model adds to a chapter, bytes: the larger of its float32 weights x
    :data:`WEIGHT_FACTOR` and, for a registry model not provisioned yet (whose weights are not on disk,
    so :func:`model_bytes` is 0), the registry's measured peak of converting it."""
    spec = REGISTRY.get(os.fspath(name_or_path))
    pending = spec.peak_bytes if spec is not None and not is_provisioned(spec.name) else 0
    return int(max(WEIGHT_FACTOR * model_bytes(name_or_path), pending))


#: Chapters that hold another chapter's simulated cohort (chapter 6 ensembles chapter 4's networks on
#: chapter 4's cohort, whose size it reads from chapter 4's result file, not from a parameter).
COHORT_OF: dict[str, str] = {"06_ensembling": "04_classifier_rediscovery"}


def estimate_chapter_bytes(params: Mapping[str, Any], cohort_params: Mapping[str, Any] | None = None) -> int:
    """Estimated peak memory of one chapter run with ``params`` (papermill parameters), bytes.

    ``cohort_params``: the parameters of the chapter whose cohort this one holds (:data:`COHORT_OF`),
    whose ``n_subjects`` counts when ``params`` has none (chapter 6: 2.00 GiB measured with chapter
    4's 36 quick subjects, 2.83 GiB with 123, against 1.86 GiB estimated without them).

    A chapter with a true ``negative_control`` on simulated data (chapter 4 without ``faced_dir``)
    builds a second cohort of ``n_subjects``, with no valence structure, and trains its whole zoo on
    it too (twice the training time): :data:`NEGATIVE_CONTROL_COPIES` more copies of the EEG array.
    """
    weights = max((model_peak_bytes(m) for m in chapter_models(params)), default=0)
    n_subjects = int(params.get("n_subjects", 0) or (cohort_params or {}).get("n_subjects", 0) or 0)
    control = params.get("negative_control") is True and params.get("faced_dir") is None
    copies = EEG_COPIES + (NEGATIVE_CONTROL_COPIES if control else 0)
    eeg = n_subjects * 28 * 30 * 32 * 5 * 8 * copies
    return int(BASELINE_BYTES + weights + eeg)


def refusals(params: Mapping[str, Any], total: int | None = None) -> list[str]:
    """Why this machine (``total`` bytes of physical memory; default: this one) cannot run the
    chapter's models at all, whatever is free now: one sentence per refused model (empty: none)."""
    return [why for m in chapter_models(params) if (why := memory_refusal(m, total))]


def check_fits(estimates: Iterable[tuple[str, int]], available: int | None = None,
               params: Mapping[str, Mapping[str, Any]] | None = None, total: int | None = None) -> None:
    """Raise :class:`InsufficientMemoryError` naming the chapter whose estimate exceeds what is free.

    ``params`` (chapter name -> its parameters) adds the per-model floor of :func:`refusals`: a
    model such as ``qwen2.5-coder-1.5b`` is refused on a machine with less than 16 GiB in all, saying
    why, even when enough happens to be free at the moment.
    """
    for name, chapter_params in (params or {}).items():
        why = refusals(chapter_params, total)
        if why:
            raise InsufficientMemoryError(f"Chapter {name}: " + " ".join(why))
    free = available_bytes() if available is None else available
    for name, need in estimates:
        if need > free:
            raise InsufficientMemoryError(
                f"Chapter {name} is estimated to need {need / 2**30:.1f} GiB of memory but only "
                f"{free / 2**30:.1f} GiB is available. Use a smaller profile (--profile quick), smaller "
                "models or fewer subjects (-p n_subjects=...), or free memory; --no-memory-check skips this."
            )


class PeakMemory:
    """Track the peak resident memory of this process's descendants while the block runs.

    The runner wraps each chapter in it: the chapter's kernel (and any worker it starts) is a child
    of the runner, so the peak of the summed RSS of all descendants, sampled every ``interval``
    seconds, is the chapter's peak memory in bytes (a short spike between two samples can be missed).

    >>> with PeakMemory() as mem:
    ...     pass
    >>> mem.peak_bytes >= 0
    True
    """

    def __init__(self, interval: float = 0.25) -> None:
        self.interval = float(interval)
        self.peak_bytes = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sample(self) -> int:
        """Summed RSS of the descendants now, in bytes (processes that vanish are skipped)."""
        import psutil

        total = 0
        try:
            children = psutil.Process().children(recursive=True)
        except psutil.Error:
            return 0
        for child in children:
            try:
                total += child.memory_info().rss
            except psutil.Error:
                continue
        return total

    def _watch(self) -> None:
        while not self._stop.is_set():
            self.peak_bytes = max(self.peak_bytes, self.sample())
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakMemory:
        self._thread = threading.Thread(target=self._watch, name="vaxis-peak-memory", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
