"""TensorFlow's side of training in several processes (`tf.distribute.MultiWorkerMirroredStrategy`).

Each process feeds its own slice of every global batch (`cookbook.data.pipeline.Batches` with its
process index) through `strategy.distribute_datasets_from_function`, so nothing is sharded or
re-batched a second time. Three gaps in Keras 3's TensorFlow trainer under this strategy are
closed on the model instance only (`prepare_model`):

- before the first step Keras averages a batch over the workers to build the model, which fails
  for a (features, labels) pair; the model is built from one local batch instead;
- the step's logs are scalars, which the strategy's cross-worker mean over axis 0 rejects; the
  steps return them as one-element vectors, which it averages to the same value;
- the epoch's logs are read from the metrics' variables, which hold this worker's examples
  only; they are summed over the workers first, so every worker sees the global loss and
  metrics (and early stopping decides the same everywhere).

A fourth is in the layers: every worker would draw the same dropout masks for its slice (the
seed generators' states are mirrored like weights); each worker's draws are offset by its index
instead (`own_draws`).
"""

import copy
import json
import os

import tensorflow as tf

from cookbook import keras_internals


def multi_worker_strategy(timeout):
    """The strategy for the cluster in `TF_CONFIG`; create it before TensorFlow starts.

    Args:
        timeout: seconds every worker may take to register with worker 0.

    Raises:
        TimeoutError: a worker did not register in time (TensorFlow's own deadline, about
            `timeout` seconds, or a few more on a worker that cannot reach worker 0).
    """
    from cookbook.errors import ConfigError

    _bound_the_connect(timeout)
    try:
        return tf.distribute.MultiWorkerMirroredStrategy()
    except tf.errors.DeadlineExceededError as e:
        raise TimeoutError(str(e).splitlines()[0]) from None
    except RuntimeError as e:
        raise ConfigError("TensorFlow was started before this process joined the other workers "
                          f"({str(e).splitlines()[0]}); call cookbook.train (or `cookbook run`) "
                          "first in a fresh process") from None


def _bound_the_connect(timeout):
    """Give TensorFlow's coordination service a deadline for every worker to register.

    The strategy connects inside one call that holds the interpreter lock until it returns, so
    no Python thread can stop a wait that has no end, which is TensorFlow's default. Configured
    here as the strategy itself would (`service_leader` worker 0), with the deadline and a
    registration barrier added; left alone when the caller configured the service already.
    """
    ctx = keras_internals.coordination_context()
    if ctx.coordination_service is not None:
        return
    keras_internals.bound_registration(ctx, "/job:worker/replica:0/task:0",
                                       max(1, round(timeout * 1000)))


def global_devices(strategy, process_count):
    """Every worker's devices, by name (each worker has as many as this one)."""
    local = strategy.extended.worker_devices
    task = json.loads(os.environ["TF_CONFIG"])["task"]["index"]
    return [d.replace(f"/task:{task}/", f"/task:{i}/")
            for i in range(process_count) for d in local]


def _over_workers(strategy, values):
    """Each of `values` (this worker's tensors) summed over the workers (one device each,
    `cookbook.distribute.distribution_scope`)."""
    distributed = strategy.experimental_distribute_values_from_function(lambda _: values)
    with strategy.scope():
        return [strategy.reduce("SUM", v, axis=None) for v in distributed]


def barrier(strategy):
    """Return once every worker has called it (a collective all of them take part in)."""
    _over_workers(strategy, [tf.ones([])])


def worker_feed(strategy):
    """`feed(batches, repeat)`: this worker's slices of `batches` as a distributed dataset.

    With `repeat`, epoch after epoch in the order `batches` draws for each (training: give
    `model.fit` `steps_per_epoch=len(batches)`); without, one pass (validation, test).
    """
    def feed(batches, repeat):
        x, y = batches[0]
        spec = (tf.TensorSpec((None,) + x.shape[1:], x.dtype),
                tf.TensorSpec((None,) + y.shape[1:], y.dtype))

        def passes():
            # tf.data runs this ahead of the training loop, in its own thread: it draws from
            # its own copy, from the epoch `batches` is at, and leaves `batches` as it was.
            own = copy.copy(batches)
            if repeat:
                # `model.fit` given `Batches` itself calls their `on_epoch_end` once before the
                # first epoch (Keras' EpochIterator.reset); the same order follows here.
                own.set_epoch(own.epoch + 1)
            while True:
                for i in range(len(own)):
                    yield own[i]
                if not repeat:
                    return
                own.set_epoch(own.epoch + 1)

        def dataset(context):
            del context  # `batches` already holds this worker's slice
            data = tf.data.Dataset.from_generator(passes, output_signature=spec)
            return data if repeat else data.apply(
                tf.data.experimental.assert_cardinality(len(batches)))

        return strategy.distribute_datasets_from_function(dataset)

    return feed


# Worker k draws with the seed of each generator plus k times this (TensorFlow keeps seeds modulo
# 2**31 - 2), so the workers' streams are unrelated.
WORKER_SEED_STRIDE = 1_000_003


def own_draws(model, worker_index):
    """Make worker `worker_index` draw its own random numbers (dropout masks, augmentation) for
    its slice of the batch instead of the same ones as every other worker.

    Keras keeps each seed generator's state in a variable the strategy mirrors, so without this
    row i of every worker's slice gets the same dropout mask. The state still advances as in
    one process (the chief saves and restores it unchanged); only the seed each draw is given
    moves, by `worker_index * WORKER_SEED_STRIDE`. Worker 0 draws as one process would.
    """
    if worker_index == 0:
        return model
    return keras_internals.offset_draws(
        model, lambda dtype: tf.constant([worker_index * WORKER_SEED_STRIDE, 0], dtype))


def prepare_model(model, batch):
    """Build `model` from one local `(x, y)` batch, without XLA; make its steps' logs
    averageable, its epoch logs global (see the module docstring) and its random draws this
    worker's own (`own_draws`). Returns `model`."""
    strategy = model.distribute_strategy
    model.jit_compile = False  # XLA does not compile the strategy's collectives
    with strategy.scope():
        keras_internals.build_from_batch(model, batch)
    own_draws(model, strategy.cluster_resolver.task_id)

    def vectors(step):
        def run(data):
            return {k: tf.reshape(v, [1]) for k, v in step(data).items()}
        return run

    model.train_step = vectors(model.train_step)
    model.test_step = vectors(model.test_step)

    def global_results(logs):
        results = {}
        for metric in model.metrics:
            values = [tf.convert_to_tensor(v.value) for v in metric.variables]
            reduced = [_reduce(strategy, v, value) for v, value in zip(metric.variables, values)]
            result = metric.stateless_result(reduced)
            results.update(result if isinstance(result, dict) else {metric.name: result})
        return results if set(results) == set(logs or ()) else logs

    return keras_internals.replace_epoch_logs(model, global_results)


def _reduce(strategy, variable, value):
    """A metric variable's value over the workers, as its aggregation says."""
    if variable.aggregation not in ("sum", "mean"):
        return value
    total = _over_workers(strategy, [value])[0]
    if variable.aggregation == "mean":
        total = total / tf.cast(strategy.num_replicas_in_sync, total.dtype)
    return total
