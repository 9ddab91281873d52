import json
import zipfile

import numpy as np
import pytest

from vaxis import io
from vaxis._checks import VaxisDataError


def test_atomic_write_leaves_nothing_on_error(tmp_path):
    target = tmp_path / "out.json"
    with pytest.raises(RuntimeError):
        with io.atomic_write(target, "w") as fh:
            fh.write("partial")
            raise RuntimeError("killed")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_replaces_old_file_only_on_success(tmp_path):
    target = tmp_path / "out.json"
    io.save_json(target, {"a": 1})
    with pytest.raises(ValueError):
        with io.atomic_write(target, "w") as fh:
            fh.write("{broken")
            raise ValueError
    assert json.loads(target.read_text()) == {"a": 1}


def test_json_and_npz_roundtrip_with_numpy(tmp_path):
    io.save_json(tmp_path / "x.json", {"v": np.float32(1.5), "a": np.arange(3), "p": tmp_path})
    assert io.load_json(tmp_path / "x.json")["a"] == [0, 1, 2]
    io.save_npz(tmp_path / "x.npz", a=np.eye(2))
    np.testing.assert_array_equal(io.load_npz(tmp_path / "x.npz")["a"], np.eye(2))


def test_npz_compresses_unless_told_not_to(tmp_path):
    a = np.zeros((64, 64), dtype=np.float32)  # compresses to almost nothing
    for compress, method in ((True, zipfile.ZIP_DEFLATED), (False, zipfile.ZIP_STORED)):
        path = io.save_npz(tmp_path / f"{compress}.npz", compress=compress, a=a, s=np.array(["x"], dtype=object))
        with zipfile.ZipFile(path) as zf:
            assert {i.compress_type for i in zf.infolist()} == {method}
        back = io.load_npz(path)
        np.testing.assert_array_equal(back["a"], a)
        assert back["s"].tolist() == ["x"]


def test_missing_result_names_the_producing_chapter(tmp_path):
    with pytest.raises(VaxisDataError, match="chapter 01_axis_construction.*--only 01"):
        io.load_json(tmp_path / "01_axis.json", producer="01_axis_construction")


def test_stable_hash_is_order_independent_for_dicts():
    assert io.stable_hash({"a": 1, "b": 2}) == io.stable_hash({"b": 2, "a": 1})
    assert io.stable_hash([1, 2]) != io.stable_hash([2, 1])


def test_results_dir_honours_env(tmp_path, monkeypatch):
    monkeypatch.setenv("VAXIS_RESULTS", str(tmp_path / "r"))
    assert io.results_dir("quick") == tmp_path / "r" / "quick"
    assert (tmp_path / "r" / "quick").is_dir()
