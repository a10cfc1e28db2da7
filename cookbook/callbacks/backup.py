"""Saves the training state at the end of every epoch, so a killed run resumes there."""

import json
import math
import os
import random
import time

import keras
import numpy as np

from cookbook import atomic


class EpochBackup(keras.callbacks.BackupAndRestore):
    """`keras.callbacks.BackupAndRestore` at epoch ends, with the random state and the time.

    Keras' callback saves the weights, the optimizer and the epoch. This one also saves the
    random state (Python's and NumPy's generators, the seed generators of layers such as
    `Dropout`, and PyTorch's generators on the torch backend) and the seconds trained so far, and restores them on resume, so a resumed run
    draws the same random numbers as an uninterrupted one and its fit time covers every part.

    An epoch whose training loss is NaN or infinite is not backed up, and when training stops
    that way the backup of the last good epoch is kept (`diverged` is then True): its weights
    load with `model.load_weights(EpochBackup.weights_path(backup_dir))`.

    Keras' callback defines `on_train_batch_end` even when it saves once per epoch, and any
    callback with that method (unless it declares itself `async_safe`) makes Keras read the
    logs after every batch. This one inherits the no-op of `keras.callbacks.Callback` instead,
    so it costs nothing per batch.

    Args:
        backup_dir: folder for the backup; a `fit` started again with the same folder resumes
            from the last finished epoch.
        stateful: callbacks whose state between epochs is saved too and restored on resume
            (`EarlyStopping`'s and `ReduceLROnPlateau`'s counters, best value and best
            weights), so a resumed run stops and lowers its rate as the uninterrupted one.
            Give this callback after them in `fit`'s list: it saves once they have seen the
            epoch, and restores once they have reset themselves.
        delete_checkpoint: remove the backup when `fit` ends (unless the loss diverged).
        write: False in the processes of a multi-process run other than the chief: they resume
            from the chief's backup (on storage every process sees) and never write it. They
            still read the same state at each epoch end, into a scratch folder of their own
            that is removed at the end: reading a multi-process model's weights is a step
            every process must take together.

    After `fit`: `previous_seconds` (seconds spent in `fit` by the earlier parts) and `parts` (how many
    `fit` calls the run took).

    Example:

    ```python
    backup = EpochBackup("runs/m/backup")
    model.fit(x, y, epochs=20, callbacks=[backup])
    backup.previous_seconds + seconds_of_this_fit
    ```
    """

    STATE_FILE = "run_state.json"

    CALLBACKS_WEIGHTS_FILE = "callbacks.weights.npz"

    def __init__(self, backup_dir, delete_checkpoint=True, write=True, stateful=()):
        super().__init__(backup_dir, save_freq="epoch", delete_checkpoint=delete_checkpoint)
        self.write = write
        self.stateful = list(stateful)
        self._scratch = None
        self.previous_seconds = 0.0
        self.parts = 1
        self.diverged = False
        self._start = None

    on_train_batch_end = keras.callbacks.Callback.on_train_batch_end

    @staticmethod
    def weights_path(backup_dir):
        """Where the weights of the last backed-up epoch are."""
        return os.path.join(backup_dir, "latest.weights.h5")

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        self._start = time.perf_counter()
        state = self._read_state()
        if state is None:
            return
        self.previous_seconds = float(state["seconds"])
        self.parts = int(state["parts"]) + 1
        random.setstate(_to_tuple(state["python_random"]))
        kind, keys, pos, has_gauss, cached = state["numpy_random"]
        np.random.set_state((kind, np.asarray(keys, np.uint32), pos, has_gauss, cached))
        for variable, value in zip(_seed_states(self.model), state["seed_generators"]):
            variable.assign(np.asarray(value, dtype=variable.dtype))
        if state.get("torch_random"):
            _set_torch_random(state["torch_random"])
        self._restore_callbacks(state.get("callbacks"))

    def on_epoch_end(self, epoch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            self.diverged = True  # keep the last good epoch's backup as it is
            return
        if not self.write:
            self._read_alongside_chief()
            return
        super().on_epoch_end(epoch, logs)
        self._write_state()

    def on_train_end(self, logs=None):
        if not self.write:
            if self._scratch is not None:
                self._scratch.cleanup()
            return
        if not self.diverged:
            super().on_train_end(logs)

    def _read_alongside_chief(self):
        import tempfile

        if self._scratch is None:
            self._scratch = tempfile.TemporaryDirectory(prefix="cookbook-backup-")
        self.model.save_weights(os.path.join(self._scratch.name, "latest.weights.h5"))
        self._state()

    def seconds(self):
        """Seconds spent in `fit` by every part of the run so far."""
        now = time.perf_counter() - self._start if self._start is not None else 0.0
        return self.previous_seconds + now

    def _read_state(self):
        try:
            with open(os.path.join(self.backup_dir, self.STATE_FILE), encoding="utf-8") as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def _write_state(self):
        arrays = [getattr(cb, "best_weights", None) for cb in self.stateful]
        if any(a is not None for a in arrays):  # before the state that points to them
            path = os.path.join(self.backup_dir, self.CALLBACKS_WEIGHTS_FILE)
            with atomic.atomic_path(path) as tmp:
                with open(tmp, "wb") as f:
                    np.savez(f, **{f"{i}_{j}": w for i, ws in enumerate(arrays) if ws is not None
                                   for j, w in enumerate(ws)})
        atomic.write_text(os.path.join(self.backup_dir, self.STATE_FILE),
                          json.dumps(self._state()))

    def _restore_callbacks(self, saved):
        """Put back the counters and best values (and best weights) of `stateful`, saved with
        the epoch; a backup written without them (an earlier cookbook) leaves them as new."""
        if not saved or len(saved) != len(self.stateful):
            return
        path = os.path.join(self.backup_dir, self.CALLBACKS_WEIGHTS_FILE)
        arrays = dict(np.load(path)) if os.path.exists(path) else {}
        for i, (callback, values) in enumerate(zip(self.stateful, saved)):
            for name, value in values.items():
                setattr(callback, name, value)
            if hasattr(callback, "best_weights"):
                kept = sorted((k for k in arrays if k.startswith(f"{i}_")),
                              key=lambda k: int(k.split("_")[1]))
                callback.best_weights = [arrays[k] for k in kept] or None

    def _state(self):
        kind, keys, pos, has_gauss, cached = np.random.get_state()
        return {
            "seconds": self.seconds(),
            "parts": self.parts,
            "python_random": random.getstate(),
            "numpy_random": [kind, keys.tolist(), int(pos), int(has_gauss), float(cached)],
            "seed_generators": [keras.ops.convert_to_numpy(v).tolist()
                                for v in _seed_states(self.model)],
            "torch_random": _torch_random(),
            "callbacks": [{name: _plain(getattr(cb, name)) for name in CALLBACK_STATE
                           if hasattr(cb, name)} for cb in self.stateful],
        }


# What `keras.callbacks.EarlyStopping` and `ReduceLROnPlateau` count and remember between
# epochs (their public attributes); their best weights are saved beside them. The learning rate
# itself is in the optimizer, which Keras' backup saves.
CALLBACK_STATE = ("wait", "best", "best_epoch", "stopped_epoch", "cooldown_counter",
                  "_last_epoch")


def _plain(value):
    """A callback's counter or best value as JSON takes it (NumPy scalars as Python's)."""
    return value.item() if isinstance(value, np.generic) else value


def _seed_states(model):
    """The model's random state: variables beyond its weights (seed generators' counters)."""
    weights = {id(v) for v in model.weights}
    return [v for v in model.variables if id(v) not in weights]


def _torch_random():
    """PyTorch's global generators (CPU and each GPU) as lists of bytes, on the torch backend:
    Keras' `Dropout` without a seed draws from them there."""
    if keras.backend.backend() != "torch":
        return None
    import torch

    states = {"cpu": torch.get_rng_state().tolist()}
    if torch.cuda.is_available():
        states["cuda"] = [s.tolist() for s in torch.cuda.get_rng_state_all()]
    return states


def _set_torch_random(states):
    import torch

    torch.set_rng_state(torch.tensor(states["cpu"], dtype=torch.uint8))
    if states.get("cuda") and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([torch.tensor(s, dtype=torch.uint8) for s in states["cuda"]])


def _to_tuple(value):
    """JSON lists back into the nested tuples `random.setstate` takes."""
    return tuple(_to_tuple(v) for v in value) if isinstance(value, list) else value
