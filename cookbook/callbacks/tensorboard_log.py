"""TensorBoard event files of a run, written once per epoch, on every backend."""

import os
import time

import keras

TENSORBOARD_HINT = 'pip install "cookbook[tensorboard]"'


class TensorBoardLog(keras.callbacks.Callback):
    """Writes each epoch's logs as TensorBoard scalars under `log_dir/train` and
    `log_dir/validation`, the layout and tags of `keras.callbacks.TensorBoard`: `epoch_loss`,
    `epoch_accuracy`, ... (a `val_` metric goes to `validation` without its prefix) and
    `epoch_learning_rate` (the optimizer's, read once per epoch when the logs lack it), at
    step = the epoch (from 0).

    Unlike `keras.callbacks.TensorBoard`, it needs no TensorFlow (the event files are written with
    the `tensorboard` package alone, as PyTorch's `SummaryWriter` does), so JAX and PyTorch runs
    have logs too, and it reads nothing per batch: the values are those of the epoch's logs,
    the same numbers `history.csv` holds. The model graph is not written (it needs TensorFlow's
    tracing on every backend). A resumed run appends to the same folders.

    Args:
        log_dir: the folder `tensorboard --logdir` is pointed at (or a parent of it).
        verbose: print one line, once, when the `tensorboard` package is missing (no logs then).

    Example:

    ```python
    model.fit(x, y, epochs=5, callbacks=[TensorBoardLog("runs/mnist/logs")])
    # tensorboard --logdir runs/
    ```
    """

    def __init__(self, log_dir, verbose=1):
        super().__init__()
        self.log_dir = log_dir
        self.verbose = verbose
        self._writers = {}
        self._proto = None

    def on_train_begin(self, logs=None):
        try:
            from tensorboard.compat.proto.event_pb2 import Event
            from tensorboard.compat.proto.summary_pb2 import Summary
            from tensorboard.summary.writer.event_file_writer import EventFileWriter
        except ImportError:
            if self.verbose:
                print(f"no TensorBoard logs: the tensorboard package is not installed "
                      f"({TENSORBOARD_HINT})", flush=True)
            return
        self._proto = (Event, Summary, EventFileWriter)

    def on_epoch_end(self, epoch, logs=None):
        if self._proto is None:
            return
        Event, Summary, _ = self._proto
        values = {"train": [], "validation": []}
        logs = dict(logs or {})
        if "learning_rate" not in logs and getattr(self.model, "optimizer", None) is not None:
            # One read per epoch (a schedule's value at this step), as Keras' TensorBoard does.
            logs["learning_rate"] = keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)
        for key, value in logs.items():
            try:
                value = float(value)
            except (TypeError, ValueError):
                continue  # not a scalar
            split = "validation" if key.startswith("val_") else "train"
            tag = "epoch_" + key.removeprefix("val_")
            values[split].append(Summary.Value(tag=tag, simple_value=value))
        now = time.time()
        for split, summary in values.items():
            if summary:
                writer = self._writer(split)
                writer.add_event(Event(wall_time=now, step=epoch,
                                       summary=Summary(value=summary)))
                writer.flush()  # once per epoch: a crash loses no finished epoch

    def on_train_end(self, logs=None):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    def _writer(self, split):
        if split not in self._writers:
            EventFileWriter = self._proto[2]
            folder = os.path.join(self.log_dir, split)
            os.makedirs(folder, exist_ok=True)
            self._writers[split] = EventFileWriter(folder)
        return self._writers[split]
