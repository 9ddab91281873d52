"""The runner stops at a failing chapter, names it, and leaves no half-written result."""

import pytest

from vaxis import book, results
from vaxis._checks import VaxisDataError

FAILING = '''# %% tags=["parameters"]
profile = "quick"
results_root = None

# %%
print("before")

# %%
raise RuntimeError("planted failure")
'''


def test_failing_chapter_is_named_and_nothing_final_is_written(tmp_path):
    src = tmp_path / "notebooks" / "99_failing.py"
    src.parent.mkdir()
    src.write_text(FAILING)
    chapter = book.Chapter("99", "99_failing", src)
    out = tmp_path / "out"
    with pytest.raises(book.ChapterFailed, match="Chapter 99_failing failed.*RuntimeError: planted failure"):
        book.run_chapter(chapter, "quick", out_dir=out)
    assert not (out / "99_failing.ipynb").exists()
    assert (out / ".failed" / "99_failing.ipynb").exists()
    assert not list(out.glob(".*.running.ipynb"))


PARAMS = '''# %% tags=["parameters"]
from typing import Optional

profile = "quick"
n_subjects = 40
faced_dir: Optional[str] = None
results_root = None

# %%
print(f"ran with {profile} {n_subjects} {faced_dir}")
'''


def _run_params(tmp_path, profile, overrides=None):
    import nbformat

    src = tmp_path / "notebooks" / "98_ok.py"
    src.parent.mkdir(exist_ok=True)
    src.write_text(PARAMS)
    (tmp_path / "profiles").mkdir(exist_ok=True)
    final = book.run_chapter(book.Chapter("98", "98_ok", src), profile, overrides=overrides,
                             out_dir=tmp_path / "out" / profile)
    nb = nbformat.read(final, as_version=4)
    params = [c for c in nb.cells if c.metadata.get("tags") == ["parameters"]]
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    printed = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    return params[0].source, injected, printed


def test_page_shows_the_parameters_it_ran_with(tmp_path, monkeypatch):
    """A profile's and -p's values replace the defaults in the parameters cell itself, with the defaults
    in a comment; papermill's own injected cell is hidden; a quick run leaves the cell as written."""
    from vaxis.book import contents

    monkeypatch.setattr(contents, "PROFILES_DIR", tmp_path / "profiles")
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "quick.yaml").write_text("parameters: {}\n")
    (tmp_path / "profiles" / "big.yaml").write_text('chapters:\n  "98": {n_subjects: 123}\n')
    data = tmp_path / "faced"
    data.mkdir()
    source, injected, printed = _run_params(tmp_path, "big", overrides={"faced_dir": str(data)})
    assert "ran with big 123 " + str(data) in printed  # the kernel did use these values
    assert 'n_subjects = 123  # profile "big"; default 40' in source
    assert f"faced_dir: Optional[str] = {str(data)!r}  # set with -p; default None" in source
    assert "profile = 'big'  # profile \"big\"; default 'quick'" in source
    assert "results_root = None\n" in source + "\n" and "from typing import Optional" in source
    ns: dict = {}
    exec(source, ns)  # still Python, and it gives the values used
    assert (ns["profile"], ns["n_subjects"], ns["faced_dir"]) == ("big", 123, str(data))
    assert injected and "remove-cell" in injected[0].metadata.tags

    source, injected, printed = _run_params(tmp_path, "quick")
    assert "ran with quick 40 None" in printed
    assert source == PARAMS.split("\n# %%\n")[0].split("\n", 1)[1].rstrip("\n")  # unchanged
    assert injected and "remove-cell" in injected[0].metadata.tags


def test_show_parameters_lays_out_long_values_and_keeps_defaults():
    src = 'profile = "quick"\nmodels = ["a", "b"]\nplanes = {\n    "A": [0.0, 0.5],\n}\nlr = 0.003  # step\nn = 1'
    long = [f"model-number-{i}" for i in range(9)]
    out = book.show_parameters(src, {"models": long, "lr": 0.003, "n": 1.0}, {"models": 'profile "full"'})
    lines = out.split("\n")
    assert lines[0] == 'profile = "quick"' and "lr = 0.003  # step" in lines  # equal values: untouched
    assert lines[1] == "# profile \"full\"; default ['a', 'b']" and lines[2].startswith("models = ['model-number-0',")
    assert "n = 1.0  # set by the runner; default 1" in lines  # same number, other type: shown
    ns: dict = {}
    exec(out, ns)
    assert ns["models"] == long and ns["planes"] == {"A": [0.0, 0.5]}
    assert book.show_parameters(src, {"profile": "quick", "models": ["a", "b"]}) == src


def test_refresh_refuses_an_unknown_chapter():
    from vaxis._checks import VaxisInputError

    with pytest.raises(VaxisInputError, match="No chapter \\['42'\\]; chapters are: 01"):
        book.refresh(["42"])
    assert book.main(["refresh", "--only", "42"]) == 1


def test_missing_earlier_results_say_which_chapter_to_run(tmp_path):
    with pytest.raises(VaxisDataError, match="written by chapter 01_axis_construction.*--only 01"):
        results.category_positions(tmp_path)


def test_cli_reports_errors_without_traceback(capsys):
    assert book.main(["run", "--profile", "nope"]) == 1
    assert "Unknown profile 'nope'" in capsys.readouterr().err


ALLOCATING = FAILING.split("# %%\nraise")[0] + '''
# %%
import time

import numpy as np

block = np.ones(300 * 2**20 // 8)  # 300 MiB, held for 4 of the sampler's 0.25-s intervals (a
time.sleep(1.0)                    # sampler can miss a block that lives shorter than one interval)
'''


def test_run_records_wall_time_and_peak_memory(tmp_path, monkeypatch):
    """The runner logs each chapter's wall time, measured peak memory and estimate in runs.json."""
    from vaxis import io

    src = tmp_path / "notebooks" / "97_alloc.py"
    src.parent.mkdir()
    src.write_text(ALLOCATING)
    monkeypatch.setenv("VAXIS_RESULTS", str(tmp_path / "results"))
    monkeypatch.setattr(book.runner, "chapters", lambda root=None: [book.Chapter("97", "97_alloc", src)])
    book.run("quick", out_dir=tmp_path / "out")
    runs = io.load_json(tmp_path / "results" / "quick" / book.RUNS_FILE)
    rec = runs["97_alloc"]
    assert rec["wall_s"] > 0 and rec["estimate_bytes"] > 0
    assert 300 * 2**20 < rec["peak_bytes"] < 4 * 2**30, rec  # the kernel's 300 MiB block was seen
    # the machine and the commit, which the reference runs (vaxis.book.records) must be one of each
    assert rec["cpus"] >= 1 and rec["cpu"] == book.records.cpu_model() and rec["commit"] == book.records.git_commit()


def test_peak_memory_follows_child_processes():
    import subprocess
    import sys

    from vaxis.book import resources

    code = "import time; b = bytearray(200 * 2**20); b[::4096] = b'x' * len(b[::4096]); time.sleep(1.5)"
    with resources.PeakMemory(interval=0.05) as mem:
        subprocess.run([sys.executable, "-c", code], check=True)
    assert mem.peak_bytes > 200 * 2**20


def test_refreshed_twins_carry_no_run_metadata_or_empty_tags(tmp_path):
    """What refresh writes equals what sync_pair would write: no papermill metadata, no empty tags."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["papermill"] = {"duration": 1.0}
    nb.cells = [nbformat.v4.new_code_cell("1", metadata={"tags": [], "papermill": {}, "execution": {}}),
                nbformat.v4.new_code_cell("2", metadata={"tags": ["parameters"]})]
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    book.runner._strip_run_metadata(path)
    out = nbformat.read(path, as_version=4)
    assert "papermill" not in out.metadata
    assert out.cells[0].metadata == {} and out.cells[1].metadata == {"tags": ["parameters"]}


def test_a_parameter_reaches_the_chapters_that_have_it(tmp_path):
    """`make book FACED=...` is `-p faced_dir=...` for the whole run: it reaches the chapters that declare
    faced_dir and no other; a name that no chapter of the run declares is refused."""
    from vaxis._checks import VaxisInputError
    from vaxis.book import runner

    (tmp_path / "notebooks").mkdir()
    eeg = tmp_path / "notebooks" / "98_ok.py"
    eeg.write_text(PARAMS)
    llm = tmp_path / "notebooks" / "97_llm.py"
    llm.write_text(FAILING.split("# %%\nraise")[0])
    todo = [book.Chapter("97", "97_llm", llm), book.Chapter("98", "98_ok", eeg)]
    for chapter in todo:
        book.sync_pair(chapter)
    shares = runner._overrides_by_chapter(todo, {"faced_dir": "/data/nm000112", "profile": "quick"})
    assert shares == {"97_llm": {"profile": "quick"}, "98_ok": {"faced_dir": "/data/nm000112", "profile": "quick"}}
    with pytest.raises(VaxisInputError, match=r"The chapters of this run \(97_llm, 98_ok\) have no parameter\(s\) \['seedv_dir'\]"):
        runner._overrides_by_chapter(todo, {"seedv_dir": "/x"})


def test_kernels_wait_sleeping_unless_the_caller_says_otherwise(monkeypatch):
    """Chapter kernels start with OpenMP threads that sleep while waiting (a caller's own setting wins),
    no plotting backend and the hub offline; the caller's environment is back afterwards."""
    import os

    from vaxis.book import runner

    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    with runner.kernel_environment("native"):
        assert os.environ["OMP_WAIT_POLICY"] == "PASSIVE" and "MPLBACKEND" not in os.environ
        assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert "OMP_WAIT_POLICY" not in os.environ and os.environ["MPLBACKEND"] == "Agg"
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")
    with runner.kernel_environment("portable"):
        assert os.environ["OMP_WAIT_POLICY"] == "ACTIVE"
