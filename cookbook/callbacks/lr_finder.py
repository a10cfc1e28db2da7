"""A learning-rate range test: which learning rate makes the loss fall fastest."""

import math

import keras
import numpy as np


class LRFinder(keras.callbacks.Callback):
    """Sweeps the learning rate exponentially over a short run, then puts everything back.

    For `steps` batches the learning rate grows from `min_lr` to `max_lr`; the run stops early
    once the smoothed loss exceeds `stop_factor` times its best. Afterwards the model's weights,
    the optimizer's state and its learning rate are restored, so the model is as before.
    `suggestion` is the learning rate where the smoothed loss falls fastest (steepest descent
    against log learning rate). Use `find_lr` to run it.

    Args:
        min_lr: first learning rate.
        max_lr: last learning rate.
        steps: batches over which to sweep.
        stop_factor: stop when the smoothed loss passes this multiple of the best loss.
        smoothing: exponential smoothing of the loss (0: none).

    Example:

    ```python
    finder = find_lr(model, x_train, y_train, batch_size=64)
    finder.suggestion, finder.plot()
    ```
    """

    def __init__(self, min_lr=1e-6, max_lr=1.0, steps=100, stop_factor=4.0, smoothing=0.9):
        super().__init__()
        if not 0 < min_lr < max_lr:
            raise ValueError(f"need 0 < min_lr < max_lr, got {min_lr} and {max_lr}")
        self.min_lr, self.max_lr, self.steps = min_lr, max_lr, steps
        self.stop_factor, self.smoothing = stop_factor, smoothing
        self.lrs, self.losses = [], []

    def on_train_begin(self, logs=None):
        optimizer = self.model.optimizer
        self._weights = [w.copy() for w in self.model.get_weights()]
        self._optimizer_state = ([np.array(v) for v in optimizer.variables]
                                 if optimizer.built else None)
        self._lr = float(keras.ops.convert_to_numpy(optimizer.learning_rate))
        self._factor = (self.max_lr / self.min_lr) ** (1.0 / max(self.steps - 1, 1))
        self._avg, self._best = 0.0, math.inf
        self.lrs, self.losses = [], []
        optimizer.learning_rate = self.min_lr

    def on_train_batch_end(self, batch, logs=None):
        step = len(self.lrs)
        loss = float((logs or {})["loss"])
        self._avg = self.smoothing * self._avg + (1 - self.smoothing) * loss
        smoothed = self._avg / (1 - self.smoothing ** (step + 1))
        self.lrs.append(self.min_lr * self._factor ** step)
        self.losses.append(smoothed)
        self._best = min(self._best, smoothed)
        if (step + 1 >= self.steps or not math.isfinite(smoothed)
                or smoothed > self.stop_factor * self._best):
            self.model.stop_training = True
            return
        self.model.optimizer.learning_rate = self.min_lr * self._factor ** (step + 1)

    def on_train_end(self, logs=None):
        optimizer = self.model.optimizer
        self.model.set_weights(self._weights)
        for variable, value in zip(optimizer.variables, self._optimizer_state or []):
            variable.assign(value)
        if self._optimizer_state is None:  # not built before: back to a fresh state
            for variable in optimizer.variables:
                variable.assign(keras.ops.zeros(variable.shape, variable.dtype))
        optimizer.learning_rate = self._lr

    @property
    def suggestion(self):
        """Learning rate of the steepest fall of the smoothed loss, or None if too few steps."""
        losses = np.array(self.losses)
        finite = np.isfinite(losses)
        if finite.sum() < 5:
            return None
        log_lrs = np.log10(np.array(self.lrs))[finite]
        slopes = np.gradient(losses[finite], log_lrs)
        # Skip the first steps, where the smoothing has not settled.
        start = min(len(slopes) // 10, len(slopes) - 1)
        return float(10 ** log_lrs[start + int(np.argmin(slopes[start:]))])

    def plot(self):
        """The loss against the learning rate, with the suggestion marked."""
        from cookbook.plotting import plot_lr_finder

        return plot_lr_finder(self.lrs, self.losses, self.suggestion)


def find_lr(model, x, y=None, *, batch_size=64, min_lr=1e-6, max_lr=1.0, steps=100,
            verbose=0):
    """Run an `LRFinder` over `steps` batches of `(x, y)`; the model is left as it was.

    Args:
        x: training inputs, or a `keras.utils.PyDataset` of batches (its own batch size).
        y: training labels; None when `x` is a `PyDataset`.

    Returns:
        The `LRFinder`, with `lrs`, `losses`, `suggestion` and `plot()`.
    """
    finder = LRFinder(min_lr=min_lr, max_lr=max_lr, steps=steps)
    if y is None:
        steps_per_epoch, batching = max(len(x), 1), {"shuffle": False}
    else:
        steps_per_epoch = max(math.ceil(len(x) / batch_size), 1)
        batching = {"batch_size": batch_size}
    model.fit(x, y, epochs=math.ceil(steps / steps_per_epoch), verbose=verbose,
              callbacks=[finder], **batching)
    return finder
