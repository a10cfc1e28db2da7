"""How the train step is compiled: XLA (`jit_compile`) and steps per compiled call.

- `set_jit_compile(model, value)`: `"auto"` keeps Keras' choice (XLA on JAX, and on TensorFlow
  with a GPU; eager on PyTorch); `True` is honoured or refused with the layers that prevent it
  (Keras itself would turn it back to `False` with a warning only).
- `choose_steps_per_execution(...)`: `"auto"` times a few training steps and runs enough steps
  per call that each call lasts at least `TARGET_CALL_SECONDS`, so the host's per-call work
  (callbacks, fetching the batch, dispatch) hides behind the device's. PyTorch runs one step
  per call.
"""

import math
import threading
import time

from cookbook import keras_internals
from cookbook.errors import ConfigError

# `fit.jit_compile`: Keras' choice, XLA always, or never.
JIT_COMPILE = ("auto", True, False)
# Each compiled call should keep the device busy at least this long.
TARGET_CALL_SECONDS = 0.02
MAX_STEPS_PER_EXECUTION = 128
# The probe: one call to compile, then at most this many timed steps, stopping at the first
# step over TARGET_CALL_SECONDS, and within max(PROBE_MIN_SECONDS, PROBE_SHARE_OF_FIT x the fit).
PROBE_STEPS = 8
PROBE_MIN_SECONDS = 2.0
PROBE_SHARE_OF_FIT = 0.05


def layers_without_jit(model):
    """`"name (Class)"` of every layer of `model` that declares it cannot be XLA-compiled."""
    return [f"{layer.name} ({type(layer).__name__})" for layer in keras_internals.layers(model)
            if not keras_internals.supports_jit(layer)]


def set_jit_compile(model, value, loaded=False):
    """Apply `fit.jit_compile` to a compiled model; fail clearly if `True` cannot be honoured.

    A model compiled here already holds Keras' choice for `"auto"`. A `loaded` model holds the
    choice made on the backend it was trained on (XLA on JAX), which is not the one for this
    backend (eager on PyTorch): `"auto"` is chosen again with Keras' rule (`auto_jit_compile`).
    """
    import keras

    if value == "auto":
        if loaded:
            model.jit_compile = auto_jit_compile(model)
        return model
    if value is True:
        blocking = layers_without_jit(model)
        if blocking:
            raise ConfigError(
                f"fit.jit_compile true: {model.name} cannot be compiled with XLA on the "
                f"{keras.backend.backend()} backend because of layer(s) "
                f"{', '.join(blocking)}; use fit.jit_compile = \"auto\" or false")
    model.jit_compile = value
    return model


def auto_jit_compile(model):
    """Keras' choice for `jit_compile="auto"` on this backend: XLA on JAX, and on TensorFlow
    with a GPU; eager on PyTorch; never for a model with a layer that cannot be compiled."""
    import keras

    from cookbook.devices import accelerators, list_devices

    backend = keras.backend.backend()
    if backend == "torch" or layers_without_jit(model):
        return False
    return backend == "jax" or bool(accelerators(list_devices(backend)))


def check_steps_per_execution(steps, backend):
    """Fail with what is supported unless `backend` can run `steps` steps per compiled call."""
    if steps not in ("auto", 1) and backend == "torch":
        raise ConfigError(f"fit.steps_per_execution {steps}: the torch backend runs one step per "
                          "call; use 1 or \"auto\", or KERAS_BACKEND=jax or tensorflow")


def steps_for(step_seconds, steps_per_epoch):
    """The rule: enough steps that one call lasts `TARGET_CALL_SECONDS`, at most one epoch's
    steps and `MAX_STEPS_PER_EXECUTION`."""
    wanted = math.ceil(TARGET_CALL_SECONDS / max(step_seconds, 1e-9))
    return int(max(1, min(wanted, MAX_STEPS_PER_EXECUTION, max(steps_per_epoch, 1))))


def choose_steps_per_execution(model, x, y, *, batch_size, steps_per_epoch, setting="auto",
                               per_batch_callbacks=False, one_step_reason=None,
                               epochs=1, announce=None):
    """Set `model.steps_per_execution` from `fit.steps_per_execution` and return a record.

    With `"auto"` on JAX or TensorFlow, steps are timed on the first batch of `(x, y)` in a
    short `fit` that compiles what the real one reuses (`probe_step_seconds`), and the model's
    weights, optimizer state and random-number state are put back exactly as they were; the
    count then follows `steps_for`. PyTorch and `per_batch_callbacks` (a callback that must see
    every batch, like the LR finder) get 1, and so does any `one_step_reason` the caller gives.
    `(x, y)` needs to hold one batch only. `announce(line)`, when given, is called once if the
    probe lasts longer than a second, with what it is doing.

    Returns:
        `{"setting", "chosen", "probe_step_seconds", "probe_steps", "probe_seconds",
        "probe_added_seconds", "reason"}` for `metrics.json`; `probe_seconds` is the probe's
        whole time, compilation included, and `probe_added_seconds` what it adds to the run:
        the same less the first call's compilation when the real `fit` reuses that step (on
        JAX always, on TensorFlow when one step per call is chosen).
    """
    import keras

    backend = keras.backend.backend()
    record = {"setting": setting, "chosen": 1, "probe_step_seconds": None, "probe_steps": None,
              "probe_seconds": None, "probe_added_seconds": None, "reason": None}
    if setting != "auto":
        record.update(chosen=setting, reason="set in the config")
    elif backend == "torch":
        record["reason"] = "the torch backend runs one step per call"
    elif per_batch_callbacks:
        record["reason"] = "a callback needs every batch"
    elif one_step_reason:
        record["reason"] = one_step_reason
    else:
        start = time.perf_counter()
        line = threading.Timer(1.0, announce or (lambda _: None), args=(
            "steps per call: compiling the training step and timing a few steps "
            f"(at most {PROBE_STEPS}, stopping at the first over "
            f"{TARGET_CALL_SECONDS * 1000:g} ms)",))
        line.daemon = True
        line.start()
        try:
            step, timed, first_call = _probe_step_seconds(
                model, x, y, batch_size, fit_steps=steps_per_epoch * max(epochs, 1))
        finally:
            line.cancel()
        chosen = steps_for(step, steps_per_epoch)
        whole = time.perf_counter() - start
        # The compiled step is the real fit's own, unless TensorFlow builds it again for
        # another count: then the probe's compilation is time added too.
        reused = backend == "jax" or chosen == 1
        record.update(chosen=chosen, probe_step_seconds=round(step, 6), probe_steps=timed,
                      probe_seconds=round(whole, 3),
                      probe_added_seconds=round(whole - (first_call if reused else 0.0), 3),
                      reason=f"{TARGET_CALL_SECONDS * 1000:g} ms per call")
    _set_steps(model, record["chosen"])
    return record


def probe_budget(step_seconds, fit_steps):
    """How long the probe may last: 2 s, or 5% of the fit it is for when that is longer."""
    return max(PROBE_MIN_SECONDS, PROBE_SHARE_OF_FIT * step_seconds * fit_steps)


def _set_steps(model, steps):
    import keras

    built_for = model.steps_per_execution
    model.steps_per_execution = steps
    # TensorFlow compiles the count into its step function; JAX's loop reads it at every call.
    if (keras.backend.backend() != "jax" and built_for != steps
            and model.train_function is not None):
        model.make_train_function(force=True)


def _probe_step_seconds(model, x, y, batch_size, fit_steps=1):
    """`(seconds per training step, steps timed)`, compilation excluded; the model is left as
    it was.

    The probe is a short `fit` on copies of the first batch, so it compiles the full-batch
    step the real `fit` then reuses (a shorter last batch, when the epoch has one, is compiled
    by the real `fit` as it would be without a probe). The first call compiles; the calls after
    it are timed one by one, and the probe stops at the first step slower than
    `TARGET_CALL_SECONDS` (one step per call is then the answer), after `PROBE_STEPS` steps,
    or once it has lasted `probe_budget` (compilation included), after one timed call at
    least.
    """
    import keras
    import numpy as np

    if not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)
    saved = [(v, keras.ops.convert_to_numpy(v)) for v in _state(model)]
    # On JAX, Keras' multi-step loop reads the count at every call: building it now (any
    # count > 1) lets the chosen count take effect later without compiling again.
    if keras.backend.backend() == "jax":
        model.steps_per_execution = max(model.steps_per_execution, 2)
    n = min(batch_size, len(x))
    per_call = max(int(model.steps_per_execution or 1), 1)
    parts = [slice(0, n)] * (PROBE_STEPS + 1) * per_call
    x_probe = np.concatenate([np.asarray(x[p]) for p in parts])
    y_probe = np.concatenate([np.asarray(y[p]) for p in parts])
    timer = _step_timer(fit_steps)
    try:
        model.fit(x_probe, y_probe, batch_size=n, epochs=1, shuffle=False, verbose=0,
                  callbacks=[timer])
    finally:
        for variable, value in saved:
            variable.assign(value)
        model.reset_metrics()
        model.stop_training = False
    return timer.step_seconds, timer.steps, timer.first_call_seconds or 0.0


def _step_timer(fit_steps):
    """A `StepTimer` callback (the class is made here, where Keras is imported)."""
    import keras

    class StepTimer(keras.callbacks.Callback):
        """Times each call after the first (which compiles), reading the loss so that the
        device has finished; stops the probe as `_probe_step_seconds` says."""

        def __init__(self, fit_steps):
            super().__init__()
            self.fit_steps, self.steps, self.seconds = fit_steps, 0, 0.0
            self.first_call_seconds = None  # compilation included
            self._start = time.perf_counter()
            self._last = None

        @property
        def step_seconds(self):
            return self.seconds / self.steps if self.steps else TARGET_CALL_SECONDS * 2

        def on_train_batch_end(self, batch, logs=None):
            float(keras.ops.convert_to_numpy((logs or {}).get("loss", 0.0)))
            now = time.perf_counter()
            if self._last is None:
                self.first_call_seconds = now - self._start
            else:
                self.steps += batch - self._last[0]
                self.seconds += now - self._last[1]
                slow = (now - self._last[1]) / max(batch - self._last[0], 1)
                if (slow > TARGET_CALL_SECONDS or self.steps >= PROBE_STEPS
                        or now - self._start > probe_budget(self.step_seconds, self.fit_steps)):
                    self.model.stop_training = True
            self._last = (batch, now)

    return StepTimer(fit_steps)


def _state(model):
    """Every variable a training step changes: weights, optimizer and random-number state."""
    seen, out = set(), []
    for v in list(model.variables) + list(model.optimizer.variables):
        if id(v) not in seen:
            seen.add(id(v))
            out.append(v)
    return out
