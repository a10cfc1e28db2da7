"""Reports the devices a model trained on, its step time, throughput and peak memory."""

import time

import keras

from cookbook import devices as devices_lib


class DeviceReport(keras.callbacks.Callback):
    """The devices in use, step time, samples per second and peak memory of a `fit`.

    The first compiled call (tracing and compilation included) is timed on its own; step time
    and samples per second are over the later steps, so they show the steady state. With
    `steps_per_execution=N` one call runs N steps and is counted as N. Peak memory is per GPU
    (where the backend tracks it) and for the host process.

    Args:
        batch_size: examples per step, to turn steps into samples.
        samples_per_epoch: examples in one epoch, if known (the last batch may be smaller).
        verbose: print a summary line at the end of training.

    After training, `summary()` returns a JSON-ready dict.

    Example:

    ```python
    report = DeviceReport(batch_size=128)
    model.fit(x, y, batch_size=128, callbacks=[report])
    report.summary()["samples_per_second"]
    ```
    """

    def __init__(self, batch_size, samples_per_epoch=None, verbose=1):
        super().__init__()
        self.batch_size = batch_size
        self.samples_per_epoch = samples_per_epoch
        self.verbose = verbose
        self.devices = []
        self.first_call_seconds = None
        self.steps = 0
        self.steady_steps = 0
        self.steady_seconds = 0.0
        self.steady_samples = 0
        self.peak_memory = {}
        self.host_peak_memory = None

    def on_train_begin(self, logs=None):
        self.devices = devices_lib.list_devices()
        devices_lib.reset_peak_memory(self.devices)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_samples = 0

    def on_train_batch_begin(self, batch, logs=None):
        self._call_start = time.perf_counter()
        self._first_batch = batch

    def on_train_batch_end(self, batch, logs=None):
        seconds = time.perf_counter() - self._call_start
        if self.params and self.params.get("steps"):  # the last call of an epoch may run fewer
            batch = min(batch, self.params["steps"] - 1)
        steps = batch - self._first_batch + 1
        samples = steps * self.batch_size
        if self.samples_per_epoch:
            samples = min(samples, self.samples_per_epoch - self._epoch_samples)
        self._epoch_samples += samples
        self.steps += steps
        if self.first_call_seconds is None:
            self.first_call_seconds = seconds
            return
        self.steady_steps += steps
        self.steady_seconds += seconds
        self.steady_samples += samples

    def on_train_end(self, logs=None):
        self.peak_memory = devices_lib.peak_memory(self.devices)
        self.host_peak_memory = devices_lib.host_peak_memory()
        if self.verbose:
            print(self.describe())

    @property
    def step_seconds(self):
        """Mean seconds per step after the first call (None before a second call)."""
        return self.steady_seconds / self.steady_steps if self.steady_steps else None

    @property
    def samples_per_second(self):
        """Training samples per second after the first call (None before a second call)."""
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


def _round(value, digits):
    return None if value is None else round(value, digits)
