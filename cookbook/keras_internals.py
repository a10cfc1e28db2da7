"""Every Keras and TensorFlow internal cookbook relies on, named once, checked where it is used.

Keras' public API does not cover a few things cookbook needs; each is reached through one
function here, and nowhere else:

- `Layer._flatten_layers()`: every layer of a model, nested ones included (`layers`);
- `Layer.supports_jit`: whether a layer can be XLA-compiled, Keras' own rule (`supports_jit`);
- `Layer._seed_generators`, `SeedGenerator.next`: each TensorFlow worker's own dropout masks
  (`offset_draws`);
- `Trainer._symbolic_build`, `Trainer._maybe_symbolic_build`: building a model from one local
  batch under a multi-worker strategy (`build_from_batch`);
- `Trainer._get_metrics_result_or_logs`: epoch logs summed over TensorFlow workers
  (`replace_epoch_logs`);
- `Callback.async_safe`: whether a user's callback makes Keras wait after every batch
  (`reads_every_batch`);
- `keras.src`'s global seed state: seeding without importing TensorFlow (`seed_keras`);
- `tensorflow.python.eager.context`: a registration deadline for TensorFlow workers
  (`coordination_context`, `bound_registration`).

A name that the installed Keras no longer has is never skipped: it raises
`UnsupportedKerasError`, one line that names it and the Keras versions cookbook supports. The
one exception is `seed_keras`, whose caller then uses `keras.utils.set_random_seed` itself (the
same seeding, only with TensorFlow imported when it is installed).
`tests/test_keras_internals.py` checks that each one still takes effect (that Keras calls the
method patched here, draws through the generator offset here, ...), so a Keras release that
moves one fails there first.

Example:

```python
from cookbook import keras_internals
names = [layer.name for layer in keras_internals.layers(model)]
```
"""

from cookbook.errors import UnsupportedKerasError


# The newest Keras release CI has run the whole suite on (docs/pages/getting-started.md,
# "Versions").
NEWEST_TESTED_KERAS = "3.15.1"


def supported_keras():
    """The Keras requirement cookbook declares (its installed metadata), e.g. `keras>=3.12.0`."""
    from importlib import metadata

    try:
        declared = metadata.requires("cookbook") or []
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a bare checkout
        declared = []
    for requirement in declared:
        if requirement.replace(" ", "").lower().startswith("keras>"):
            return requirement.replace(" ", "")
    return "keras 3 (see setup.cfg)"


def require(owner, name, purpose):
    """`getattr(owner, name)`, or one line naming what is missing and the Keras cookbook needs."""
    try:
        return getattr(owner, name)
    except AttributeError:
        pass
    import keras

    where = owner.__name__ if isinstance(owner, type) else type(owner).__name__
    raise UnsupportedKerasError(
        f"cookbook needs {where}.{name} ({purpose}), which Keras {keras.__version__} does not "
        f"have; install a Keras release cookbook supports: pip install "
        f"'{supported_keras()},<={NEWEST_TESTED_KERAS}'") from None


def layers(model):
    """Every layer of `model`, nested models' layers included, `model` first."""
    return list(require(model, "_flatten_layers", "listing a model's nested layers")())


def supports_jit(layer):
    """Whether Keras may XLA-compile `layer` (Keras' own flag, set by each layer)."""
    return bool(require(layer, "supports_jit", "which layers XLA can compile"))


def offset_draws(model, offset):
    """Make every random draw of `model`'s layers (dropout masks, augmentation) use its seed
    generator's seed plus `offset` (a `[2]` tensor of the generator's state dtype, or a
    function of that dtype returning one), leaving each generator's state as it advances."""
    for layer in layers(model):
        for generator in require(layer, "_seed_generators", "the layer's random generators"):
            draw = require(generator, "next", "the seed of each random draw")
            shift = offset(generator.state.dtype) if callable(offset) else offset

            def shifted(ordered=True, _draw=draw, _shift=shift):
                return _draw(ordered) + _shift

            generator.next = shifted
    return model


def build_from_batch(model, batch):
    """Build `model` (weights, optimizer, metrics) from one `(x, y)` batch and stop Keras'
    trainer from building it again from the first batch of `fit`, `evaluate` or `predict`."""
    require(model, "_maybe_symbolic_build", "the build before the first step")
    require(model, "_symbolic_build", "building a model from one batch")(data_batch=batch)
    model._maybe_symbolic_build = lambda iterator=None, data_batch=None: None
    return model


def replace_epoch_logs(model, logs_from_metrics):
    """Make Keras' trainer read each epoch's (and evaluation's) logs from
    `logs_from_metrics(logs)` instead of from the model's metrics directly."""
    require(model, "_get_metrics_result_or_logs", "the logs at the end of an epoch")
    model._get_metrics_result_or_logs = logs_from_metrics
    return model


def reads_every_batch(callback):
    """Whether Keras waits for `callback` after every training batch: it has its own
    `on_train_batch_end` or `on_batch_end` and does not declare itself `async_safe` (the
    attribute Keras' callback list reads, with no default on `keras.callbacks.Callback`)."""
    import keras

    base = keras.callbacks.Callback
    own = any(getattr(type(callback), name) is not getattr(base, name)
              for name in ("on_train_batch_end", "on_batch_end"))
    return own and not getattr(callback, "async_safe", False)


def seed_keras(seed):
    """What `keras.utils.set_random_seed` does besides seeding TensorFlow: Keras' global seed
    (used by unseeded layers and `keras.random`) and, from the Keras release that resets it
    there on, a fresh global seed generator. Returns False, having done nothing, when this
    Keras keeps its seed elsewhere (then use Keras' function)."""
    try:
        from keras.src.backend.common import global_state
        from keras.src.utils import rng_utils

        set_global, seed_key = global_state.set_global_attribute, rng_utils.GLOBAL_RANDOM_SEED
    except (ImportError, AttributeError):
        return False
    set_global(seed_key, seed)
    try:
        from keras.src.random.seed_generator import GLOBAL_SEED_GENERATOR
    except ImportError:  # Keras before 3.13 keeps its generator when seeded
        return True
    set_global(GLOBAL_SEED_GENERATOR, None)
    return True


def coordination_context():
    """TensorFlow's eager context, whose coordination service (the workers' registration with
    worker 0) `tf.distribute.MultiWorkerMirroredStrategy` configures; no public API gives it a
    registration deadline."""
    from tensorflow.python.eager import context

    return context.context()


def bound_registration(ctx, leader, timeout_ms):
    """Configure `ctx`'s coordination service as the multi-worker strategy would (`leader`
    is worker 0), with every worker given `timeout_ms` to register and worker 0 waiting for
    them at a barrier (without it, it waits with no deadline)."""
    purpose = "a deadline for TensorFlow workers to join"
    configure = require(ctx, "configure_coordination_service", purpose)
    configure(service_type="standalone", service_leader=leader,
              cluster_register_timeout_in_ms=timeout_ms)
    config = require(ctx, "coordination_service", purpose)
    if "cluster_register_with_barrier" not in config.DESCRIPTOR.fields_by_name:
        import tensorflow as tf

        raise UnsupportedKerasError(
            f"TensorFlow {tf.__version__} cannot give its workers a deadline to join "
            "(CoordinationServiceConfig has no cluster_register_with_barrier); training over "
            "several TensorFlow processes needs TensorFlow 2.19 or newer: "
            "pip install -U tensorflow")
    config.cluster_register_with_barrier = True
    return ctx

