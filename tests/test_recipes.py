"""Every registered recipe builds a compiled model that trains a step and predicts."""

import inspect

import keras
import numpy as np
import pytest

import cookbook
from cookbook.errors import UnknownRecipeError
from cookbook.registry import register


def tiny_batch(model, n=8, seed=0):
    """Inputs and labels that fit the model: what a user would feed it."""
    rng = np.random.default_rng(seed)
    shape = (n,) + tuple(40 if d is None else d for d in model.input_shape[1:])
    if "int" in model.inputs[0].dtype:
        x = rng.integers(0, 20, shape).astype("int32")
    elif model.name == "bow_mlp":
        x = rng.integers(0, 2, shape).astype("uint8")
    else:
        x = rng.uniform(0, 255, shape).astype("float32")
    classes = model.output_shape[-1]
    y = rng.integers(0, 2 if classes == 1 else classes, n)
    if model.loss == "mse":
        y = rng.normal(150, 50, n).astype("float32")
    return x, y


@pytest.mark.parametrize("name", cookbook.list_recipes())
def test_recipe_builds_trains_and_predicts(name):
    model = getattr(cookbook.recipes, name)()
    assert isinstance(model, keras.Model)
    assert model.optimizer is not None and model.compiled, f"{name} must return a compiled model"
    x, y = tiny_batch(model)
    cookbook.adapt(model, x)
    before = [w.copy() for w in model.get_weights()]
    history = model.fit(x, y, batch_size=4, epochs=1, steps_per_epoch=2, verbose=0)
    assert np.isfinite(history.history["loss"][-1])
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights())), \
        "a training step must change the weights"
    probs = model.predict(x, verbose=0)
    classes = model.output_shape[-1]
    assert probs.shape == (len(x), classes)
    if cookbook.get_recipe(name).task == "regression":
        return
    assert np.all((probs >= 0) & (probs <= 1))
    if classes > 1:
        np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)


@pytest.mark.parametrize("name", cookbook.list_recipes())
def test_recipe_signature_is_keyword_only_with_defaults(name):
    spec = cookbook.get_recipe(name)
    assert spec.fn is getattr(cookbook.recipes, name)
    params = inspect.signature(spec.fn).parameters.values()
    assert params, f"{name} has no hyper-parameters"
    for p in params:
        assert p.kind is inspect.Parameter.KEYWORD_ONLY
        assert p.default is not inspect.Parameter.empty, f"{name}({p.name}) needs a default"
    assert spec.fn.__doc__ and "Args:" in spec.fn.__doc__ and "Example" in spec.fn.__doc__


def test_list_recipes():
    assert cookbook.list_recipes() == ["bow_mlp", "cats_vs_dogs_cnn", "cifar10_cnn", "imdb_lstm",
                                       "imdb_transformer", "linear_regression",
                                       "logistic_regression", "mnist_cnn", "mnist_dense"]


def test_unknown_recipe_lists_the_known_ones():
    with pytest.raises(UnknownRecipeError, match="known recipes: bow_mlp, cats_vs_dogs_cnn, cifar10_cnn"):
        cookbook.get_recipe("mnist_resnet")


def test_register_rejects_positional_hyperparameters():
    with pytest.raises(TypeError, match="keyword-only"):
        @register(dataset="mnist", targets=(), preprocessor=lambda hp: None)
        def bad_recipe(units=3):
            return units


def test_image_models_take_pixel_values():
    """Scaling is inside the model: 0-255 inputs and 0-1 inputs give different outputs."""
    model = cookbook.recipes.mnist_dense()
    assert model.input_shape == (None, 28, 28)
    x = np.full((1, 28, 28), 255.0, "float32")
    assert not np.allclose(model.predict(x, verbose=0), model.predict(x / 255, verbose=0))


def test_readme_table_shows_the_registry_targets():
    # Targets are data in the registry; `cookbook list`, this table and the benchmarks read it.
    import os

    readme = open(os.path.join(os.path.dirname(os.path.dirname(__file__)), "README.md"),
                  encoding="utf-8").read().splitlines()
    start = readme.index("| recipe | input | dataset | target of the defaults (`cookbook list`) |")
    rows = {}
    for line in readme[start + 2:]:
        if not line.startswith("| `"):
            break
        cells = [c.strip() for c in line.strip("|").split(" | ")]
        rows[cells[0].strip("`")] = cells[-1]
    assert rows == {name: cookbook.get_recipe(name).target for name in cookbook.list_recipes()}


def test_a_target_says_whether_a_value_meets_it():
    from cookbook.registry import Target

    assert Target("accuracy", 0.94, "sample").met(0.95) is True
    assert Target("accuracy", 0.94, "sample").met(0.93) is False
    within = Target("r2", 0.01, "diabetes", reference="least squares")
    assert within.met(0.325, reference_value=0.332) is True
    assert within.met(0.320, reference_value=0.332) is False
    assert Target("accuracy", None, "photos").met(0.9) is None
    assert within.describe() == "test r2 within 0.01 of least squares (diabetes)"
