"""Mixed precision: recipes built with a dtype policy, and the device check before training."""

import keras
import numpy as np
import pytest

import cookbook
from cookbook.errors import ConfigError
from cookbook.precision import check_precision
from conftest import SMALL
from test_recipes import tiny_batch



def small(name):
    return {k[len("model."):]: v for k, v in SMALL.get(name, {}).items() if k.startswith("model.")}


CPU = {"name": "cpu:0", "kind": "cpu", "model": "x86_64", "compute_capability": None}


def gpu(capability, model="NVIDIA GPU"):
    return {"name": "gpu:0", "kind": "gpu", "model": model, "compute_capability": capability}


@pytest.mark.parametrize("name", cookbook.list_recipes())
def test_recipe_computes_in_bfloat16_with_a_float32_output(name):
    model = getattr(cookbook.recipes, name)(**small(name), dtype="mixed_bfloat16")
    assert model.layers[-1].compute_dtype == "float32"
    weighted = [layer for layer in model.layers[:-1] if layer.weights
                and not isinstance(layer, keras.layers.Normalization)]
    for layer in weighted:
        assert layer.compute_dtype == "bfloat16", layer.name
        assert all(w.dtype == "float32" for w in layer.trainable_weights), layer.name
    x, y = tiny_batch(model)
    cookbook.adapt(model, x)
    history = model.fit(x, y, batch_size=4, epochs=1, steps_per_epoch=2, verbose=0)
    assert np.isfinite(history.history["loss"][-1])
    assert keras.ops.convert_to_numpy(model(x[:2])).dtype == np.float32


@pytest.mark.parametrize("name", cookbook.list_recipes())
def test_float16_policy_scales_the_loss(name):
    model = getattr(cookbook.recipes, name)(**small(name), dtype="mixed_float16")
    assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
    assert not isinstance(getattr(cookbook.recipes, name)(**small(name)).optimizer,
                          keras.optimizers.LossScaleOptimizer)


def test_mnist_in_float16_trains_with_loss_scaling():
    model = cookbook.recipes.mnist_dense(hidden_units=[16], dtype="mixed_float16")
    x, y = tiny_batch(model, n=16)
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert model.get_layer("hidden_0").compute_dtype == "float16"
    assert float(keras.ops.convert_to_numpy(model.optimizer.dynamic_scale)) > 1


def test_policies_on_cpu():
    check_precision("float32", [CPU])
    check_precision("mixed_bfloat16", [CPU])
    with pytest.raises(ConfigError, match="mixed_float16 needs an NVIDIA GPU of compute "
                                          "capability 7.0.*CPUs only.*mixed_bfloat16"):
        check_precision("mixed_float16", [CPU])


def test_policies_on_gpus_by_compute_capability():
    check_precision("mixed_float16", [gpu("7.0"), CPU])
    check_precision("mixed_bfloat16", [gpu("9.0"), CPU])
    with pytest.raises(ConfigError, match=r"mixed_bfloat16 needs compute capability 8\.0.*"
                                          r"gpu:0 \(Tesla V100\) has 7\.0: use --precision "
                                          "mixed_float16 or float32"):
        check_precision("mixed_bfloat16", [gpu("7.0", "Tesla V100"), CPU])
    with pytest.raises(ConfigError, match=r"has 6\.1: use float32"):
        check_precision("mixed_float16", [gpu("6.1"), CPU])


def test_unknown_policy_names_the_supported_ones():
    with pytest.raises(ConfigError, match="float32, mixed_bfloat16, mixed_float16.*'float16'"):
        check_precision("float16", [CPU])
