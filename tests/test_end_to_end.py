"""End to end for the image recipes on mocked tensorflow-datasets, and the regression and
bag-of-words recipes on offline data: train, evaluate, export, call the SavedModel."""

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

import cookbook
from cookbook.data import tfds_source
from cookbook.evaluate import evaluate
from cookbook.export import export
from conftest import SMALL, write_reviews_csv


def train_small(recipe, out, **more):
    overrides = {**SMALL.get(recipe, {}), "fit.verbose": 0, "fit.epochs": 1, **more}
    return cookbook.train(recipe, out=str(out), overrides=overrides)


def serve(path):
    return tf.saved_model.load(path).signatures["serving_default"]


@pytest.mark.parametrize("recipe, size, outputs", [
    pytest.param("cifar10_cnn", (32, 32), {"probabilities", "class_id", "class_name"},
                 marks=pytest.mark.slow),
    ("cats_vs_dogs_cnn", (57, 91), {"probability", "class_id", "class_name"}),
])
def test_image_recipes_on_mocked_tfds(tmp_path, monkeypatch, recipe, size, outputs):
    monkeypatch.setattr(tfds_source, "require_tfds", lambda *args, **kwargs: None)
    with tfds.testing.mock_data(num_examples=40):
        result = train_small(recipe, tmp_path / "run", **{"data.source": "tfds"})
        assert result.metrics["data"]["source"] == "tfds"
        assert evaluate(str(tmp_path / "run"))["examples"] == result.metrics["data"]["test"]
    exported = export(str(tmp_path / "run"), str(tmp_path / "exports"))
    assert exported.max_abs_diff < 1e-4 and exported.input_name == "image"
    x = np.random.default_rng(0).uniform(0, 255, (2, *size, 3)).astype("float32")
    served = serve(exported.path)(image=tf.constant(x))
    assert set(served) == outputs
    names = set(result.metrics["data"]["class_names"])
    assert {n.decode() for n in served["class_name"].numpy()} <= names


def test_cats_vs_dogs_takes_any_size_but_three_channels():
    model = cookbook.recipes.cats_vs_dogs_cnn(image_size=32, filters=[4])
    assert model.predict(np.zeros((1, 50, 70, 3)), verbose=0).shape == (1, 1)
    from cookbook.errors import DataError
    from cookbook.model_inputs import check_inputs

    with pytest.raises(DataError, match=r"expects input 'image' of shape \(N, any, any, 3\), "
                                        r"got \(1, 50, 70, 1\)"):
        check_inputs(model, np.zeros((1, 50, 70, 1)))


def test_cifar_rejects_the_wrong_size():
    from cookbook.errors import DataError
    from cookbook.model_inputs import check_inputs

    with pytest.raises(DataError, match=r"shape \(N, 32, 32, 3\), got \(2, 28, 28, 3\)"):
        check_inputs(cookbook.recipes.cifar10_cnn(widths=[4]), np.zeros((2, 28, 28, 3)))


def test_linear_regression_end_to_end(tmp_path):
    result = train_small("linear_regression", tmp_path / "run")
    assert set(result.metrics["test"]) == {"loss", "mae", "r2"}
    assert result.metrics["data"]["class_names"] == []
    exported = export(str(tmp_path / "run"), str(tmp_path / "exports"))
    assert exported.input_name == "features" and exported.max_abs_diff < 1e-3
    served = serve(exported.path)(features=tf.zeros((3, 10)))
    assert set(served) == {"prediction"} and served["prediction"].shape == (3,)


def test_bow_mlp_end_to_end_takes_raw_text(tmp_path):
    data = write_reviews_csv(tmp_path / "r.csv", n=40)
    result = train_small("bow_mlp", tmp_path / "run", **{"data.source": data})
    assert 0 <= result.metrics["test"]["accuracy"] <= 1
    exported = export(str(tmp_path / "run"), str(tmp_path / "exports"))
    served = serve(exported.path)(review=tf.constant(["a wonderful film", "zzz qqq"]))
    assert set(served) == {"probability", "class_id", "class_name"}
    # Defined behaviour: unknown words set the OOV entry alone (and an empty review, the
    # all-zero bag, is refused: tests/test_cli.py).
    p = served["probability"].numpy()
    bags = np.zeros((1, 50), "float32")
    bags[0, 0] = 1
    expected = result.model.predict(bags, verbose=0)[:, 0]
    np.testing.assert_allclose(p[1:], expected, atol=1e-5)
