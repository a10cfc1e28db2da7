"""`cookbook export --format onnx|litert`: each file checked by its own runtime, the same
answers as the run's Keras model through `cookbook predict --exported`, one line when a runtime
is missing or a file is damaged, nothing left behind by a failed export."""

import importlib.util
import json
import os
import re

import numpy as np
import pytest

import cookbook
from cookbook import export_portable
from cookbook.cli import main
from cookbook.errors import DataError, MissingDependencyError, RunDirError
from cookbook.export import PARITY_TOLERANCE, export
from cookbook.run_dir import RunDir
from conftest import SMALL, write_reviews_csv

RUNTIMES = {"onnx": "onnxruntime", "litert": "ai_edge_litert"}
FORMATS = [pytest.param(f, marks=pytest.mark.skipif(
    importlib.util.find_spec(m) is None, reason=f"{m} is not installed (the {f} extra)"))
    for f, m in RUNTIMES.items()]


def train(tmp_path_factory, recipe, **overrides):
    out = str(tmp_path_factory.mktemp(recipe) / "run")
    cookbook.train(recipe, out=out, verbose=0,
                   overrides={**SMALL.get(recipe, {}), "fit.epochs": 1, **overrides})
    return out


@pytest.fixture(scope="module")
def tabular_run(tmp_path_factory):
    return train(tmp_path_factory, "logistic_regression", **{"data.source": "sklearn"})


def keras_outputs(run):
    run = RunDir(run)
    tokenizer = run.tokenizer()
    examples = run.examples()
    x = tokenizer.transform(examples) if tokenizer else np.asarray(examples, "float32")
    return x, run.load_model().predict(x, verbose=0)


def check_parity(run, tmp_path, fmt):
    result = export(run, str(tmp_path / "exports"), format=fmt)
    file = os.path.join(result.path, export_portable.file_name(fmt))
    assert sorted(os.listdir(os.path.dirname(result.path))) == ["1"]  # nothing else left
    x, expected = keras_outputs(run)
    served = export_portable.Runtime(file)(x)  # read back here, not only inside the export
    key = next(k for k in ("prediction", "probability", "probabilities") if k in served)
    diff = np.abs(np.reshape(served[key], expected.shape) - expected).max()
    assert diff <= PARITY_TOLERANCE and result.max_abs_diff <= PARITY_TOLERANCE
    return result, served


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_tabular_export_answers_as_the_keras_model(tabular_run, tmp_path, fmt):
    result, served = check_parity(tabular_run, tmp_path, fmt)
    assert result.input_name == "features" and result.note == ""
    assert set(served) == {"probability", "class_id", "class_name"}
    assert set(served["class_name"]) <= {"malignant", "benign"}
    assert list(served["class_id"]) == [int(p >= 0.5) for p in served["probability"]]


@pytest.mark.slow
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("recipe", ["mnist_cnn", "imdb_lstm", "bow_mlp", "linear_regression"])
def test_every_kind_of_recipe_exports_within_tolerance(tmp_path_factory, tmp_path, recipe, fmt):
    overrides = {}
    if recipe.startswith(("imdb", "bow")):
        overrides["data.source"] = write_reviews_csv(tmp_path / "reviews.csv")
    elif recipe == "mnist_cnn":
        rng = np.random.default_rng(0)
        np.savez(tmp_path / "digits.npz", x=rng.integers(0, 256, (100, 28, 28), dtype=np.uint8),
                 y=np.repeat(np.arange(10), 10))
        overrides["data.source"] = str(tmp_path / "digits.npz")
    run = train(tmp_path_factory, recipe, **overrides)
    result, served = check_parity(run, tmp_path, fmt)
    if recipe == "linear_regression":
        assert set(served) == {"prediction"}
    if recipe in ("imdb_lstm", "bow_mlp"):  # token model: the tokenizer's rule travels with it
        assert "tokenizer's output, not strings" in result.note
        rule = json.loads(open(os.path.join(result.path, export_portable.TOKENIZER_FILE)).read())
        assert "vocabulary.txt" in rule["vocabulary"] and rule["output"]
        assert os.path.isfile(os.path.join(result.path, "vocabulary.txt"))
        # predict --exported answers texts from the file as the run's model does
        texts = ["a wonderful film", "a dull film, I hated it"]
        from_run = cookbook.predict(run, texts=texts)
        exported = os.path.join(result.path, export_portable.file_name(fmt))
        from_file = cookbook.predict(run, texts=texts, exported=exported)
        assert [r["class_id"] for r in from_file] == [r["class_id"] for r in from_run]
        np.testing.assert_allclose([r["probability"] for r in from_file],
                                   [r["probability"] for r in from_run], atol=1e-5)


@pytest.mark.parametrize("fmt", FORMATS)
def test_predict_answers_from_the_exported_file_as_from_the_run(tabular_run, tmp_path, fmt,
                                                                capsys):
    result = export(tabular_run, str(tmp_path / "exports"), format=fmt)
    exported = os.path.join(result.path, export_portable.file_name(fmt))
    features = RunDir(tabular_run).examples()
    from_run = cookbook.predict(tabular_run, features=features)
    from_file = cookbook.predict(tabular_run, features=features, exported=exported)
    assert [r["class_name"] for r in from_file] == [r["class_name"] for r in from_run]
    np.testing.assert_allclose([r["probability"] for r in from_file],
                               [r["probability"] for r in from_run], atol=1e-5)
    # A damaged file is one line naming it, not a runtime's traceback.
    with open(exported, "r+b") as f:
        f.seek(max(0, os.path.getsize(exported) // 2))
        f.write(b"\x00" * 64)
        f.truncate(os.path.getsize(exported) // 2 + 64)
    csv = tmp_path / "rows.csv"
    names = ",".join(f"f{i}" for i in range(30))
    csv.write_text(names + "\n" + ",".join(str(v) for v in features[0]) + "\n")
    code = main(["predict", tabular_run, "--file", str(csv), "--exported", exported])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and f"--exported {exported}" in err[0], err


def test_a_missing_runtime_names_the_extra_to_install(tabular_run, tmp_path, monkeypatch,
                                                      capsys):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name in ("onnxruntime", "ai_edge_litert")
                        else real(name, *a))
    for fmt, extra in (("onnx", "cookbook[onnx]"), ("litert", "cookbook[litert]")):
        with pytest.raises(MissingDependencyError, match=re.escape(f'pip install "{extra}"')):
            export(tabular_run, str(tmp_path / "exports"), format=fmt)
        code = main(["export", tabular_run, "--out", str(tmp_path / "exports"), "--format", fmt])
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 2 and len(err) == 1 and extra in err[0], err
    with pytest.raises(MissingDependencyError, match="answering from ONNX"):
        cookbook.predict(tabular_run, features=[[0.0] * 30], exported=str(tmp_path / "m.onnx"))
    assert not (tmp_path / "exports").exists()  # refused before anything was written


def test_not_an_exported_file_is_one_line(tabular_run, tmp_path):
    with pytest.raises(DataError, match="not an ONNX"):
        cookbook.predict(tabular_run, features=[[0.0] * 30], exported=str(tmp_path / "m.keras"))


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_failed_export_leaves_nothing(tabular_run, tmp_path, monkeypatch, fmt):
    def fail(fmt, tf, keras, model, tokenizer, task, class_names, folder):
        open(os.path.join(folder, export_portable.file_name(fmt)), "wb").close()  # half-written
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export_portable, "write", fail)
    with pytest.raises(RunDirError, match="No space left on device"):
        export(tabular_run, str(tmp_path / "exports"), format=fmt)
    assert os.listdir(tmp_path / "exports" / "logistic_regression") == []
