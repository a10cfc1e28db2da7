"""Reports the devices a model trained on, its steady throughput, fit time and peak memory."""

import time

import keras

from cookbook import devices as devices_lib


class DeviceReport(keras.callbacks.Callback):
    """Devices in use, fit time, steady training throughput and peak memory of a `fit`.

    Steady throughput is training samples per second once the step is compiled and warm: the
    first call of the fit (tracing and compilation included) is timed on its own; with two
    epochs or more the first epoch is left out too (the last, smaller batch of an epoch compiles
    once more, and the first runs warm up the device); validation and other end-of-epoch work
    are never counted. The callback does no per-batch work that waits for the
    device: it notes the time when a call starts (`on_train_batch_begin` gets no values to
    read) and waits for the device once per epoch, when the training steps end. So it keeps
    Keras' asynchronous dispatch on (a callback with `on_train_batch_end` turns it off), and
    with `steps_per_execution=N` each call counts as the N steps it ran.

    Args:
        batch_size: examples per step, to turn steps into samples.
        samples_per_epoch: examples in one epoch, if known (the last batch may be smaller).
        verbose: print a summary line at the end of training.

    After training: `fit_seconds` (the whole `fit`), `train_seconds` (training steps only,
    compilation included), `samples_per_second` (steady), `first_call_seconds`,
    `step_seconds`, and `summary()`, a JSON-ready dict.

    Example:

    ```python
    report = DeviceReport(batch_size=128, samples_per_epoch=len(x))
    model.fit(x, y, batch_size=128, epochs=3, callbacks=[report])
    report.samples_per_second, report.summary()["peak_memory_mib"]
    ```
    """

    def __init__(self, batch_size, samples_per_epoch=None, verbose=1):
        super().__init__()
        self.batch_size = batch_size
        self.samples_per_epoch = samples_per_epoch
        self.verbose = verbose
        self.devices = []
        self.fit_seconds = 0.0
        self.train_seconds = 0.0
        self.first_call_seconds = None
        self.steps = 0
        self.calls = 0
        self.epochs = []  # per epoch: the training steps after compilation, their samples, seconds
        self.peak_memory = {}
        self.host_peak_memory = None
        self._in_epoch = False

    def on_train_begin(self, logs=None):
        self.devices = devices_lib.list_devices()
        devices_lib.reset_peak_memory(self.devices)
        self._fit_start = time.perf_counter()
        self._compiled = False
        self.epochs = []

    def on_epoch_begin(self, epoch, logs=None):
        self._in_epoch = True
        self._epoch_start = None  # time and step of the epoch's first call
        self._window = None  # where the steady window of this epoch starts: (time, step)
        self._last_call = 0

    def on_train_batch_begin(self, batch, logs=None):
        now = time.perf_counter()
        self.calls += 1
        self._last_call = batch
        if self._epoch_start is None:
            self._epoch_start = (now, batch)
            if self._compiled:
                self._window = (now, batch)
        elif not self._compiled:
            # The second call of the fit starts: the first (with compilation) was dispatched.
            self._compiled = True
            self.first_call_seconds = now - self._epoch_start[0]
            self._window = (now, batch)

    def on_test_begin(self, logs=None):
        self._end_of_training_steps()  # validation starts

    def on_epoch_end(self, epoch, logs=None):
        self._end_of_training_steps()  # no validation this epoch

    def on_train_end(self, logs=None):
        self.fit_seconds = time.perf_counter() - self._fit_start
        self.peak_memory = devices_lib.peak_memory(self.devices)
        self.host_peak_memory = devices_lib.host_peak_memory()
        if self.verbose:
            print(self.describe())

    def _end_of_training_steps(self):
        if not self._in_epoch or self._epoch_start is None:
            return
        self._in_epoch = False
        _wait_for_device(self.model)
        now = time.perf_counter()
        spe = max(int(getattr(self.model, "steps_per_execution", 1) or 1), 1)
        end = self._last_call + spe
        if self.params and self.params.get("steps"):  # the last call of an epoch may run fewer
            end = min(end, self.params["steps"])
        start_time, start_step = self._epoch_start
        self.steps += end - start_step
        self.train_seconds += now - start_time
        if not self._compiled:  # the epoch was a single call, compilation included
            self._compiled = True
            self.first_call_seconds = now - start_time
        elif self._window is not None:
            window_time, window_step = self._window
            self.epochs.append({"steps": end - window_step, "seconds": now - window_time,
                                "samples": self._samples(end) - self._samples(window_step)})

    def _samples(self, steps):
        samples = steps * self.batch_size
        return min(samples, self.samples_per_epoch) if self.samples_per_epoch else samples

    def _steady(self, key):
        epochs = self.epochs[1:] if len(self.epochs) > 1 else self.epochs
        return sum(e[key] for e in epochs)

    @property
    def steady_steps(self):
        """Training steps counted in the steady figures."""
        return self._steady("steps")

    @property
    def steady_seconds(self):
        return self._steady("seconds")

    @property
    def steady_samples(self):
        return self._steady("samples")

    @property
    def step_seconds(self):
        """Mean seconds per step after the first call (None before a steady step)."""
        return self.steady_seconds / self.steady_steps if self.steady_steps else None

    @property
    def samples_per_second(self):
        """Steady training samples per second (None before a steady step)."""
        return self.steady_samples / self.steady_seconds if self.steady_seconds else None

    def summary(self):
        """What was measured, as a JSON-ready dict."""
        model = self.model
        return {
            "backend": keras.backend.backend(),
            "devices": self.devices,
            "jit_compile": bool(getattr(model, "jit_compile", False)) if model else None,
            "steps_per_execution": getattr(model, "steps_per_execution", 1) if model else None,
            "steps": self.steps,
            "fit_seconds": round(self.fit_seconds, 3),
            "train_seconds": round(self.train_seconds, 3),
            "first_call_seconds": _round(self.first_call_seconds, 4),
            "step_seconds": _round(self.step_seconds, 6),
            "samples_per_second": _round(self.samples_per_second, 1),
            "peak_memory_mib": {k: _round(v / 2**20, 1) for k, v in self.peak_memory.items()},
            "host_peak_memory_mib": _round(self.host_peak_memory and self.host_peak_memory / 2**20,
                                           1),
        }

    def describe(self):
        """One line for people: devices, step time, throughput, memory."""
        used = devices_lib.accelerators(self.devices) or self.devices[:1]
        names = ", ".join(f"{d['name']} ({d['model']})" for d in used)
        parts = [f"devices: {names}"]
        if self.step_seconds is not None:
            parts.append(f"step {self.step_seconds * 1000:.2f} ms, "
                         f"{self.samples_per_second:.0f} samples/s")
        if self.first_call_seconds is not None:
            parts.append(f"first call {self.first_call_seconds:.2f} s (compilation included)")
        memory = [f"{k} {v / 2**30:.2f} GiB" for k, v in self.peak_memory.items()]
        if self.host_peak_memory:
            memory.append(f"host {self.host_peak_memory / 2**30:.2f} GiB")
        if memory:
            parts.append("peak memory " + ", ".join(memory))
        return "; ".join(parts)


def _wait_for_device(model):
    """Block until the device has run every step dispatched so far (one small read)."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and getattr(optimizer, "built", False):
        keras.ops.convert_to_numpy(optimizer.iterations)


def _round(value, digits):
    return None if value is None else round(value, digits)
