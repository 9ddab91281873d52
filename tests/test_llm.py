import time

import pytest

from vaxis import llm
from vaxis._checks import VaxisDataError, VaxisInputError


def test_registry_names():
    assert set(llm.REGISTRY) == {"smollm2-135m", "gemma3-270m", "qwen2.5-coder-0.5b", "minilm-l6",
                                 "qwen2.5-coder-1.5b", "mpnet-base", "embeddinggemma-300m"}
    assert llm.REGISTRY["minilm-l6"].kind == "encoder"


def test_unknown_name_lists_the_registry():
    with pytest.raises(VaxisInputError, match="Unknown model 'gpt-17'.*smollm2-135m"):
        llm.load("gpt-17")
    with pytest.raises(VaxisInputError, match="Unknown model"):
        llm.provision(["gpt-17"])


def test_offline_hub_id_fails_fast_with_a_fix(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    t0 = time.perf_counter()
    with pytest.raises(llm.ModelUnavailableError, match="offline.*pass the local folder"):
        llm.load("no-such-org/no-such-model-xyz")
    assert time.perf_counter() - t0 < 10


def test_local_folder_checks(tmp_path, tiny_model_dir):
    with pytest.raises(VaxisDataError, match="without config.json"):
        llm.load(tmp_path)
    (tmp_path / "weights.bin").write_bytes(b"x")
    with pytest.raises(VaxisInputError, match="not a .gguf"):
        llm.load(tmp_path / "weights.bin")
    tok, model = llm.load(tiny_model_dir)
    assert model.config.hidden_size == 16 and not model.training


def test_tasks_and_devices(tiny_model_dir):
    with pytest.raises(VaxisInputError, match="task="):
        llm.load(tiny_model_dir, task="generate")
    assert llm.resolve_device("cpu") == "cpu"
    _, full = llm.load(tiny_model_dir, task="full")
    assert type(full).__name__.endswith("ForCausalLM")


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(llm.REGISTRY))
def test_registry_models_load_offline(name):
    if not llm.is_provisioned(name):
        pytest.skip(f"{name} not provisioned here; `make test` provisions it first")
    tok, model = llm.load(name)
    enc = tok(["We won!"], return_tensors="pt")
    out = model(**enc, output_hidden_states=True)
    assert len(out.hidden_states) == model.config.num_hidden_layers + 1
