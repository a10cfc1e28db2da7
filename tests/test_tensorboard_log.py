"""TensorBoardLog: every run's event files hold one point per epoch, equal to history.csv."""

import builtins
import os

import keras
import numpy as np
import pytest

import cookbook
from cookbook.callbacks import TensorBoardLog
from cookbook.run_dir import HISTORY_FILE, LOGS_DIR, read_history

event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")


def scalars(folder):
    """`{tag: [(step, value), ...]}` read back from the event files in `folder`."""
    acc = event_accumulator.EventAccumulator(folder, size_guidance={"scalars": 0})
    acc.Reload()
    return {tag: [(e.step, e.value) for e in acc.Scalars(tag)] for tag in acc.Tags()["scalars"]}


def test_a_run_logs_each_epoch_as_in_history_csv(tmp_path):
    out = str(tmp_path / "run")
    cookbook.train("logistic_regression", out=out, verbose=0,
                   overrides={"data.source": "sklearn", "fit.epochs": 3})
    history = read_history(os.path.join(out, HISTORY_FILE))
    train = scalars(os.path.join(out, LOGS_DIR, "train"))
    validation = scalars(os.path.join(out, LOGS_DIR, "validation"))
    assert {"epoch_loss", "epoch_accuracy", "epoch_learning_rate"} <= set(train)
    assert {"epoch_loss", "epoch_accuracy"} <= set(validation)
    for key, values in history.items():
        logged = validation if key.startswith("val_") else train
        points = logged["epoch_" + key.removeprefix("val_")]
        assert [step for step, _ in points] == [0, 1, 2]  # one point per epoch
        np.testing.assert_allclose([v for _, v in points], values, rtol=1e-6)


def test_without_tensorboard_one_line_says_what_to_install(tmp_path, monkeypatch, capsys):
    real_import = builtins.__import__

    def no_tensorboard(name, *args, **kwargs):
        if name.startswith("tensorboard"):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tensorboard)
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((8, 3)), np.ones(8), epochs=2, verbose=0,
              callbacks=[TensorBoardLog(str(tmp_path / "logs"))])
    assert capsys.readouterr().out.splitlines() == [
        'no TensorBoard logs: the tensorboard package is not installed (pip install '
        '"cookbook[tensorboard]")']
    assert not (tmp_path / "logs").exists()
