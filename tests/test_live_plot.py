import keras
import numpy as np

from cookbook.callbacks import LivePlot
from cookbook.callbacks import live_plot


def fit(callback, epochs=3):
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    x, y = np.random.default_rng(0).normal(size=(32, 3)), np.zeros(32)
    return model.fit(x, y, validation_split=0.25, epochs=epochs, verbose=0, callbacks=[callback])


def test_writes_png_with_the_curves_outside_a_notebook(tmp_path):
    path = tmp_path / "live.png"
    history = fit(LivePlot(str(path), title="run"), epochs=3)
    assert path.exists() and path.stat().st_size > 0


def test_plotted_data_is_the_history():
    plot = LivePlot()
    history = fit(plot, epochs=3).history
    loss_ax = next(ax for ax in plot.figure.axes if ax.get_title() == "loss")
    train, val = loss_ax.get_lines()
    np.testing.assert_allclose(train.get_ydata(), history["loss"], rtol=1e-6)
    np.testing.assert_allclose(val.get_ydata(), history["val_loss"], rtol=1e-6)
    assert list(train.get_xdata()) == [1, 2, 3]


def test_updates_one_display_in_a_notebook(monkeypatch):
    shown, updates = [], []

    class Handle:
        def update(self, fig):
            updates.append(fig)

    def display(fig, display_id=None):
        shown.append(fig)
        return Handle()

    import IPython.display

    monkeypatch.setattr(live_plot, "in_notebook", lambda: True)
    monkeypatch.setattr(IPython.display, "display", display)
    fit(LivePlot(), epochs=4)
    assert len(shown) == 1 and len(updates) == 3  # one output, redrawn in place
    assert all(isinstance(i, IPython.display.Image) and i.data.startswith(b"\x89PNG")
               for i in shown + updates)
