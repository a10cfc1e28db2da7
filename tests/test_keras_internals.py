"""Each Keras or TensorFlow internal in `cookbook.keras_internals` still takes effect: these fail
when a release renames one, or stops calling what is patched."""

import random

import keras
import numpy as np
import pytest

from cookbook import keras_internals
from cookbook.errors import UnsupportedKerasError


def _nested_model():
    inner = keras.Sequential([keras.layers.Dense(3, name="inner_dense")], name="inner")
    inputs = keras.Input((4,))
    outputs = keras.layers.Dense(2, name="outer_dense")(inner(inputs))
    return keras.Model(inputs, outputs, name="outer")


def _compiled(model):
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    return model


def test_layers_include_nested_ones():
    names = [layer.name for layer in keras_internals.layers(_nested_model())]
    assert {"outer", "inner", "inner_dense", "outer_dense"} <= set(names)


def test_supports_jit_is_the_flag_keras_decides_by():
    from keras.src.trainers.trainer import model_supports_jit

    model = _nested_model()
    assert all(keras_internals.supports_jit(layer) for layer in keras_internals.layers(model))
    assert model_supports_jit(model)
    model.get_layer("inner").get_layer("inner_dense").supports_jit = False
    assert not model_supports_jit(model)  # Keras reads the flag we read, on nested layers too
    assert [layer.name for layer in keras_internals.layers(model)
            if not keras_internals.supports_jit(layer)] == ["inner_dense"]


def _dropout(seed):
    return keras.Sequential([keras.Input((64,)), keras.layers.Dropout(0.5, seed=seed)])


def test_offset_draws_moves_every_mask_keras_draws():
    x = np.ones((4, 64), "float32")
    plain = keras.ops.convert_to_numpy(_dropout(3)(x, training=True))

    def offset(by):
        return lambda dtype: keras.ops.convert_to_tensor([by, 0], dtype=dtype)

    same = keras_internals.offset_draws(_dropout(3), offset(0))
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(same(x, training=True)), plain)
    moved = keras_internals.offset_draws(_dropout(3), offset(1_000_003))
    assert not np.array_equal(keras.ops.convert_to_numpy(moved(x, training=True)), plain)


def test_replace_epoch_logs_is_what_fit_and_evaluate_report():
    model = _compiled(_nested_model())
    calls = []

    def logs_from_metrics(logs):
        calls.append(dict(logs or {}))
        return {"loss": 42.0, "mae": 7.0}

    keras_internals.replace_epoch_logs(model, logs_from_metrics)
    x, y = np.ones((8, 4), "float32"), np.zeros((8, 2), "float32")
    history = model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    assert history.history["loss"] == [42.0] and calls
    assert model.evaluate(x, y, batch_size=4, verbose=0, return_dict=True)["loss"] == 42.0


@pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                    reason="Keras' TensorFlow trainer alone builds from the first batch")
def test_build_from_batch_builds_and_keras_skips_its_own_build():
    model = _compiled(_nested_model())
    x, y = np.ones((8, 4), "float32"), np.zeros((8, 2), "float32")
    keras_internals.build_from_batch(model, (x[:4], y[:4]))
    assert model.optimizer.built and all(metric.variables for metric in model.metrics)
    skipped = []
    model._maybe_symbolic_build = lambda iterator=None, data_batch=None: skipped.append(1)
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    assert skipped  # fit called the method build_from_batch replaces


@pytest.mark.skipif(keras.backend.backend() == "tensorflow",
                    reason="Keras dispatches asynchronously on thread-safe backends only")
def test_async_safe_is_the_attribute_keras_dispatches_by():
    class ReadsBatches(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            pass

    class DeclaresSafe(ReadsBatches):
        async_safe = True

    class ReadsBatchesTheOldWay(keras.callbacks.Callback):
        def on_batch_end(self, batch, logs=None):
            pass

    def asynchronous(callback):
        return keras.callbacks.CallbackList([callback], model=_nested_model())._async_train

    assert keras_internals.reads_every_batch(ReadsBatches()) and not asynchronous(ReadsBatches())
    assert not keras_internals.reads_every_batch(DeclaresSafe()) and asynchronous(DeclaresSafe())
    assert keras_internals.reads_every_batch(ReadsBatchesTheOldWay())
    assert not asynchronous(ReadsBatchesTheOldWay())
    assert not keras_internals.reads_every_batch(keras.callbacks.Callback())


def test_seed_keras_does_what_set_random_seed_does_for_keras():
    from keras.src.utils.rng_utils import get_random_seed

    def draws(seeder):  # unseeded: Keras' global seed generator, twice from the same seed
        seeder(3)
        first = keras.ops.convert_to_numpy(keras.random.normal((5,)))
        seeder(3)
        return first, keras.ops.convert_to_numpy(keras.random.normal((5,)))

    def ours(seed):
        random.seed(seed)  # a new global generator's seed comes from Python's generator
        assert keras_internals.seed_keras(seed)  # the internal path, not the fallback

    keras_first, keras_again = draws(keras.utils.set_random_seed)
    our_first, our_again = draws(ours)
    ours(7)
    assert get_random_seed() == 7  # the seed Keras' distribution and unseeded layers read
    restarts = np.array_equal(keras_first, keras_again)  # Keras 3.13 on restart the generator
    assert np.array_equal(our_first, our_again) == restarts
    if restarts:
        np.testing.assert_array_equal(our_first, keras_first)


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="TensorFlow's workers only")
def test_bound_registration_sets_the_deadline_and_the_barrier_or_refuses():
    from tensorflow.python.eager import context

    assert isinstance(keras_internals.coordination_context(), context.Context)
    ctx = context.Context()  # not the process' own: nothing else sees this configuration
    ctx.configure_coordination_service(service_type="standalone")
    if "cluster_register_with_barrier" not in ctx.coordination_service.DESCRIPTOR.fields_by_name:
        with pytest.raises(UnsupportedKerasError, match="needs TensorFlow 2.19 or newer"):
            keras_internals.bound_registration(context.Context(), "/job:worker/task:0", 2500)
        return
    ctx = keras_internals.bound_registration(context.Context(), "/job:worker/replica:0/task:0",
                                             2500)
    config = ctx.coordination_service
    assert config.cluster_register_timeout_in_ms == 2500
    assert config.cluster_register_with_barrier and config.service_type == "standalone"


def test_a_missing_internal_is_one_line_naming_the_supported_keras():
    class Renamed:
        pass

    with pytest.raises(UnsupportedKerasError) as error:
        keras_internals.require(Renamed(), "_flatten_layers", "listing a model's nested layers")
    message = str(error.value)
    assert "\n" not in message and "Renamed._flatten_layers" in message
    assert keras.__version__ in message and "pip install 'keras>=" in message
    assert f",<={keras_internals.NEWEST_TESTED_KERAS}'" in message
