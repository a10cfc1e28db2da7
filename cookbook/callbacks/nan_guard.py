"""Stops training when the loss becomes NaN or infinite, and remembers where."""

import math

import keras


class NaNGuard(keras.callbacks.Callback):
    """Like `keras.callbacks.TerminateOnNaN`, but keeps the epoch and batch for the message.

    After training, `message` is `None` or says where the loss diverged and what to try.

    Example:

    ```python
    guard = NaNGuard()
    model.fit(x, y, callbacks=[guard])
    if guard.message:
        raise RuntimeError(guard.message)
    ```
    """

    def __init__(self):
        super().__init__()
        self.message = None
        self._epoch = 0
        self._batches_done = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        self._batches_done = 0

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        self._batches_done = batch + 1
        if loss is not None and not math.isfinite(float(loss)):
            self.message = self.diverged_message(f"the training loss became {float(loss)}",
                                                 batch=batch + 1)
            self.model.stop_training = True

    def diverged_message(self, what, batch=None):
        """Says that `what` happened at the current epoch and `batch` (1-based; default: the
        batch after the last finished one), and what to try."""
        batch = batch or self._batches_done + 1
        return (f"{what} at epoch {self._epoch + 1}, batch {batch}; training stopped. Try a "
                "smaller model.learning_rate, or check the data for NaN or huge values")
