"""A progress bar that never waits for the accelerator."""

import sys

import keras


def _interactive():
    """Whether standard output is a terminal or a notebook's output area."""
    return "ipykernel" in sys.modules or (hasattr(sys.stdout, "isatty") and sys.stdout.isatty())


class Progress(keras.callbacks.Callback):
    """Per-epoch progress bar: steps dispatched during the epoch, all metrics at its end.

    Keras' own progress bar shows the running loss after every batch, which makes the host
    read it from the device at every step (and turns off asynchronous dispatch for all
    callbacks). This bar moves when a call starts (`on_train_batch_begin`, which carries no
    values) and shows the loss, metrics and validation scores when the epoch ends. Use it with
    `fit(verbose=0)` so Keras adds no bar of its own.

    Args:
        verbose: 1 for a bar that moves within the epoch (one line per epoch when standard
            output is not a terminal or a notebook), 2 for one line per epoch, 0 for nothing.

    Example:

    ```python
    model.fit(x, y, epochs=5, verbose=0, callbacks=[Progress()])
    ```
    """

    def __init__(self, verbose=1):
        super().__init__()
        # A bar redraws itself with carriage returns and colours, which only a terminal or a
        # notebook shows as intended: into a file or a pipe it writes one line per epoch.
        self.verbose = 2 if verbose == 1 and not _interactive() else verbose
        self._bar = None

    def on_epoch_begin(self, epoch, logs=None):
        if not self.verbose:
            return
        steps = (self.params or {}).get("steps")
        epochs = (self.params or {}).get("epochs")
        if self.verbose == 1:
            print(f"Epoch {epoch + 1}/{epochs}" if epochs else f"Epoch {epoch + 1}")
        # Values are given once, with `finalize`, which every Keras 3 release shows as given
        # (epoch means from Keras), not averaged again.
        self._bar = keras.utils.Progbar(target=steps, verbose=1 if self.verbose == 1 else 0)
        self._seen = 0

    def on_train_batch_begin(self, batch, logs=None):
        if self._bar is not None and batch:
            self._seen = batch
            self._bar.update(batch)  # steps dispatched so far; no value is read

    def on_epoch_end(self, epoch, logs=None):
        if not self.verbose or self._bar is None:
            return
        values = [(k, float(v)) for k, v in (logs or {}).items() if k != "learning_rate"]
        if self.verbose == 1:
            steps = (self.params or {}).get("steps") or self._seen + 1
            self._bar.update(steps, values=values, finalize=True)
        else:
            epochs = (self.params or {}).get("epochs")
            shown = " - ".join(f"{k}: {v:.4f}" for k, v in values)
            print(f"Epoch {epoch + 1}/{epochs} - {shown}")
        self._bar = None
