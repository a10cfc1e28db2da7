"""What a run's data held: recorded in metrics.json, checked when evaluate makes its test split
again."""

import json
import os

import numpy as np
import pytest

import cookbook
from cookbook.data.fingerprint import changed, fingerprint
from cookbook.errors import DataError
from cookbook.evaluate import evaluate


def test_a_file_changes_with_its_bytes_a_folder_with_its_names_and_sizes(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("x\n1\n")
    saved = fingerprint(str(path))
    assert changed(str(path), saved) is None
    path.write_text("x\n2\n")  # same size, other content
    assert "changed since" in changed(str(path), saved)
    folder = tmp_path / "photos" / "cats"
    folder.mkdir(parents=True)
    (folder / "1.png").write_bytes(b"1")
    saved = fingerprint(str(tmp_path / "photos"))
    (folder / "2.png").write_bytes(b"2")
    assert "now 2 files, then 1" in changed(str(tmp_path / "photos"), saved)
    assert changed("sample", fingerprint("sample")) is None


def _features_csv(path, rows):
    from sklearn.datasets import load_breast_cancer

    x, y = load_breast_cancer(return_X_y=True)
    names = [f"f{i}" for i in range(x.shape[1])]
    lines = [",".join(names + ["label"])]
    lines += [",".join(f"{v:.6g}" for v in row) + f",{label}" for row, label in
              zip(x[:rows], y[:rows])]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_evaluate_refuses_data_that_changed_since_training(tmp_path):
    data = _features_csv(tmp_path / "cancer.csv", 200)
    out = str(tmp_path / "run")
    result = cookbook.train("logistic_regression", out=out, verbose=0,
                            overrides={"data.source": data, "fit.epochs": 1})
    assert result.metrics["data"]["fingerprint"]["kind"] == "file"
    assert evaluate(out)["examples"] == result.metrics["data"]["test"]
    with open(data, "a") as f:  # a row appended: the split would be another one
        f.write(",".join(["1"] * 30) + ",0\n")
    with pytest.raises(DataError, match="trained and tested on .*cancer.csv, but .* changed "
                                        "since .* pass --data"):
        evaluate(out)
    assert evaluate(out, data=data)["examples"] == 201  # on purpose: the file as it is now

    # A run written before fingerprints were recorded: a warning, then the split as it is.
    metrics_path = os.path.join(out, "metrics.json")
    with open(metrics_path) as f:
        metrics = json.load(f)
    del metrics["data"]["fingerprint"]
    with open(metrics_path, "w") as f:
        json.dump(metrics, f)
    with pytest.warns(UserWarning, match="before cookbook recorded what its data held"):
        assert evaluate(out)["examples"] > 0
    assert np.isfinite(evaluate(out, data=data)["test"]["loss"])
