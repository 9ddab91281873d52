"""Load any language model: a registry name, a local folder or ``.gguf`` file, or a Hugging Face hub id."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .._checks import VaxisDataError, VaxisInputError
from .provision import provision
from .registry import (
    REGISTRY,
    LoadedModel,
    ModelUnavailableError,
    from_pretrained,
    is_provisioned,
    models_dir,
    resolve_device,
    spec_of,
)

def check_available(name_or_path: str | os.PathLike) -> None:
    """Fail at once, installing nothing, when a registry model is not provisioned or a path is missing.

    Cheap (reads no weights, imports no torch): call it before any long work. Hub ids are not checked
    here (:func:`load` says how to get one that is not cached).

    Raises
    ------
    ModelUnavailableError
        With the command that provisions the model: ``python -m vaxis.llm provision NAME``.
    """
    key = os.fspath(name_or_path)
    if key in REGISTRY:
        if not is_provisioned(key):
            raise ModelUnavailableError(
                f"Model {key!r} is not provisioned here (converted models live in {models_dir()}). "
                f"Provision it once with `python -m vaxis.llm provision {key}` (or `make models`); "
                "a library call never installs packages or converts models on its own."
            )
        return
    if key.startswith((".", "/", "~")) and not Path(key).expanduser().exists():
        raise ModelUnavailableError(
            f"{key} does not exist: pass a transformers model folder (with config.json), a .gguf "
            f"file, a Hugging Face hub id, or a registry model ({', '.join(REGISTRY)})."
        )


def load(
    name_or_path: str | os.PathLike,
    task: str = "hidden",
    device: str = "auto",
    dtype: Any = None,
    provision_missing: bool = False,
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
        Provision a registry model on first use if it has not been provisioned yet. Default
        ``False``: a registry model that is not provisioned raises :class:`ModelUnavailableError`
        naming ``python -m vaxis.llm provision NAME`` (loading never installs on its own).

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
                check_available(key)
            provision([key])
        return from_pretrained(str(models_dir() / key), None, spec.kind, task, device, dtype)
    path = Path(key).expanduser()
    if path.exists():
        if path.is_file():
            if path.suffix != ".gguf":
                raise VaxisInputError(
                    f"{path} is a file but not a .gguf model; pass a transformers model folder "
                    "(with config.json) or a .gguf file."
                )
            return from_pretrained(str(path.parent), path.name, "unknown", task, device, dtype)
        if not (path / "config.json").is_file():
            raise VaxisDataError(
                f"{path} is a folder without config.json, so not a transformers model folder. "
                "Point to the folder that holds config.json and the weights."
            )
        return from_pretrained(str(path), None, "unknown", task, device, dtype)
    if key.startswith((".", "/", "~")) or key.count("/") != 1:
        spec_of(key)  # raises the 'unknown model' message
    return _from_hub(key, task, device, dtype)


def _from_hub(hub_id: str, task: str, device: str, dtype: Any) -> LoadedModel:
    offline = os.environ.get("HF_HUB_OFFLINE", "0") not in ("0", "", "false", "False")
    try:
        return from_pretrained(hub_id, None, "unknown", task, device, dtype, local_only=offline)
    except (OSError, ValueError) as err:
        why = ("the hub is offline (HF_HUB_OFFLINE=1) and it is not in the local Hugging Face cache"
               if offline else f"it could not be downloaded ({type(err).__name__}: {str(err)[:200]})")
        raise ModelUnavailableError(
            f"Cannot load hub model {hub_id!r}: {why}. Download it on a machine with network "
            f"(e.g. `huggingface-cli download {hub_id} --local-dir PATH`) and pass the local folder "
            "PATH instead, or use a registry model: " + ", ".join(REGISTRY) + "."
        ) from None
