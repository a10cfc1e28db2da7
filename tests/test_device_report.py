import json

import keras
import numpy as np
import pytest

from cookbook import devices as devices_lib
from cookbook.callbacks import DeviceReport


def tiny_model(steps_per_execution=1):
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    model.compile(optimizer="sgd", loss="mse", steps_per_execution=steps_per_execution)
    return model


def test_counts_steps_and_samples_after_the_first_call(capsys):
    x, y = np.ones((10, 3), "float32"), np.ones((10,), "float32")
    report = DeviceReport(batch_size=4, samples_per_epoch=10)
    tiny_model().fit(x, y, batch_size=4, epochs=2, verbose=0, callbacks=[report])
    assert report.steps == 6 and report.calls == 6  # 3 batches per epoch
    # Epoch 1 without its first call (compilation): 2 steps, 4 + 2 samples; epoch 2 whole.
    assert [(e["steps"], e["samples"]) for e in report.epochs] == [(2, 6), (3, 10)]
    assert report.steady_steps == 3 and report.steady_samples == 10  # the warm epoch only
    assert report.first_call_seconds > 0 and report.step_seconds > 0
    assert report.samples_per_second == pytest.approx(10 / report.epochs[1]["seconds"])
    assert 0 < report.train_seconds <= report.fit_seconds
    summary = json.loads(json.dumps(report.summary()))
    assert summary["backend"] == keras.backend.backend()
    assert summary["devices"] and summary["devices"][0]["name"].endswith(":0")
    assert summary["steps"] == 6 and summary["steps_per_execution"] == 1
    assert summary["samples_per_second"] == round(report.samples_per_second, 1)
    assert summary["fit_seconds"] >= summary["train_seconds"] > 0
    assert summary["host_peak_memory_mib"] > 0
    printed = capsys.readouterr().out
    assert printed.startswith("devices: ") and "samples/s" in printed and "peak memory" in printed


@pytest.mark.skipif(keras.backend.backend() == "torch", reason="torch runs one step per call")
def test_steps_per_execution_counts_every_step():
    x, y = np.ones((32, 3), "float32"), np.ones((32,), "float32")
    report = DeviceReport(batch_size=2, samples_per_epoch=32, verbose=0)
    tiny_model(steps_per_execution=4).fit(x, y, batch_size=2, epochs=1, verbose=0,
                                          callbacks=[report])
    assert report.steps == 16 and report.calls == 4 and report.steady_steps == 12
    assert report.steady_samples == 24
    assert report.summary()["steps_per_execution"] == 4


@pytest.mark.skipif(keras.backend.backend() == "torch", reason="torch runs one step per call")
def test_a_short_last_call_counts_only_the_steps_it_ran():
    x, y = np.ones((10, 3), "float32"), np.ones((10,), "float32")
    report = DeviceReport(batch_size=2, samples_per_epoch=10, verbose=0)
    tiny_model(steps_per_execution=4).fit(x, y, batch_size=2, epochs=1, verbose=0,
                                          callbacks=[report])
    assert report.steps == 5  # calls of 4 and 1 steps (Keras reports the second as 4..7)
    assert report.steady_steps == 1 and report.steady_samples == 2


def test_validation_time_is_not_training_time():
    """Steps end where validation begins: a slow validation leaves the throughput alone."""

    class SlowValidation(keras.callbacks.Callback):
        def on_test_begin(self, logs=None):
            import time

            time.sleep(0.3)

    x, y = np.ones((8, 3), "float32"), np.ones((8,), "float32")
    report = DeviceReport(batch_size=4, samples_per_epoch=8, verbose=0)
    tiny_model().fit(x, y, batch_size=4, epochs=2, verbose=0, validation_data=(x, y),
                     callbacks=[report, SlowValidation()])
    assert report.fit_seconds > 0.6 and report.steady_seconds < 0.3
    assert report.train_seconds < report.fit_seconds - 0.5


def test_devices_of_this_backend_are_listed():
    devices = devices_lib.list_devices()
    assert {d["kind"] for d in devices} <= {"cpu", "gpu", "tpu"}
    assert any(d["kind"] == "cpu" for d in devices)
    assert set(devices[0]) == {"name", "kind", "model", "compute_capability"}
    assert devices_lib.peak_memory([d for d in devices if d["kind"] == "cpu"]) == {}


def test_devices_are_asked_once_per_backend(monkeypatch):
    backend = keras.backend.backend()
    first = devices_lib.list_devices()
    calls = []
    for name in ("_tensorflow_devices", "_jax_devices", "_torch_devices"):
        monkeypatch.setattr(devices_lib, name, lambda: calls.append(1) or [])
    again = devices_lib.list_devices(backend)
    assert again == first and calls == []  # answered from the first listing
    again[0]["name"] = "changed"  # a caller's copy, not the cached one
    assert devices_lib.list_devices()[0]["name"] == first[0]["name"]
