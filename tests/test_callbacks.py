import keras
import numpy as np

from cookbook.callbacks import EpochBackup, NaNGuard, Progress


def tiny_model(learning_rate):
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    model.compile(optimizer=keras.optimizers.SGD(learning_rate), loss="mse")
    return model


def is_default(method):
    return getattr(method, "_is_default", False)


def test_nothing_here_reads_every_batch():
    """A callback with its own on_train_batch_end makes Keras read the logs after every batch."""
    for callback in (NaNGuard(), Progress(), EpochBackup("unused")):
        assert is_default(callback.on_train_batch_end) and is_default(callback.on_batch_end)
    # Keras' own backup does define it (what EpochBackup is for).
    assert not is_default(keras.callbacks.BackupAndRestore("unused").on_train_batch_end)


def test_progress_shows_each_epoch_with_its_metrics(capsys):
    x, y = np.ones((10, 3), "float32"), np.ones((10,), "float32")
    tiny_model(0.01).fit(x, y, batch_size=4, epochs=2, verbose=0, validation_data=(x, y),
                         callbacks=[Progress(verbose=2)])
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and lines[1].startswith("Epoch 2/2 - loss: ")
    assert "val_loss: " in lines[1]


def test_progress_bar_in_a_terminal_and_plain_lines_elsewhere(capsys, monkeypatch):
    from cookbook.callbacks import progress

    x, y = np.ones((10, 3), "float32"), np.ones((10,), "float32")
    monkeypatch.setattr(progress, "_interactive", lambda: True)
    history = tiny_model(0.01).fit(x, y, batch_size=4, epochs=1, verbose=0,
                                   callbacks=[Progress()])
    out = capsys.readouterr().out
    loss = history.history["loss"][0]
    # the epoch's value as Keras gives it, not averaged again by the bar
    assert out.startswith("Epoch 1/1") and "3/3" in out and f"loss: {loss:.4f}" in out
    monkeypatch.setattr(progress, "_interactive", lambda: False)  # a file, a pipe, CI's log
    history = tiny_model(0.01).fit(x, y, batch_size=4, epochs=2, verbose=0,
                                   callbacks=[Progress()])
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"Epoch {i + 1}/2 - loss: {loss:.4f}"
                     for i, loss in enumerate(history.history["loss"])]


def test_epoch_backup_resumes_from_the_last_finished_epoch(tmp_path):
    class Interrupt(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise KeyboardInterrupt

    x, y = np.ones((8, 3), "float32"), np.ones((8,), "float32")
    backup = str(tmp_path / "backup")
    try:
        tiny_model(0.01).fit(x, y, epochs=4, verbose=0,
                             callbacks=[EpochBackup(backup), Interrupt()])
    except KeyboardInterrupt:
        pass
    history = tiny_model(0.01).fit(x, y, epochs=4, verbose=0, callbacks=[EpochBackup(backup)])
    assert len(history.history["loss"]) == 2  # epochs 3 and 4; 1 and 2 were restored


def test_nan_guard_stops_and_says_where():
    x, y = np.full((8, 3), 1e20, "float32"), np.ones((8,), "float32")
    guard = NaNGuard()
    history = tiny_model(1e10).fit(x, y, batch_size=2, epochs=5, verbose=0, callbacks=[guard])
    assert guard.message.startswith("the training loss became")
    assert "in epoch 1;" in guard.message and "learning_rate" in guard.message
    assert len(history.history["loss"]) == 1  # stopped after the first epoch


def test_nan_guard_is_silent_on_a_healthy_run():
    guard = NaNGuard()
    tiny_model(0.01).fit(np.ones((4, 3)), np.ones(4), epochs=1, verbose=0, callbacks=[guard])
    assert guard.message is None


def test_early_stopping_says_when_it_stopped_and_what_it_kept(capsys):
    from cookbook.callbacks import EarlyStopping

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    stopper = EarlyStopping(patience=2)
    stopper.set_model(model)
    stopper.set_params({"epochs": 30})
    stopper.on_train_begin()
    for epoch, val_loss in enumerate([1.0, 0.5, 0.6, 0.7, 0.4]):
        stopper.on_epoch_end(epoch, {"loss": 1.0, "val_loss": val_loss})
        if getattr(model, "stop_training", False):
            break
    stopper.on_train_end()
    assert stopper.summary() == {"monitor": "val_loss", "patience": 2, "stopped_after_epoch": 4,
                                 "kept_epoch": 2, "best": 0.5}
    assert capsys.readouterr().out.strip() == (
        "early stopping: val_loss did not improve for 2 epochs; stopped after epoch 4 of 30 and "
        "kept the weights of epoch 2 (val_loss 0.5000)")


def test_early_stopping_is_quiet_when_the_last_epoch_was_the_best(capsys):
    from cookbook.callbacks import EarlyStopping

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    stopper = EarlyStopping(patience=2)
    stopper.set_model(model)
    stopper.on_train_begin()
    for epoch, val_loss in enumerate([1.0, 0.5]):
        stopper.on_epoch_end(epoch, {"val_loss": val_loss})
    stopper.on_train_end()
    assert stopper.message() is None and capsys.readouterr().out == ""
    assert stopper.summary()["stopped_after_epoch"] is None
