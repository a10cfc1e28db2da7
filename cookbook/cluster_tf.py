"""TensorFlow's side of training in several processes (`tf.distribute.MultiWorkerMirroredStrategy`).

Each process feeds its own slice of every global batch (`cookbook.data.pipeline.Batches` with its
process index) through `strategy.distribute_datasets_from_function`, so nothing is sharded
twice. Two gaps in Keras 3's TensorFlow trainer under this strategy are closed here, on the model
instance only (`prepare_model`):

- before the first step Keras averages a batch over the workers to build the model, which fails
  for a (features, labels) pair; the model is built from one local batch instead;
- the step's logs are scalars, which the strategy's cross-worker mean over axis 0 rejects; the
  steps return them as one-element vectors, which it averages to the same value.
"""

import json
import os

import tensorflow as tf


def multi_worker_strategy():
    """The strategy for the cluster in `TF_CONFIG`; create it before TensorFlow starts."""
    from cookbook.errors import ConfigError

    try:
        return tf.distribute.MultiWorkerMirroredStrategy()
    except RuntimeError as e:
        raise ConfigError("TensorFlow was started before this process joined the other workers "
                          f"({str(e).splitlines()[0]}); call cookbook.train (or `cookbook run`) "
                          "first in a fresh process") from None


def global_devices(cluster):
    """Every worker's devices, by name (each worker has as many as this one)."""
    local = cluster.strategy.extended.worker_devices
    task = json.loads(os.environ["TF_CONFIG"])["task"]["index"]
    return [d.replace(f"/task:{task}/", f"/task:{i}/")
            for i in range(cluster.process_count) for d in local]


def worker_feed(strategy):
    """`feed(batches, repeat)`: this worker's slices of `batches` as a distributed dataset.

    With `repeat`, epoch after epoch in the order `batches` draws for each (training); without,
    one pass (validation, test).
    """
    def feed(batches, repeat):
        x, y = batches[0]
        spec = (tf.TensorSpec((None,) + x.shape[1:], x.dtype),
                tf.TensorSpec((None,) + y.shape[1:], y.dtype))

        def passes():
            while True:
                for i in range(len(batches)):
                    yield batches[i]
                if not repeat:
                    return
                batches.on_epoch_end()

        def dataset(context):
            del context  # `batches` already holds this worker's slice
            data = tf.data.Dataset.from_generator(passes, output_signature=spec)
            return data if repeat else data.apply(
                tf.data.experimental.assert_cardinality(len(batches)))

        return strategy.distribute_datasets_from_function(dataset)

    return feed


def prepare_model(model, batch):
    """Build `model` from one local `(x, y)` batch and make its steps' logs averageable."""
    with model.distribute_strategy.scope():
        model._symbolic_build(data_batch=batch)
    model._maybe_symbolic_build = lambda iterator=None, data_batch=None: None

    def vectors(step):
        def run(data):
            return {k: tf.reshape(v, [1]) for k, v in step(data).items()}
        return run

    model.train_step = vectors(model.train_step)
    model.test_step = vectors(model.test_step)
    return model
