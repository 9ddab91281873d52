"""vaxis as a library: the README example runs, a saved axis projects the same numbers in a fresh
process, a missing model fails with the provisioning command and installs nothing, import stays light.

The tests with a real model use the smallest offline one (``smollm2-135m``, provisioned by
``make test``) and a few texts; the rest use the tiny random model of ``conftest.py``.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import vaxis
from vaxis import llm, results
from vaxis._checks import VaxisDataError
from vaxis.llm import hidden, model_axis, validation

ROOT = Path(__file__).resolve().parents[1]
MODEL = "smollm2-135m"
TEXTS = ["I finally got the job I wanted!", "The bus was late and I missed my train.", "I feel calm."]

needs_model = pytest.mark.skipif(not llm.is_provisioned(MODEL),
                                 reason=f"{MODEL} is not provisioned here; `make test` provisions it first")


def _python(code: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter (this one's environment plus ``env``)."""
    full = {**os.environ, "HF_HUB_OFFLINE": "1", **env}
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=full, capture_output=True, text=True,
                          timeout=300)


def readme_example() -> str:
    """The python block of the README's "Use as a library" section."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Use as a library", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 1, "the README's library section must hold exactly one python block"
    return blocks[0]


# ---------------------------------------------------------------------------------- done-when tests
def test_readme_example_is_short_and_uses_the_public_api():
    code = readme_example()
    lines = [ln for ln in code.splitlines() if ln.strip()]
    assert len(lines) <= 10, code
    assert "vaxis.VAxis.fit(" in code and ".project(" in code and ".save(" in code and "VAxis.load(" in code


@needs_model
def test_readme_example_runs(tmp_path):
    run = _python(readme_example(), tmp_path, VAXIS_CACHE=str(tmp_path / "cache"))
    assert run.returncode == 0, run.stderr[-3000:]
    assert "I finally got the job I wanted!" in run.stdout
    saved = json.loads((tmp_path / "smollm2-axis.json").read_text())
    assert saved["model"] == MODEL and saved["layer"] == 15 and saved["pooling"] == "last"


@needs_model
def test_saved_axis_projects_the_same_numbers_in_a_fresh_process(tmp_path):
    ax = vaxis.VAxis.fit(MODEL, layer=9, pooling="mean", template="feel")
    here = ax.project(TEXTS)
    assert here.shape == (len(TEXTS),) and here.dtype == np.float64
    path = str(tmp_path / "axis.json")  # a str path
    ax.save(path)
    code = textwrap.dedent(f"""
        import json, vaxis
        ax = vaxis.VAxis.load({path!r})
        out = {{k: getattr(ax, k) for k in ("model", "layer", "pooling", "template", "origin", "construction",
                                           "vaxis_version")}}
        out["positions"] = [float(x) for x in ax.project({TEXTS!r})]
        print(json.dumps(out))
    """)
    # a fresh process and an empty cache: the hidden states are computed again from the model
    run = _python(code, tmp_path, VAXIS_CACHE=str(tmp_path / "fresh-cache"))
    assert run.returncode == 0, run.stderr[-3000:]
    there = json.loads(run.stdout.strip().splitlines()[-1])
    assert there.pop("positions") == [float(x) for x in here]  # bit for bit
    assert there == {"model": MODEL, "layer": 9, "pooling": "mean", "template": "I feel {w}.", "origin": "neutral",
                     "construction": "diff_means", "vaxis_version": vaxis.__version__}
    assert list((tmp_path / "fresh-cache" / "hidden_states").glob("*.npz"))  # it did extract, not read ours


def test_missing_model_fails_with_the_provisioning_command_and_installs_nothing(tmp_path, monkeypatch,
                                                                               tiny_model_dir):
    models = tmp_path / "models"
    models.mkdir()
    monkeypatch.setenv("VAXIS_MODELS", str(models))  # an environment where nothing is provisioned
    dists = sorted(d.metadata["Name"] for d in importlib.metadata.distributions())
    calls = []

    def forbidden(*args, **kwargs):
        calls.append(args)
        raise AssertionError(f"a library call started a process: {args}")

    for name in ("run", "Popen", "call", "check_call", "check_output"):
        monkeypatch.setattr(subprocess, name, forbidden)
    monkeypatch.setattr(sys.modules["vaxis.llm.provision"], "_convert", forbidden)
    command = f"python -m vaxis.llm provision {MODEL}"
    with pytest.raises(llm.ModelUnavailableError, match=re.escape(command)):
        vaxis.VAxis.fit(MODEL, layer=3)
    ax = vaxis.VAxis.fit(tiny_model_dir, layer=1)
    ax.model = MODEL  # an axis file of a model this machine lacks
    with pytest.raises(llm.ModelUnavailableError, match=re.escape(command)):
        ax.project(["I feel calm."])
    with pytest.raises(llm.ModelUnavailableError, match=re.escape(command)):
        hidden.extract(MODEL, ["I feel calm."], progress=False)
    with pytest.raises(llm.ModelUnavailableError, match=re.escape(command)):
        llm.load(MODEL)
    assert calls == []
    assert list(models.iterdir()) == []
    assert sorted(d.metadata["Name"] for d in importlib.metadata.distributions()) == dists


def test_missing_model_fails_before_any_long_work(tmp_path):
    code = textwrap.dedent(f"""
        import sys, time, vaxis
        VAxis = vaxis.VAxis
        t = time.perf_counter()
        try:
            VAxis.fit({MODEL!r}, layer=3)
        except vaxis.llm.ModelUnavailableError as err:
            print(type(err).__name__, round(time.perf_counter() - t, 3), "torch" in sys.modules, err)
    """)
    run = _python(code, tmp_path, VAXIS_MODELS=str(tmp_path / "empty"))
    assert run.returncode == 0, run.stderr[-3000:]
    name, seconds, torch_loaded, message = run.stdout.split(" ", 3)
    assert name == "ModelUnavailableError" and torch_loaded == "False"  # no model code was loaded
    assert float(seconds) < 1  # measured 0.3 ms
    assert f"python -m vaxis.llm provision {MODEL}" in message
    assert not (tmp_path / "empty").exists() or not any((tmp_path / "empty").iterdir())


@needs_model
def test_one_layer_of_a_real_model_equals_its_row_of_every_layer():
    """Blocks above the layer asked for are skipped; the layer's numbers stay the same, bit for bit."""
    every = hidden.extract(MODEL, TEXTS, pooling=["last"], cache=False, progress=False)
    some = hidden.extract(MODEL, TEXTS, pooling=["last"], layers=[9], cache=False, progress=False)  # 10 of 30 blocks
    assert some.layer_ids == [9] and some.n_layers == every.n_layers == 30
    np.testing.assert_array_equal(some.layer(9), every.layer(9))


# ---------------------------------------------------------------------------------- discoverable
def test_import_is_fast_and_loads_no_model_code(tmp_path):
    code = ("import sys, time; t = time.perf_counter(); import vaxis; dt = time.perf_counter() - t; "
            "print(dt, sorted(m for m in ('torch', 'transformers', 'numpy', 'pandas', 'scipy') if m in sys.modules))")
    run = _python(code, tmp_path)
    assert run.returncode == 0, run.stderr
    seconds, heavy = run.stdout.split(" ", 1)
    assert heavy.strip() == "[]"
    assert float(seconds) < 0.5  # measured 5-8 ms; numpy alone takes ~250 ms


def test_help_lists_the_public_modules_and_the_api():
    import pydoc

    page = pydoc.render_doc(vaxis, renderer=pydoc.plaintext)
    for name in vaxis.MODULES:
        assert f"vaxis.{name}" in page or f"{name} --" in page or f" {name}\n" in page, name
    assert "vaxis.VAxis" in page and "vaxis.load_axis" in page
    assert {"VAxis", "load_axis", *vaxis.MODULES} <= set(dir(vaxis))
    assert vaxis.VAxis is model_axis.VAxis and vaxis.load_axis is model_axis.load_axis
    with pytest.raises(AttributeError, match="no attribute 'Vaxis'"):
        vaxis.Vaxis  # noqa: B018


PUBLIC = [model_axis.VAxis.fit, model_axis.VAxis.project, model_axis.VAxis.save, model_axis.VAxis.load,
          model_axis.VAxis.from_results, model_axis.VAxis.to_dict, model_axis.VAxis.from_dict, model_axis.load_axis,
          model_axis.apply_template, model_axis.template_text, hidden.extract, hidden.HiddenStates.layer,
          hidden.default_threads, hidden.num_threads, hidden.prune_cache, hidden.cache_limit_bytes,
          hidden.sentence_embeddings, llm.load, llm.loading.check_available, results.axis_record]


@pytest.mark.parametrize("fn", PUBLIC, ids=lambda f: f.__qualname__)
def test_public_functions_have_docstrings_with_shapes(fn):
    doc = fn.__doc__ or ""
    assert len(doc.strip()) > 20, f"{fn.__qualname__} has no docstring"
    returns = str(getattr(fn, "__annotations__", {}).get("return", ""))
    if "ndarray" in returns or "VAxis" in returns or "HiddenStates" in returns:
        assert "shape" in doc or "(n_" in doc or "(hidden_size" in doc, f"{fn.__qualname__}: say the shape"


# ---------------------------------------------------------------------------------- the axis object
def test_fit_project_match_the_array_estimator(tiny_model_dir):
    ax = vaxis.VAxis.fit(str(tiny_model_dir), layer=-1, pooling="mean")
    assert ax.layer == 2 and ax.n_layers == 2 and ax.hidden_size == 16
    texts, cats = llm.stimuli.anchor_table()
    states = hidden.extract(tiny_model_dir, texts, pooling=["mean"], progress=False).layer(2, "mean")
    est = llm.axis.AxisEstimator().fit(states.astype(np.float64), cats)
    np.testing.assert_allclose(ax.direction, est.direction_, atol=1e-6)
    np.testing.assert_allclose(ax.project(texts), est.transform(states.astype(np.float64)), atol=1e-5)
    assert ax.category_positions["neutral"] == pytest.approx(0.0, abs=1e-9)
    # the template travels with the axis and can be overridden per call
    feel = vaxis.VAxis.fit(tiny_model_dir, layer=1, template="feel")
    np.testing.assert_allclose(feel.project(["calm"]), feel.project(["I feel calm."], template="{w}"))


def test_bad_arguments_say_what_to_do(tiny_model_dir, tmp_path):
    from vaxis._checks import VaxisInputError

    with pytest.raises(VaxisInputError, match="pooling='max'"):
        vaxis.VAxis.fit(tiny_model_dir, layer=1, pooling="max")
    with pytest.raises(VaxisInputError, match="out of range"):
        vaxis.VAxis.fit(tiny_model_dir, layer=7)
    with pytest.raises(VaxisInputError, match="whole number"):
        vaxis.VAxis.fit(tiny_model_dir, layer=1.5)
    with pytest.raises(VaxisInputError, match="template"):
        vaxis.VAxis.fit(tiny_model_dir, layer=1, template="no placeholder")
    ax = vaxis.VAxis.fit(tiny_model_dir, layer=1)
    with pytest.raises(VaxisInputError, match="single string"):
        ax.project("I feel calm.")
    with pytest.raises(VaxisDataError, match="No axis file"):
        vaxis.VAxis.load(tmp_path / "nothing.json")
    (tmp_path / "other.json").write_text('{"a": 1}')
    with pytest.raises(VaxisDataError, match="not a vaxis axis"):
        vaxis.VAxis.load(tmp_path / "other.json")
    with pytest.raises(llm.ModelUnavailableError, match="does not exist"):
        vaxis.VAxis.fit(str(tmp_path / "no-model"), layer=1)


def test_save_load_round_trip_keeps_everything(tiny_model_dir, tmp_path):
    ax = vaxis.VAxis.fit(tiny_model_dir, layer=1, construction="pca", origin="mean", template="feel")
    path = ax.save(str(tmp_path / "sub" / "ax.json"))
    back = vaxis.VAxis.load(str(path))
    assert back.to_dict() == ax.to_dict()
    np.testing.assert_array_equal(back.direction, ax.direction)
    np.testing.assert_array_equal(back.origin_vector, ax.origin_vector)
    saved = json.loads(path.read_text())
    assert {"model", "layer", "pooling", "template", "origin", "vaxis_version", "direction", "origin_vector",
            "anchors"} <= set(saved)
    assert saved["origin"] == "mean" and saved["template"] == "I feel {w}."
    assert saved["vaxis_version"] == vaxis.__version__


# ---------------------------------------------------------------------------------- the chapters' choice
def _fake_validation(model: str, layer: int, pooling: str, template: str, origin: str = "neutral"):
    """A ModelValidation whose axis is a real fitted one (the chapters' files are written from it)."""
    ax = vaxis.VAxis.fit(model, layer=layer, pooling=pooling, origin=origin)
    texts, cats = llm.stimuli.anchor_table()
    est = pd.Series({"value": 0.5, "low": 0.4, "high": 0.6, "n": 10})
    estimate = type("E", (), {"as_dict": lambda self: est.to_dict(), "value": 0.5, "low": 0.4, "high": 0.6,
                              "n": 10})()
    return ax, validation.ModelValidation(
        model=model, n_layers=ax.n_layers, hidden_size=ax.hidden_size, profile=pd.DataFrame(),
        choice={"template": template, "pooling": pooling, "construction": "diff_means", "layer": ax.layer,
                "dev_rho": 0.5},
        test={"vader_test": estimate, "afinn": estimate, "auc": 0.7, "accuracy": 0.6, "n_binary": 10},
        category_positions=ax.category_positions, test_positions=np.zeros(3), afinn_positions=np.zeros(3),
        test_vectors=np.zeros((3, ax.hidden_size)), anchor_vectors=np.zeros((len(texts), ax.hidden_size)),
        direction=ax.direction, origin=ax.origin_vector, meta={"origin": origin})


def test_load_axis_gives_the_chapters_choice(tiny_model_dir, tmp_path):
    lead_ax, lead = _fake_validation(str(tiny_model_dir), layer=2, pooling="last", template="feel")
    texts, cats = llm.stimuli.anchor_table()
    folder = str(tmp_path / "results" / "full")  # str paths everywhere
    results.write_axis(folder, profile="full", lead=lead, anchor_texts=texts, anchor_categories=cats,
                       test_items=["a", "b", "c"], n_items=20, n_afinn=10, templates=["bare", "feel"], seed=0)
    ax = vaxis.load_axis("full", results_root=str(tmp_path / "results"))
    assert (ax.model, ax.layer, ax.pooling, ax.template, ax.origin) == (str(tiny_model_dir), 2, "last", "I feel {w}.",
                                                                         "neutral")
    np.testing.assert_array_equal(ax.direction, lead_ax.direction)  # the chapter's own numbers
    np.testing.assert_allclose(ax.project(["calm"]), lead_ax.project(["I feel calm."]))
    assert "chapter 01" in ax.source

    # a second model, from chapter 2's files
    other_ax, other = _fake_validation(str(tiny_model_dir) + "/", layer=1, pooling="mean", template="bare",
                                       origin="mean")
    mat = pd.DataFrame(np.eye(2))
    results.write_consistency(folder, profile="full", models=[lead.model, other.model],
                              runs={lead.model: lead, other.model: other},
                              category=(0.5, 0.1, 100, mat), item=(0.5, 0.1, 630, mat))
    ax2 = vaxis.load_axis("full", other.model, results_root=tmp_path / "results")
    assert (ax2.layer, ax2.pooling, ax2.template, ax2.origin) == (1, "mean", "{w}", "mean")
    np.testing.assert_array_equal(ax2.direction, other_ax.direction)
    assert ax2.category_positions == pytest.approx(other_ax.category_positions, abs=1e-3)

    with pytest.raises(VaxisDataError, match=r"smollm2-135m.*--only 02"):
        vaxis.load_axis("full", MODEL, results_root=tmp_path / "results")
    # files written before chapter 2 recorded the axes: refitted from the recorded configuration
    (Path(folder) / results.CONSISTENCY_NPZ).unlink()
    refit = vaxis.load_axis("full", other.model, results_root=tmp_path / "results")
    np.testing.assert_allclose(refit.direction, other_ax.direction, atol=1e-6)
    assert "refitted" in refit.source


def test_load_axis_without_results_says_which_chapter_to_run(tmp_path):
    with pytest.raises(VaxisDataError, match="--only 01"):
        vaxis.load_axis("quick", MODEL, results_root=tmp_path / "none")


def test_results_accept_str_paths(tmp_path):
    folder = str(tmp_path / "r")
    cats = list(llm.stimuli.CATEGORIES)
    results.save_axis(folder, {"lead": {"category_positions": dict(zip(cats, range(9)))}},
                      {"anchor_vectors": np.eye(9), "anchor_categories": np.array(cats)})
    assert results.category_positions(folder)["neutral"] == 4.0
    assert results.category_vectors(folder)["joy"].shape == (9,)
    assert results.sweep_store(folder) == Path(folder) / results.SWEEP_STORE
    with pytest.raises(VaxisDataError, match="--only 04"):
        results.load_rediscovery(folder)
    with pytest.raises(VaxisDataError, match="lead.choice"):
        results.axis_record(folder)
