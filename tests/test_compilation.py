"""XLA and steps per compiled call: the choices, the probe, the errors."""

import json
import os
import threading

import keras
import numpy as np
import pytest

import cookbook
from cookbook import compilation, training
from cookbook.compilation import (check_steps_per_execution, choose_steps_per_execution,
                                  set_jit_compile, steps_for)
from cookbook.errors import ConfigError
from conftest import SMALL

BACKEND = keras.backend.backend()


def test_the_rule_fills_a_call_and_stays_within_an_epoch():
    target = compilation.TARGET_CALL_SECONDS
    assert steps_for(target * 2, 100) == 1  # a slow step: one per call
    assert steps_for(target / 4, 100) == 4
    assert steps_for(target / 4, 3) == 3  # never more than an epoch
    assert steps_for(1e-7, 10**6) == compilation.MAX_STEPS_PER_EXECUTION


def test_steps_per_execution_on_torch_is_refused_with_what_works():
    check_steps_per_execution(1, "torch")
    check_steps_per_execution("auto", "torch")
    check_steps_per_execution(8, "jax")
    with pytest.raises(ConfigError, match="torch backend runs one step per call; use 1 or "
                                          '"auto", or KERAS_BACKEND=jax or tensorflow'):
        check_steps_per_execution(8, "torch")


class NoJit(keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_jit = False

    def call(self, x):
        return x


def test_jit_true_that_cannot_be_honoured_names_the_layer():
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(1)(NoJit(name="eager_only")(inputs)))
    model.compile(loss="mse")
    with pytest.raises(ConfigError, match=r"fit.jit_compile true: .* layer\(s\) eager_only "
                                          r"\(NoJit\); use fit.jit_compile = \"auto\" or false"):
        set_jit_compile(model, True)
    assert set_jit_compile(model, False).jit_compile is False


@pytest.mark.parametrize("recipe", cookbook.list_recipes())
def test_every_recipe_can_be_compiled(recipe):
    model = cookbook.recipes.__getattribute__(recipe)()
    assert compilation.layers_without_jit(model) == []
    if BACKEND == "jax":  # "auto" is XLA on JAX (on TensorFlow only with a GPU)
        assert model.jit_compile is True


def tiny_model(dropout=0.5):
    inputs = keras.Input((3,))
    x = keras.layers.Dropout(dropout)(keras.layers.Dense(4)(inputs))
    model = keras.Model(inputs, keras.layers.Dense(1)(x))
    model.compile(optimizer="adam", loss="mse")
    return model


@pytest.mark.skipif(BACKEND == "torch", reason="torch runs one step per call")
def test_auto_probe_leaves_the_model_as_it_was_and_the_count_takes_effect():
    from cookbook.callbacks import DeviceReport

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(64, 3)).astype("float32"), rng.normal(size=(64,)).astype("float32")
    keras.utils.set_random_seed(1)
    model = tiny_model()
    before = [keras.ops.convert_to_numpy(v).copy() for v in model.variables]
    record = choose_steps_per_execution(model, x, y, batch_size=4, steps_per_epoch=16)
    assert record["setting"] == "auto" and record["probe_step_seconds"] > 0
    assert record["probe_seconds"] >= record["probe_step_seconds"]
    assert 1 <= record["chosen"] <= 16 and model.steps_per_execution == record["chosen"]
    for old, variable in zip(before, model.variables):
        np.testing.assert_array_equal(old, keras.ops.convert_to_numpy(variable))
    assert int(keras.ops.convert_to_numpy(model.optimizer.iterations)) == 0

    # Training after the probe is the training without it.
    keras.utils.set_random_seed(1)
    reference = tiny_model()
    reference.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    model.steps_per_execution = 4  # what "auto" could pick: the count is honoured as set
    report = DeviceReport(batch_size=4, verbose=0)
    model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0, callbacks=[report])
    assert report.calls == 4 and report.steps == 16
    for a, b in zip(reference.get_weights(), model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.skipif(BACKEND == "torch", reason="the torch backend runs one step per call")
@pytest.mark.parametrize("limit, timed", [
    # every step under the target and time to spare: all of them timed
    ({"TARGET_CALL_SECONDS": 1e9, "PROBE_MIN_SECONDS": 1e9}, compilation.PROBE_STEPS),
    ({"TARGET_CALL_SECONDS": 0.0}, 1),  # a step over the target: one per call, at once
    ({"TARGET_CALL_SECONDS": 1e9, "PROBE_MIN_SECONDS": 0.0, "PROBE_SHARE_OF_FIT": 0.0}, 1),
])
def test_the_probe_stops_at_a_slow_step_or_its_budget(monkeypatch, limit, timed):
    for name, value in limit.items():
        monkeypatch.setattr(compilation, name, value)
    said = []
    x, y = np.ones((64, 3), "float32"), np.ones((64,), "float32")
    record = choose_steps_per_execution(tiny_model(), x, y, batch_size=4, steps_per_epoch=16,
                                        announce=said.append)
    per_call = 2 if BACKEND == "jax" else 1  # JAX's probe runs two steps per call
    assert timed <= record["probe_steps"] <= max(timed, per_call)
    if limit.get("TARGET_CALL_SECONDS") == 0.0:
        assert record["chosen"] == 1
    assert record["probe_seconds"] < 1.5 or said  # a wait over a second says what it is
    assert 0 <= record["probe_added_seconds"] <= record["probe_seconds"]


def test_explicit_counts_torch_and_per_batch_callbacks_skip_the_probe():
    model = tiny_model()
    x, y = np.ones((8, 3), "float32"), np.ones((8,), "float32")
    record = choose_steps_per_execution(model, x, y, batch_size=4, steps_per_epoch=2,
                                        per_batch_callbacks=True)
    assert record["chosen"] == 1 and record["probe_step_seconds"] is None
    assert record["reason"] == ("the torch backend runs one step per call" if BACKEND == "torch"
                                else "a callback needs every batch")
    if BACKEND != "torch":
        record = choose_steps_per_execution(model, x, y, batch_size=4, steps_per_epoch=2,
                                            setting=2)
        assert record["chosen"] == 2 == model.steps_per_execution


class BatchThreads(keras.callbacks.Callback):
    """Notes which thread runs `on_train_batch_end`; safe to run asynchronously."""

    async_safe = True

    def __init__(self):
        super().__init__()
        self.threads = set()

    def on_train_batch_end(self, batch, logs=None):
        self.threads.add(threading.current_thread() is threading.main_thread())


def test_cookbook_run_keeps_keras_dispatch_asynchronous(tmp_path, mnist_npz, monkeypatch):
    """No callback that `train` passes reads the logs after every batch."""
    passed = []
    fit = keras.Model.fit

    def spy(self, *args, **kwargs):
        passed.append(list(kwargs.get("callbacks") or []))
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(keras.Model, "fit", spy)
    probe = BatchThreads()
    out = str(tmp_path / "run")
    result = cookbook.train("mnist_dense", out=out, callbacks=[probe], overrides={
        **SMALL["mnist_dense"], "data.source": mnist_npz, "fit.epochs": 2, "fit.verbose": 1})
    callbacks = passed[-1]
    for callback in callbacks:
        assert (getattr(callback, "async_safe", False)
                or getattr(callback.on_train_batch_end, "_is_default", False)), callback
    if keras.src.backend.IS_THREAD_SAFE:  # Keras dispatches asynchronously on this backend
        assert probe.threads == {False}  # every batch end ran off the main thread
    metrics = json.load(open(os.path.join(out, "metrics.json")))
    assert metrics["samples_per_second"] == metrics["device"]["samples_per_second"]
    chosen = metrics["steps_per_execution"]["chosen"]
    assert chosen == result.model.steps_per_execution == metrics["device"]["steps_per_execution"]
    if BACKEND == "torch":
        assert chosen == 1
    else:
        assert metrics["steps_per_execution"]["probe_step_seconds"] > 0
    report = open(os.path.join(out, "report.md")).read()
    assert f"| samples per second | {metrics['samples_per_second']} |" in report


@pytest.mark.slow
def test_find_lr_trains_one_step_per_call(tmp_path, mnist_npz):
    result = cookbook.train("mnist_dense", out=str(tmp_path / "run"), find_lr=True, overrides={
        **SMALL["mnist_dense"], "data.source": mnist_npz, "fit.epochs": 1, "fit.verbose": 0})
    assert result.metrics["steps_per_execution"]["chosen"] == 1
    assert result.model.steps_per_execution == 1


def test_jit_true_is_refused_before_training(tmp_path, monkeypatch, mnist_npz):
    def build(config):
        model = tiny_model()
        model.layers[1].supports_jit = False
        return set_jit_compile(model, config.fit.jit_compile)

    monkeypatch.setattr(training, "build_model", build)
    with pytest.raises(ConfigError, match="fit.jit_compile true"):
        cookbook.train("mnist_dense", out=str(tmp_path / "run"), overrides={
            "data.source": mnist_npz, "fit.jit_compile": True, "fit.verbose": 0})
    assert not (tmp_path / "run").exists()


def test_a_loaded_model_chooses_auto_jit_for_this_backend():
    # A model trained on JAX is saved with jit_compile=True; loaded on PyTorch (or on a
    # TensorFlow without a GPU) "auto" means eager again.
    from cookbook.compilation import set_jit_compile
    from cookbook.devices import accelerators, list_devices

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", jit_compile=True)
    set_jit_compile(model, "auto", loaded=True)
    backend = keras.backend.backend()
    expected = backend == "jax" or (backend == "tensorflow" and bool(accelerators(list_devices())))
    assert model.jit_compile is expected
