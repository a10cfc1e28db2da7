"""Data-parallel training on an existing engine, never hand-made gradient averaging.

- JAX: `keras.distribution.DataParallel` over every device JAX sees;
- TensorFlow: `tf.distribute.MirroredStrategy` over every GPU, or every logical CPU device.

Each replica gets an equal share of the global batch (`fit.batch_size`). For several hosts, start
each process with `keras.distribution.initialize()` (JAX, wraps `jax.distributed.initialize`) or
use `tf.distribute.MultiWorkerMirroredStrategy` with `TF_CONFIG` (TensorFlow).
"""

import contextlib

from cookbook.errors import ConfigError

MODES = ("none", "data_parallel")
ENGINES = {"jax": "keras.distribution.DataParallel",
           "tensorflow": "tf.distribute.MirroredStrategy"}


def check_mode(mode, backend):
    """Fail with what is supported unless `mode` can run on `backend`."""
    if mode not in MODES:
        raise ConfigError(f"fit.distribute must be one of {', '.join(MODES)}, got {mode!r}")
    if mode == "data_parallel" and backend not in ENGINES:
        raise ConfigError(f"--distribute data_parallel runs on the jax ({ENGINES['jax']}) and "
                          f"tensorflow ({ENGINES['tensorflow']}) backends, not on {backend}; "
                          "use KERAS_BACKEND=jax or tensorflow, or --distribute none")


@contextlib.contextmanager
def distribution_scope(mode):
    """Build, compile and fit the model inside this context.

    Yields:
        `{"mode", "engine", "replicas", "devices"}` describing what was used. On JAX the
        previous global distribution is put back on exit.

    Example:

    ```python
    with distribution_scope("data_parallel") as used:
        model = cookbook.recipes.mnist_dense()
        model.fit(x, y, batch_size=256)
    ```
    """
    import keras

    backend = keras.backend.backend()
    check_mode(mode, backend)
    if mode == "none":
        yield {"mode": "none", "engine": None, "replicas": 1, "devices": []}
        return
    if backend == "jax":
        devices = keras.distribution.list_devices()
        previous = keras.distribution.distribution()
        keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))
        try:
            yield {"mode": mode, "engine": ENGINES[backend], "replicas": len(devices),
                   "devices": list(devices)}
        finally:
            keras.distribution.set_distribution(previous)
    else:
        import tensorflow as tf

        devices = ([d.name for d in tf.config.list_logical_devices("GPU")]
                   or [d.name for d in tf.config.list_logical_devices("CPU")])
        strategy = tf.distribute.MirroredStrategy(devices=devices)
        with strategy.scope():
            yield {"mode": mode, "engine": ENGINES[backend],
                   "replicas": strategy.num_replicas_in_sync, "devices": devices}
