"""Stops training when the loss becomes NaN or infinite, and remembers where."""

import math

import keras


class NaNGuard(keras.callbacks.Callback):
    """Like `keras.callbacks.TerminateOnNaN`, but checked once per epoch and with a message.

    The epoch's mean training loss is NaN or infinite as soon as one batch's loss was, so one
    check at the end of each epoch catches every divergence without reading the loss after
    every batch (a per-batch read makes the host wait for the accelerator at every step).
    After training, `message` is `None` or says in which epoch the loss diverged and what to
    try.

    Example:

    ```python
    guard = NaNGuard()
    model.fit(x, y, epochs=10, callbacks=[guard])
    if guard.message:
        raise RuntimeError(guard.message)
    ```
    """

    def __init__(self):
        super().__init__()
        self.message = None
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            self.message = self.diverged_message(f"the training loss became {float(loss)}")
            self.model.stop_training = True

    def diverged_message(self, what):
        """Says that `what` happened in the current epoch, and what to try."""
        return (f"{what} in epoch {self._epoch + 1}; training stopped. Try a smaller "
                "model.learning_rate, or check the data for NaN or huge values")
