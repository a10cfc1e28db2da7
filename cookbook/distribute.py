"""Data-parallel training on an existing engine, never hand-made gradient averaging.

- JAX: `keras.distribution.DataParallel` over every device JAX sees;
- TensorFlow: `tf.distribute.MirroredStrategy` over every GPU, or every logical CPU device.

Each replica gets an equal share of the global batch (`fit.batch_size`). Over several processes
(`cookbook.cluster`), the same engines span the devices of every process: JAX's `DataParallel`
over the global devices after `keras.distribution.initialize()`, TensorFlow's
`MultiWorkerMirroredStrategy`; each process then feeds its own slice of every global batch.
"""

import contextlib

from cookbook.errors import ConfigError

MODES = ("none", "data_parallel")
ENGINES = {"jax": "keras.distribution.DataParallel",
           "tensorflow": "tf.distribute.MirroredStrategy"}
MULTI_WORKER = "tf.distribute.MultiWorkerMirroredStrategy"


def check_mode(mode, backend):
    """Fail with what is supported unless `mode` can run on `backend`."""
    if mode not in MODES:
        raise ConfigError(f"fit.distribute must be one of {', '.join(MODES)}, got {mode!r}")
    if mode == "data_parallel" and backend not in ENGINES:
        raise ConfigError(f"--distribute data_parallel runs on the jax ({ENGINES['jax']}) and "
                          f"tensorflow ({ENGINES['tensorflow']}) backends, not on {backend}; "
                          "use KERAS_BACKEND=jax or tensorflow, or --distribute none")


@contextlib.contextmanager
def distribution_scope(mode, cluster=None):
    """Build, compile and fit the model inside this context.

    Args:
        mode: one of `MODES`.
        cluster: this process' `cookbook.cluster.Cluster` once joined (default: one process).

    Yields:
        `{"mode", "engine", "replicas", "devices", "processes"}` describing what was used:
        `devices` and `replicas` count every process' devices. On JAX the previous global
        distribution is put back on exit.

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
    processes = cluster.process_count if cluster is not None else 1
    if mode == "none":
        yield {"mode": "none", "engine": None, "replicas": 1, "devices": [], "processes": 1}
        return
    if backend == "jax":
        devices = keras.distribution.list_devices()  # every process' devices
        previous = keras.distribution.distribution()
        parallel = keras.distribution.DataParallel(devices=devices)
        # Each process reads its own slice of every batch (`cookbook.data.pipeline.Batches`).
        parallel.auto_shard_dataset = False
        keras.distribution.set_distribution(parallel)
        try:
            yield {"mode": mode, "engine": ENGINES[backend], "replicas": len(devices),
                   "devices": list(devices), "processes": processes}
        finally:
            keras.distribution.set_distribution(previous)
    elif processes > 1:
        from cookbook.cluster_tf import global_devices

        local = cluster.strategy.extended.worker_devices
        if len(local) > 1:
            raise ConfigError(f"over several TensorFlow workers each process trains on one "
                              f"device, this one sees {len(local)} ({', '.join(local)}); start "
                              "one process per GPU (CUDA_VISIBLE_DEVICES=i) or use the jax "
                              "backend")
        with cluster.strategy.scope():
            yield {"mode": mode, "engine": MULTI_WORKER,
                   "replicas": cluster.strategy.num_replicas_in_sync,
                   "devices": global_devices(cluster.strategy, processes),
                   "processes": processes}
    else:
        import tensorflow as tf

        devices = ([d.name for d in tf.config.list_logical_devices("GPU")]
                   or [d.name for d in tf.config.list_logical_devices("CPU")])
        strategy = tf.distribute.MirroredStrategy(devices=devices)
        with strategy.scope():
            yield {"mode": mode, "engine": ENGINES[backend],
                   "replicas": strategy.num_replicas_in_sync, "devices": devices,
                   "processes": 1}
