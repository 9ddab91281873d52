"""The whole real-format route: FACED's BIDS layout -> DE features -> chapters 3 and 4, on a replica.

A replica of six release subjects (sub-004, 005, 008, 037, 038, 040: 250 Hz; channels.tsv units n/a and µV,
so both unit encodings; all 28 clips at their real onsets, each recording ending 5 s after its last
clip: ~110 MB each, removed afterwards) is read by ``cohort("faced", folder)`` inside chapters 3
and 4, run by the book's runner (papermill) with the folder as their ``faced_dir`` parameter and
small parameters. The known answers: the planted valence pattern is recovered by chapter 3's map
(the replica carries its truth, as the simulation does), the clips and categories are those of the
events (networks trained on the events' labels, and the features themselves, carry the V order under
the exact test, which a wrong clip order would destroy), and the pages label the
data simulated (it is a replica). Marked ``book``: it runs after ``make test``'s nbval pass and
takes chapter 1's results (the category positions) from it, as tests/test_determinism.py does.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import numpy as np
import pytest

from vaxis import book, io, results
from vaxis.eeg import replica
from vaxis.eeg.montage import FACED_CLIP_CATEGORIES

pytestmark = pytest.mark.book

ROOT = Path(__file__).resolve().parents[1]
FIRST = ROOT / "results" / "quick"
SUBJECTS = (4, 5, 8, 37, 38, 40)
#: The planted valence made stronger and subjects more alike, for four subjects to show it (properties of the
#: data; the default cohort's heavy-tailed subject gains would also put 10-V peaks into some windows).
#: Six subjects: chapter 4's read-out needs three held-out subjects per fold.
KNOBS = {"valence_strength": 0.4, "subject_variability": 0.5}
PARAMS = {
    "03": {"n_subjects": 6, "n_splits": 3, "inner_splits": 3, "permutations": 2000, "n_random_directions": 20,
           "n_boot": 200, "clip_permutations": 1000},
    "04": {"n_subjects": 6, "architectures": ["logreg", "mlp"], "seeds": [0], "n_splits": 2, "val_fraction": 0.0,
           "max_epochs": 4, "n_control_seeds": 1, "readout_splits": 3, "clip_architectures": ["logreg"],
           "clip_seeds": [0]},
}


@pytest.fixture(scope="module")
def route(tmp_path_factory):
    """The replica, and chapters 3 and 4 run on it; yields (replica folder, results folder, chapters folder)."""
    if not (FIRST / results.AXIS_JSON).is_file():
        pytest.fail(f"{FIRST} has no chapter 1 results: `make test` writes them (its nbval pass).")
    base = tmp_path_factory.mktemp("faced-route")
    data = replica.build_replica(base / "nm000112", SUBJECTS, knobs=KNOBS, length="clips", progress=False)
    out = base / "results" / "quick"
    out.mkdir(parents=True)
    for path in FIRST.glob("01_*"):
        (shutil.copytree if path.is_dir() else shutil.copy2)(path, out / path.name)
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv(io.RESULTS_ENV, str(base / "results"))
            mp.setenv("VAXIS_CACHE", str(base / "cache"))
            for number, params in PARAMS.items():
                book.run("quick", only=[number], overrides={"faced_dir": str(data), **params},
                         out_dir=base / "chapters", numerics_mode="portable", memory_check=False)
        yield data, out, base / "chapters"
    finally:
        for bdf in data.glob("sub-*/eeg/*.bdf"):  # ~110 MB each: not kept in pytest's temporary folders
            bdf.unlink()


def _printed(notebook: Path) -> str:
    nb = nbformat.read(notebook, as_version=4)
    return "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "stream")


def test_chapter_3_recovers_the_planted_valence_through_the_bids_route(route):
    data, out, chapters = route
    mapping = io.load_json(out / results.MAPPING_JSON)
    assert mapping["source"] == "simulated-faced-replica" and mapping["n_subjects"] == 6
    planted = mapping["planted_recovery"]
    assert planted is not None and planted["r"] > 0.3 and planted["p"] < 0.05, planted
    assert mapping["v_axis_map"]["mean_r"] > 0 and mapping["human_valence_map"]["ci_low"] > 0, mapping
    text = _printed(chapters / "03_eeg_mapping.ipynb")
    assert f"[vaxis] FACED at {data}: the BIDS release" in text
    assert "simulated | rating source: FACED self-reports read from the BIDS events files" in text


def test_chapter_4_reads_the_v_order_from_the_events_categories(route):
    _, out, chapters = route
    red = results.load_rediscovery(out)
    assert red["source"] == "simulated-faced-replica"
    count = red["count"]  # networks trained on the events' categories carry the V order (exact test)
    assert count["n"] == 2 and count["n_rediscover"] == 2, count
    raw = {c["kind"]: c for c in red["control_counts"]}["raw features"]
    assert raw["mean_r"] > 0.3 and raw["significant"] == 1, raw  # the features themselves, clips in order
    assert "no-valence cohort" not in {c["kind"] for c in red["controls"]}  # a generator control: not for a folder


def test_features_follow_the_events_clip_order(route):
    """The loaded dataset's clips are the events' videos 1..28 with the events' categories."""
    from vaxis.eeg import cohort

    data, _, _ = route
    events = replica.clip_rows(replica.release_subject(37)["events"]).sort_values("video")
    labels = [("neutral" if e == "\\" else e.lower()) for e in events.emotion_label]
    assert labels == list(FACED_CLIP_CATEGORIES)
    ds = cohort("faced", data, n_subjects=6)
    assert ds.subjects == ["sub004", "sub005", "sub008", "sub037", "sub038", "sub040"]
    assert list(ds.clip_category) == labels
    assert np.isfinite(ds.de).all() and ds.meta["units"]["sub004"] != ds.meta["units"]["sub037"]
