import keras
import numpy as np
import pytest

from cookbook.callbacks import LRFinder, find_lr


def model_and_data():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 4)).astype("float32")
    y = (x @ np.array([1.0, -2.0, 0.5, 3.0]) > 0).astype("float32")
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(inputs))
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy")
    return model, x, y


def test_sweep_restores_the_model_and_suggests_a_rate():
    model, x, y = model_and_data()
    model.fit(x, y, epochs=1, verbose=0)  # optimizer state exists before the sweep
    weights = [w.copy() for w in model.get_weights()]
    state = [np.array(v) for v in model.optimizer.variables]
    finder = find_lr(model, x, y, batch_size=16, min_lr=1e-4, max_lr=10.0, steps=60)
    assert finder.lrs[0] == pytest.approx(1e-4)
    assert all(b > a for a, b in zip(finder.lrs, finder.lrs[1:]))  # exponential sweep
    assert 1e-4 < finder.suggestion < 10.0
    for before, after in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(before, after)
    for before, after in zip(state, model.optimizer.variables):
        np.testing.assert_array_equal(before, np.array(after))
    assert float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)) == pytest.approx(0.01)


def test_stops_when_the_loss_explodes():
    model, x, y = model_and_data()
    finder = find_lr(model, x, y, batch_size=16, min_lr=1e-3, max_lr=1e6, steps=200)
    assert len(finder.lrs) < 200
    assert max(finder.losses) > 4 * min(finder.losses) or not np.isfinite(finder.losses[-1])


def test_plot_shows_loss_against_lr_and_the_suggestion():
    model, x, y = model_and_data()
    finder = find_lr(model, x, y, batch_size=16, min_lr=1e-4, max_lr=10.0, steps=40)
    ax = finder.plot().axes[0]
    curve, marker = ax.get_lines()
    np.testing.assert_allclose(curve.get_xdata(), finder.lrs)
    np.testing.assert_allclose(curve.get_ydata(), finder.losses)
    assert marker.get_xdata()[0] == pytest.approx(finder.suggestion)
    assert ax.get_xscale() == "log" and ax.get_xlabel() == "learning rate"


def test_bad_range():
    with pytest.raises(ValueError, match="min_lr < max_lr"):
        LRFinder(min_lr=1.0, max_lr=0.1)
