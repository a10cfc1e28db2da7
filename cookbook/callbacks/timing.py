"""Measures fit time and throughput."""

import time

import keras


class Timing(keras.callbacks.Callback):
    """Wall time of training (excluding validation) and training samples per second.

    Args:
        batch_size: examples per step, to turn steps into samples.
        samples_per_epoch: examples in one epoch, if known (the last batch may be smaller).

    After training: `fit_seconds` (whole `fit` call), `train_seconds` (training batches only),
    `samples` (examples trained on) and `samples_per_second`.

    Example:

    ```python
    timing = Timing(batch_size=64)
    model.fit(x, y, batch_size=64, callbacks=[timing])
    print(timing.samples_per_second)
    ```
    """

    def __init__(self, batch_size, samples_per_epoch=None):
        super().__init__()
        self.batch_size = batch_size
        self.samples_per_epoch = samples_per_epoch
        self.fit_seconds = 0.0
        self.train_seconds = 0.0
        self.samples = 0

    def on_train_begin(self, logs=None):
        self._fit_start = time.perf_counter()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = time.perf_counter()
        self._steps = 0

    def on_train_batch_end(self, batch, logs=None):
        if self.params and self.params.get("steps"):  # the last call of an epoch may run fewer
            batch = min(batch, self.params["steps"] - 1)
        self._steps = batch + 1
        self._last_batch_end = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if self._steps:
            self.train_seconds += self._last_batch_end - self._epoch_start
            samples = self._steps * self.batch_size
            if self.samples_per_epoch:
                samples = min(samples, self.samples_per_epoch)
            self.samples += samples

    def on_train_end(self, logs=None):
        self.fit_seconds = time.perf_counter() - self._fit_start

    @property
    def samples_per_second(self):
        return self.samples / self.train_seconds if self.train_seconds else 0.0
