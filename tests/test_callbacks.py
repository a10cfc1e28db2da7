import keras
import numpy as np

from cookbook.callbacks import NaNGuard, Timing


def tiny_model(learning_rate):
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    model.compile(optimizer=keras.optimizers.SGD(learning_rate), loss="mse")
    return model


def test_timing_counts_samples_and_seconds():
    x, y = np.ones((10, 3), "float32"), np.ones((10,), "float32")
    timing = Timing(batch_size=4, samples_per_epoch=10)
    tiny_model(0.01).fit(x, y, batch_size=4, epochs=2, verbose=0, callbacks=[timing])
    assert timing.samples == 20  # the last batch of each epoch holds 2, not 4
    assert 0 < timing.train_seconds <= timing.fit_seconds
    assert timing.samples_per_second == timing.samples / timing.train_seconds


def test_nan_guard_stops_and_says_where():
    x, y = np.full((8, 3), 1e20, "float32"), np.ones((8,), "float32")
    guard = NaNGuard()
    history = tiny_model(1e10).fit(x, y, batch_size=2, epochs=5, verbose=0, callbacks=[guard])
    assert guard.message.startswith("the training loss became")
    assert "epoch 1, batch 1" in guard.message
    assert len(history.history["loss"]) == 1  # stopped in the first epoch


def test_nan_guard_is_silent_on_a_healthy_run():
    guard = NaNGuard()
    tiny_model(0.01).fit(np.ones((4, 3)), np.ones(4), epochs=1, verbose=0, callbacks=[guard])
    assert guard.message is None
