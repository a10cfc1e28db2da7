"""Where TensorFlow is not installed (a JAX or PyTorch environment): every recipe trains, text
included, and the parts that need TensorFlow say which extra to install.

These run only in an environment without TensorFlow (CI makes one); elsewhere they skip.
"""

import importlib.util
import os
import sys

import pytest

pytestmark = pytest.mark.skipif(importlib.util.find_spec("tensorflow") is not None,
                                reason="TensorFlow is installed here")

import cookbook  # noqa: E402
from conftest import SMALL  # noqa: E402


def small(recipe, **more):
    return {**SMALL.get(recipe, {}), "fit.verbose": 0, "fit.epochs": 1, **more}


@pytest.mark.parametrize("recipe", ["imdb_lstm", "bow_mlp"])
def test_text_recipes_train_and_evaluate(tmp_path, reviews_csv, recipe):
    from cookbook.evaluate import evaluate

    out = str(tmp_path / "run")
    result = cookbook.train(recipe, out=out, overrides=small(recipe, **{
        "data.source": reviews_csv}))
    assert result.metrics["device"]["jit_compile"] is (result.metrics["backend"] == "jax")
    assert evaluate(out)["examples"] == result.metrics["data"]["test"]
    assert "tensorflow" not in sys.modules


def test_mnist_auto_falls_back_to_the_sample_and_export_names_the_extra(tmp_path):
    from cookbook.errors import MissingDependencyError
    from cookbook.export import export

    out = str(tmp_path / "run")
    with pytest.warns(UserWarning, match="tensorflow-datasets is not installed"):
        result = cookbook.train("mnist_cnn", out=out, overrides=small("mnist_cnn"))
    assert result.metrics["data"]["source"] == "sample"
    assert result.metrics["device"]["jit_compile"] is (result.metrics["backend"] == "jax")
    with pytest.raises(MissingDependencyError, match=r'pip install "cookbook\[tensorflow\]"'):
        export(out, str(tmp_path / "exports"))
    assert not os.path.exists(tmp_path / "exports")
    assert "tensorflow" not in sys.modules


def test_tfds_asks_for_the_extra(tmp_path):
    from cookbook.errors import CookbookError

    with pytest.raises(CookbookError, match=r'pip install "cookbook\[tensorflow\]"'):
        cookbook.train("cifar10_cnn", out=str(tmp_path / "run"),
                       overrides=small("cifar10_cnn", **{"data.source": "tfds"}))
