"""Training and evaluating from a user's own files: class folders of photos or texts, and
CSVs of tabular features."""

import json

import numpy as np
import pytest
from PIL import Image

import cookbook
from cookbook.cli import main
from cookbook.errors import DataError
from cookbook.evaluate import evaluate
from cookbook.run_dir import RunDir
from conftest import NEGATIVE, POSITIVE, SMALL, write_reviews_csv

ONE_EPOCH = {"fit.epochs": 1, "fit.early_stopping_patience": 0, "fit.reduce_lr_patience": 0}


def photo_folder(root, classes, per_class=10, seed=0):
    """`root/<class>/*.{png,jpg}` of mixed sizes and modes, each class its own brightness."""
    rng = np.random.default_rng(seed)
    for c, name in enumerate(classes):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            h, w = rng.integers(20, 60, 2)
            pixels = rng.integers(0, 60, (h, w, 3)) + 80 * c
            image = Image.fromarray(pixels.clip(0, 255).astype(np.uint8))
            if i % 3 == 0:
                image = image.convert("L")
            image.save(root / name / f"{i}.{'png' if i % 2 else 'jpg'}")
    return str(root)


def train(name, tmp_path, source, **overrides):
    return cookbook.train(name, out=str(tmp_path / "run"), verbose=0, overrides={
        **SMALL.get(name, {}), **ONE_EPOCH, "data.source": source, **overrides})


def test_image_recipe_trains_on_class_folders_and_takes_its_classes_from_them(tmp_path):
    root = photo_folder(tmp_path / "photos", ["zebra", "ant", "moth"])
    (tmp_path / "photos" / "ant" / "notes.txt").write_text("not a photo")
    (tmp_path / "photos" / "moth" / "broken.jpg").write_bytes(b"\xff\xd8 not really")
    with pytest.warns(UserWarning, match=r"skipped 2 file\(s\)(.|\n)*notes.txt(.|\n)*broken.jpg"):
        result = train("mnist_dense", tmp_path, root)
    data = result.metrics["data"]
    assert data["class_names"] == ["ant", "moth", "zebra"]
    assert data["train"] + data["validation"] + data["test"] == 30
    assert data["test"] == 6  # 20%, two of each class
    assert result.model.output_shape == (None, 3)  # the folders set num_classes
    config = RunDir(result.out).config()
    assert config.model["num_classes"] == 3
    with pytest.warns(UserWarning, match="skipped 2 file"):  # reported again when read again
        scores = evaluate(result.out, data=root)
    assert scores["examples"] == 30 and 0 <= scores["test"]["accuracy"] <= 1


def test_evaluate_refuses_a_folder_with_other_classes(tmp_path):
    result = train("mnist_dense", tmp_path, photo_folder(tmp_path / "a", ["x", "y"]))
    other = photo_folder(tmp_path / "b", ["x", "z"])
    with pytest.raises(DataError, match="has the classes x, z, but the run was trained on x, y"):
        evaluate(result.out, data=other)


def test_binary_recipe_on_a_folder(tmp_path, capsys):
    root = photo_folder(tmp_path / "pets", ["cat", "dog"], per_class=8)
    result = train("cats_vs_dogs_cnn", tmp_path, root)
    assert result.metrics["data"]["class_names"] == ["cat", "dog"]
    assert json.loads((tmp_path / "run" / "examples.json").read_text())["x"][0][0][0].__len__() == 3

    three = photo_folder(tmp_path / "three", ["cat", "dog", "fox"], per_class=2)
    code = main(["run", "cats_vs_dogs_cnn", "--data", three, "--out", str(tmp_path / "r3")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert "has 3 class folders (cat, dog, fox)" in err and "exactly 2" in err
    assert not (tmp_path / "r3").exists()


@pytest.mark.parametrize("layout, message", [
    ({"only": 3}, "at least 2 classes"),
    ({"a": 3, "empty": 0}, "holds no .png/.jpg/.jpeg/.bmp/.gif files"),
])
def test_bad_folders_are_one_line_errors(tmp_path, capsys, layout, message):
    for name, count in layout.items():
        (tmp_path / "d" / name).mkdir(parents=True)
        for i in range(count):
            Image.new("RGB", (30, 30)).save(tmp_path / "d" / name / f"{i}.png")
    code = main(["run", "mnist_dense", "--data", str(tmp_path / "d"), "--out",
                 str(tmp_path / "r")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and message in err


def test_text_recipe_trains_on_a_folder_of_txt_files(tmp_path):
    for name, texts in (("neg", NEGATIVE), ("pos", POSITIVE)):
        (tmp_path / "reviews" / name).mkdir(parents=True)
        for i in range(10):
            (tmp_path / "reviews" / name / f"{i}.txt").write_text(f"{texts[i % 4]} {i}")
    result = train("bow_mlp", tmp_path, str(tmp_path / "reviews"))
    assert result.metrics["data"]["class_names"] == ["neg", "pos"]
    assert result.metrics["data"]["test"] == 4


def test_bow_mlp_with_a_vocabulary_smaller_than_vocab_size(tmp_path):
    """A handful of reviews has far fewer words than the default 20,000 entries."""
    csv = write_reviews_csv(tmp_path / "few.csv", n=40)
    result = cookbook.train("bow_mlp", out=str(tmp_path / "run"), verbose=0,
                            overrides={**ONE_EPOCH, "data.source": csv})
    assert result.model.input_shape == (None, 20000)
    assert len(RunDir(result.out).tokenizer().vocabulary_) < 1000


def features_csv(path, label="label", n=60, seed=0):
    from sklearn.datasets import load_breast_cancer

    x, y = load_breast_cancer(return_X_y=True)
    idx = np.random.default_rng(seed).permutation(len(y))[:n]
    header = [f"f{i}" for i in range(15)] + [label] + [f"f{i}" for i in range(15, 30)]
    rows = [",".join(header)]
    for i in idx:
        cells = [repr(float(v)) for v in x[i]]
        rows.append(",".join(cells[:15] + [str(int(y[i]))] + cells[15:]))
    path.write_text("\n".join(rows) + "\n")
    return str(path), x[idx].astype("float32"), y[idx]


def test_tabular_recipe_trains_on_a_csv_with_a_label_column(tmp_path):
    path, _, y = features_csv(tmp_path / "cells.csv", label="diagnosis")
    result = train("logistic_regression", tmp_path, path, **{"data.label_column": "diagnosis"})
    data = result.metrics["data"]
    assert data["train"] + data["validation"] + data["test"] == len(y)
    scores = evaluate(result.out, data=path)
    assert scores["examples"] == len(y)


def test_a_csv_without_the_label_column_names_the_setting(tmp_path, capsys):
    path, _, _ = features_csv(tmp_path / "cells.csv", label="diagnosis")
    code = main(["run", "logistic_regression", "--data", path, "--out", str(tmp_path / "r")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "data.label_column" in err
