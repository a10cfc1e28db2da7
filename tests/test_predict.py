"""`cookbook predict` and `cookbook.predict`: one record per input, errors per input, the
served outputs computed with the run's own preprocessing."""

import json
import os
import shutil

import numpy as np
import pytest
from PIL import Image

import cookbook
from cookbook.cli import main
from cookbook.errors import DataError
from cookbook.predict import iter_predict
from cookbook.run_dir import RunDir
from cookbook.text import NO_WORDS
from conftest import SMALL, write_reviews_csv


def train(tmp_path_factory, recipe, source):
    out = str(tmp_path_factory.mktemp(recipe) / "run")
    cookbook.train(recipe, out=out, overrides={**SMALL.get(recipe, {}), "fit.epochs": 1,
                                               "fit.verbose": 0, "data.source": source})
    return out


@pytest.fixture(scope="module")
def mnist_run(tmp_path_factory):
    rng = np.random.default_rng(0)
    path = tmp_path_factory.mktemp("data") / "digits.npz"
    np.savez(path, x=rng.integers(0, 256, (100, 28, 28), dtype=np.uint8),
             y=np.repeat(np.arange(10), 10))
    return train(tmp_path_factory, "mnist_dense", str(path))


@pytest.fixture(scope="module")
def imdb_run(tmp_path_factory):
    reviews = write_reviews_csv(tmp_path_factory.mktemp("data") / "reviews.csv.gz", gz=True)
    return train(tmp_path_factory, "imdb_lstm", reviews)


@pytest.fixture(scope="module")
def cancer_run(tmp_path_factory):
    return train(tmp_path_factory, "logistic_regression", "auto")


@pytest.fixture(scope="module")
def diabetes_run(tmp_path_factory):
    return train(tmp_path_factory, "linear_regression", "auto")


def cli(capsys, *args):
    code = main(["predict", *map(str, args)])
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines()], err


def write_png(path, size=(50, 40), seed=0):
    """A colour (RGB) image larger than 28x28, `size` = (width, height)."""
    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)).save(path)
    return str(path)


def model_outputs(run, x):
    return RunDir(run).load_model().predict(x, verbose=0)


def test_mnist_predicts_a_colour_png_and_reports_a_bad_file(mnist_run, tmp_path, capsys):
    good = write_png(tmp_path / "digit.png")
    bad = tmp_path / "notes.png"
    bad.write_text("not an image")
    code, records, err = cli(capsys, mnist_run, good, bad)
    assert code == 2
    assert "1 of 2 inputs could not be predicted" in err and len(err.splitlines()) == 1
    assert [r["input"] for r in records] == [good, str(bad)]
    record, failed = records
    assert set(record) == {"input", "class_name", "class_id", "probabilities"}
    assert len(record["probabilities"]) == 10
    assert sum(record["probabilities"]) == pytest.approx(1, abs=1e-4)
    assert record["class_id"] == int(np.argmax(record["probabilities"]))
    names = RunDir(mnist_run).metrics()["data"]["class_names"]
    assert record["class_name"] == names[record["class_id"]]
    assert set(failed) == {"input", "error"} and "not an image file" in failed["error"]

    # The same numbers as the model on the run's own preprocessing: grey 28x28, no channel axis.
    x = RunDir(mnist_run).preprocessor().files([good])[np.array([0])]
    assert x.shape == (1, 28, 28) and x.dtype == np.uint8
    expected = model_outputs(mnist_run, x)[0]
    np.testing.assert_allclose(record["probabilities"], expected, atol=1e-6)
    grey = np.asarray(Image.open(good).convert("L").resize((28, 28), Image.Resampling.BILINEAR))
    np.testing.assert_array_equal(x[0], grey)


def test_mnist_keeps_the_order_over_batches_and_missing_files(mnist_run, tmp_path):
    paths = [write_png(tmp_path / f"{i}.png", size=(30 + i, 28 + 2 * i), seed=i)
             for i in range(5)]
    paths.insert(2, str(tmp_path / "missing.png"))
    paths.append(str(tmp_path))  # a folder
    whole = cookbook.predict(mnist_run, paths=paths)
    small = cookbook.predict(mnist_run, paths=paths, batch_size=2)
    assert [r["input"] for r in whole] == paths
    # Another batch size may sum in another order: the probabilities agree to float32 rounding.
    assert [{k: v for k, v in r.items() if k != "probabilities"} for r in small] == [
        {k: v for k, v in r.items() if k != "probabilities"} for r in whole]
    for a, b in zip(whole, small):
        np.testing.assert_allclose(a.get("probabilities", []), b.get("probabilities", []),
                                   atol=1e-5)
    assert "cannot open the file" in whole[2]["error"]
    assert "error" in whole[-1]
    assert sum("error" in r for r in whole) == 2
    good = [r for r in whole if "error" not in r]
    x = RunDir(mnist_run).preprocessor().files([r["input"] for r in good])[np.arange(5)]
    np.testing.assert_allclose([r["probabilities"] for r in good], model_outputs(mnist_run, x),
                               atol=1e-6)
    # Records are plain JSON values.
    assert all(type(p) is float for p in good[0]["probabilities"])
    assert type(good[0]["class_id"]) is int
    json.dumps(whole)


def test_text_run_takes_texts_and_files(imdb_run, tmp_path, capsys):
    long = "a wonderful film, I loved every minute of it and would see it again tomorrow"
    lines = ["great acting and a moving story", "awful, slow and cold", "the worst movie"]
    txt = tmp_path / "new.txt"
    txt.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    code, records, err = cli(capsys, imdb_run, "--text", long, "--text", "dull",
                             "--file", txt)
    assert code == 0, err
    assert [r["input"] for r in records] == [long[:60], "dull"] + [
        f"{txt}:{i}" for i in (1, 2, 3)]
    for r in records:
        assert set(r) == {"input", "class_name", "class_id", "probability"}
        assert r["class_id"] == int(r["probability"] >= 0.5)
        assert r["class_name"] == ["negative", "positive"][r["class_id"]]
    tokenizer = RunDir(imdb_run).tokenizer()
    expected = model_outputs(imdb_run, tokenizer.transform([long, "dull"] + lines))[:, 0]
    np.testing.assert_allclose([r["probability"] for r in records], expected, atol=1e-6)

    csv_path = tmp_path / "new.csv"
    csv_path.write_text('id,review\n1,"great acting,\nbrilliant"\n\n2,\n3,"dull"\n4\n',
                        encoding="utf-8")
    code, records, err = cli(capsys, imdb_run, "--file", csv_path)
    assert code == 2 and "2 of 4 inputs" in err
    assert [r["input"] for r in records] == [f"{csv_path}:{i}" for i in (2, 5, 6, 7)]
    assert records[1]["error"] == NO_WORDS
    assert records[3]["error"] == "1 fields, expected 2 like the header"
    expected = model_outputs(imdb_run, tokenizer.transform(["great acting,\nbrilliant",
                                                            "dull"]))[:, 0]
    np.testing.assert_allclose([records[0]["probability"], records[2]["probability"]],
                               expected, atol=1e-6)


def test_empty_text_lines_are_errors_of_their_own(imdb_run, tmp_path):
    txt = tmp_path / "gaps.txt"
    txt.write_text("a fine film\n\n   \nboring\n", encoding="utf-8")
    records = cookbook.predict(imdb_run, file=txt, texts=[""])
    assert [r.get("error") for r in records] == [NO_WORDS, None, NO_WORDS, NO_WORDS, None]
    assert records[0]["input"] == "" and records[-1]["input"] == f"{txt}:4"


def test_bag_of_words_run(tmp_path):
    reviews = write_reviews_csv(tmp_path / "reviews.csv", n=40)
    run = str(tmp_path / "run")
    cookbook.train("bow_mlp", out=run, overrides={**SMALL["bow_mlp"], "fit.epochs": 1,
                                                  "fit.verbose": 0, "data.source": reviews})
    texts = ["brilliant, funny and warm", "the worst movie this year", "zzz"]
    records = cookbook.predict(run, texts=texts, file=reviews)
    assert len(records) == 43 and not any("error" in r for r in records)
    assert records[3]["input"] == f"{reviews}:2"
    x = RunDir(run).tokenizer().transform(texts)
    np.testing.assert_allclose([r["probability"] for r in records[:3]],
                               model_outputs(run, x)[:, 0], atol=1e-6)


def test_tabular_run_reads_a_csv_of_feature_columns(cancer_run, tmp_path, capsys):
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    x = data.data[:4].astype("float32")
    names = [n.replace(" ", "_") for n in data.feature_names]
    # The label column is optional and may sit anywhere; it is left out.
    header = names[:3] + ["label"] + names[3:]
    rows = [[f"{v:.8g}" for v in row[:3]] + ["1"] + [f"{v:.8g}" for v in row[3:]]
            for row in x]
    rows[2][5] = "abc"
    path = tmp_path / "patients.csv"
    path.write_text("\n".join(",".join(r) for r in [header] + rows) + "\n")
    code, records, err = cli(capsys, cancer_run, "--file", path)
    assert code == 2 and "1 of 4 inputs" in err
    assert [r["input"] for r in records] == [f"{path}:{i}" for i in (2, 3, 4, 5)]
    assert records[2] == {"input": f"{path}:4", "error": f"column {names[4]!r}: not a number: "
                                                        "'abc'"}
    good = [records[i] for i in (0, 1, 3)]
    for r in good:
        assert set(r) == {"input", "class_name", "class_id", "probability"}
        assert r["class_name"] == ["malignant", "benign"][r["class_id"]]
    x32 = np.array([[float(f"{v:.8g}") for v in row] for row in x[[0, 1, 3]]], "float32")
    np.testing.assert_allclose([r["probability"] for r in good],
                               model_outputs(cancer_run, x32)[:, 0], atol=1e-6)

    # Without the label column, and as rows in Python: the same numbers.
    no_label = tmp_path / "no_label.csv"
    no_label.write_text("\n".join(",".join(names if i == 0 else map(str, x[i - 1]))
                                  for i in range(len(x) + 1)) + "\n")
    from_file = cookbook.predict(cancer_run, file=no_label)
    from_rows = cookbook.predict(cancer_run, features=x)
    assert [r["input"] for r in from_rows] == [f"features[{i}]" for i in range(4)]
    assert [r["probability"] for r in from_file] == [r["probability"] for r in from_rows]
    bad_rows = cookbook.predict(cancer_run, features=[x[0], x[0][:5], [np.nan] * 30])
    assert "error" not in bad_rows[0]
    assert bad_rows[1]["error"] == "5 values, but the run's model takes 30 features"
    assert "not a finite float32 number" in bad_rows[2]["error"]


def test_tabular_header_must_fit_the_model(cancer_run, tmp_path, capsys):
    path = tmp_path / "few.csv"
    path.write_text("a,b,label\n1,2,0\n")
    code, records, err = cli(capsys, cancer_run, "--file", path)
    assert code == 2 and records == [] and len(err.splitlines()) == 1
    assert "2 feature columns besides 'label', but the run's model takes 30 features" in err
    path.write_text("1,2,3\n4,5,6\n")
    code, _, err = cli(capsys, cancer_run, "--file", path)
    assert code == 2 and "missing header row" in err


def test_regression_gives_prediction(diabetes_run, tmp_path, capsys):
    from sklearn.datasets import load_diabetes

    x = load_diabetes().data[:3].astype("float32")
    path = tmp_path / "patients.csv"
    path.write_text("\n".join([",".join(f"f{i}" for i in range(10))] +
                              [",".join(map(repr, map(float, row))) for row in x]) + "\n")
    code, records, err = cli(capsys, diabetes_run, "--file", path)
    assert code == 0, err
    assert all(set(r) == {"input", "prediction"} and type(r["prediction"]) is float
               for r in records)
    np.testing.assert_allclose([r["prediction"] for r in records],
                               model_outputs(diabetes_run, x)[:, 0], rtol=1e-5)


def test_a_run_of_an_older_version_predicts(imdb_run, tmp_path):
    old = tmp_path / "old"
    old.mkdir()
    for name in ("config.toml", "metrics.json", "model.keras", "examples.json",
                 "vocabulary.txt"):
        shutil.copy(os.path.join(imdb_run, name), old / name)
    assert cookbook.predict(old, texts=["a fine film"]) == cookbook.predict(
        imdb_run, texts="a fine film")


def test_records_stream_after_the_checks(mnist_run, tmp_path):
    with pytest.raises(DataError, match="not from texts"):
        iter_predict(mnist_run, texts=["seven"])  # raised before the first record is asked for
    paths = [write_png(tmp_path / f"{i}.png", seed=i) for i in range(3)]
    records = iter_predict(mnist_run, paths=paths, batch_size=1)
    assert next(records)["input"] == paths[0] and len(list(records)) == 2


@pytest.mark.parametrize("run, args, message", [
    ("missing", [], "run directory not found"),
    ("unfinished", ["x.png"], "is not a finished run: missing metrics.json, model.keras"),
    ("imdb", ["photo.png"], "predicts from texts (--text TEXT"),
    ("imdb", [], "no inputs to predict: imdb_lstm predicts from texts"),
    ("imdb", ["--file", "empty.txt"], "no inputs to predict (empty.txt holds none)"),
    ("imdb", ["--file", "missing.txt"], "--file missing.txt: not found"),
    ("imdb", ["--file", "x.json"], "x.json: unknown kind of file"),
    ("imdb", ["--file", "features.csv"], "features.csv: no 'review' column"),
    ("imdb", ["--file", "excel.txt"], "the text is in UTF-16 (what Excel saves as \"Unicode"),
    ("mnist", ["--text", "seven"], "not from texts"),
    ("mnist", [], "no inputs to predict: mnist_dense predicts from image files"),
    ("mnist", ["--file", "empty.txt"], "not from a .txt file of texts"),
    ("cancer", ["--text", "benign?"], "predicts from rows of features"),
    ("cancer", ["x.png", "--file", "empty.txt"], "not from image paths or a .txt file"),
])
def test_wrong_inputs_are_one_line(request, capsys, tmp_path, monkeypatch, run, args, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "features.csv").write_text("a,b\n1,2\n")
    (tmp_path / "excel.txt").write_text("tr\u00e8s bien\n", encoding="utf-16")
    (tmp_path / "unfinished").mkdir()
    (tmp_path / "unfinished" / "config.toml").write_text('recipe = "mnist_dense"\n')
    run = request.getfixturevalue(f"{run}_run") if run in ("imdb", "mnist", "cancer") else run
    code, records, err = cli(capsys, run, *args)
    assert code == 2 and records == []
    assert err.startswith("cookbook: error: ") and message in err
    assert len(err.splitlines()) == 1 and "Traceback" not in err
