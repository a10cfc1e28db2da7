"""Early stopping that says when it stopped and which epoch's weights it kept."""

import keras


class EarlyStopping(keras.callbacks.EarlyStopping):
    """`keras.callbacks.EarlyStopping` on `val_loss` with the best weights restored, and a word
    about it.

    At the end of `fit` it prints one line (with `verbose`) such as "early stopping: val_loss
    did not improve for 5 epochs; stopped after epoch 17 of 30 and kept the weights of epoch 12
    (val_loss 0.0712)"; `summary()` gives the same as a dict for `metrics.json` and the report.

    Args:
        patience: epochs without a better `val_loss` before stopping.
        verbose: print the line at the end of `fit`.

    Example:

    ```python
    stopper = EarlyStopping(patience=5)
    model.fit(x, y, validation_split=0.1, epochs=30, callbacks=[stopper])
    stopper.summary()   # {'monitor': 'val_loss', 'stopped_after_epoch': 17, 'kept_epoch': 12, ...}
    ```
    """

    def __init__(self, patience, verbose=1):
        super().__init__(monitor="val_loss", patience=patience, restore_best_weights=True)
        self.say = verbose
        self._last_epoch = None

    def on_epoch_end(self, epoch, logs=None):
        super().on_epoch_end(epoch, logs)
        self._last_epoch = epoch

    def on_train_end(self, logs=None):
        super().on_train_end(logs)
        message = self.message()
        if message and self.say:
            print(message, flush=True)

    def summary(self):
        """`None` before any epoch with `val_loss`, else what was kept and when it stopped."""
        if self.best_weights is None or self.best_epoch is None:
            return None
        return {"monitor": self.monitor, "patience": self.patience,
                "stopped_after_epoch": self.stopped_epoch + 1 if self.stopped_epoch else None,
                "kept_epoch": self.best_epoch + 1, "best": float(self.best)}

    def message(self):
        """One line about what early stopping did, or None when it kept the last epoch."""
        summary = self.summary()
        if summary is None:
            return None
        kept = (f"the weights of epoch {summary['kept_epoch']} ({self.monitor} "
                f"{summary['best']:.4f})")
        if summary["stopped_after_epoch"]:
            epochs = (self.params or {}).get("epochs")
            return (f"early stopping: {self.monitor} did not improve for {self.patience} "
                    f"epochs; stopped after epoch {summary['stopped_after_epoch']}"
                    + (f" of {epochs}" if epochs else "") + f" and kept {kept}")
        if self._last_epoch is not None and summary["kept_epoch"] != self._last_epoch + 1:
            return f"early stopping: kept {kept}, the best of the run"
        return None
