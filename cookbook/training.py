"""Fit a recipe on its data and write a run directory (`cookbook.run_dir` says what goes where).

`train` checks the settings, claims the run directory, loads the data and its preprocessor,
builds the model, fits it (`cookbook.fitting`) and writes the results (`cookbook.results`). A run
that is killed resumes from its last finished epoch when started again with the same `out`; a
finished run is never overwritten.
"""

import dataclasses
import json
import os

import numpy as np

from cookbook import atomic, config as config_lib, run_dir, run_lock
from cookbook.cluster import join, wait_for_all
from cookbook.compilation import check_steps_per_execution, set_jit_compile
from cookbook.data import load_dataset, seeded_split
from cookbook.distribute import check_mode, distribution_scope
from cookbook.devices import list_devices
from cookbook.errors import ConfigError, DataError
from cookbook.fitting import fit as fit_model, lost_peers_as_errors
from cookbook.model_inputs import check_inputs, check_labels
from cookbook.precision import check_precision
from cookbook.report import save_figure
from cookbook.results import run_metrics, write_results
from cookbook.seeding import set_seed


@dataclasses.dataclass
class RunResult:
    """What `train` produced: the run directory, its metrics and the trained model."""

    out: str
    metrics: dict
    model: object
    history: dict


def adapt(model, x):
    """Adapt the model's `Normalization` layers to the training features `x`.

    Recipes put a `keras.layers.Normalization` directly on their raw inputs, so scaling lives in
    the model; its mean and variance come from the training data.
    """
    import keras

    for layer in model.layers:
        if isinstance(layer, keras.layers.Normalization):
            layer.adapt(np.asarray(x, dtype="float32"))
    return model


def prepare_data(config, directory, data=None):
    """Load the recipe's data and its preprocessor, fitted on the training split.

    The preprocessor's state (the vocabulary of text recipes) and a few raw test examples are
    saved in `directory` (nothing is saved when it is None).

    Returns:
        `(data, preprocessor)`: the splits as loaded (raw inputs) and the recipe's fitted
        preprocessor; `preprocessor(data.x_train)` gives the model's inputs.
    """
    spec = config.spec
    if data is None:
        data = load_dataset(spec.dataset, config.data.source, seed=config.fit.seed,
                            label_column=config.data.label_column)
    elif data.name != spec.dataset:
        raise ConfigError(f"data: {config.recipe} trains on {spec.dataset}, got splits of "
                          f"{data.name}")
    preprocessor = spec.preprocessor(config.model).fit(data.x_train)
    if directory is None:
        return data, preprocessor
    preprocessor.save(directory)
    atomic.write_text(os.path.join(directory, run_dir.EXAMPLES_FILE), json.dumps(
        {"x": _examples(preprocessor(data.x_test), data.x_test, preprocessor.kind)}))
    return data, preprocessor


def _examples(x, raw, kind, count=4):
    """The first `count` test inputs, as JSON: texts as they are, pixels and features as lists."""
    if kind == "text":
        return [str(t) for t in raw[:count]]
    return np.asarray(x[np.arange(min(count, len(x)))]).tolist()


def train(recipe, *, out, overrides=(), callbacks=(), verbose=None, find_lr=False, data=None):
    """Fit a recipe on its data and write the run directory `out`.

    Args:
        recipe: a recipe name (its defaults), the path of a recipe file, or a `RunConfig`.
        out: the run directory; a killed run started again with the same `out` resumes.
        overrides: `"section.key=value"` strings or a `{"section.key": value}` dict, e.g.
            `{"fit.epochs": 3, "data.source": "sample"}`.
        callbacks: more Keras callbacks for `fit`.
        verbose: Keras progress output; overrides `fit.verbose`.
        find_lr: first run a learning-rate range test (`cookbook.callbacks.LRFinder`), train
            with its suggestion and write `lr_finder.png`.
        data: the recipe's dataset already loaded (`cookbook.data.load_dataset`, e.g. in a
            notebook that looked at it first), trained on as it is; by default `data.source` is
            loaded. Its source is recorded as `data.source`.

    Returns:
        A `RunResult`.

    Seeds Python, NumPy and the backend with `fit.seed` (`keras.utils.set_random_seed`).

    When the environment makes this process one of several (`cookbook.cluster`), it joins the
    others first and trains its slice of every batch; only process 0 writes `out`, which must
    be storage every process sees.

    Example:

    ```python
    result = cookbook.train("mnist_dense", out="runs/mnist", overrides={"data.source": "sample"})
    result.metrics["test"]["accuracy"]
    ```
    """
    import keras

    config = config_lib.configure(recipe, overrides)
    if verbose is not None:
        config.fit.verbose = verbose
    if data is not None:
        config.data.source = data.source  # recorded in config.toml and metrics.json

    check_mode(config.fit.distribute, keras.backend.backend())
    cluster = join(config.fit.distribute, keras.backend.backend())  # before any device is used
    if cluster.strategy is not None and config.fit.jit_compile is True:
        raise ConfigError("fit.jit_compile true: XLA does not compile the cross-worker "
                          "collectives of TensorFlow's MultiWorkerMirroredStrategy; use \"auto\" "
                          "(no XLA there) or false, or the jax backend")
    if cluster.process_count > 1 and find_lr:
        raise ConfigError(f"--find-lr runs in one process; run it without the "
                          f"{cluster.process_count}-process cluster, then train with its rate")
    check_steps_per_execution(config.fit.steps_per_execution, keras.backend.backend())
    check_precision(config.fit.precision, list_devices())
    spec = config.spec
    if config.fit.precision != "float32" and not spec.takes("dtype"):
        raise ConfigError(f"recipe {config.recipe} takes no dtype= argument, so it cannot be "
                          f"built for fit.precision {config.fit.precision!r}; use float32")
    _classes_from_folder(config, spec)
    claimed = run_dir.claim(out, config) if cluster.is_chief else run_dir.check_unfinished(out)
    try:
        return _train_claimed(config, out, claimed, callbacks, find_lr, data, cluster)
    finally:  # the next trainer may start (a killed process lets go of the lock as it ends)
        run_lock.let_go(out)


def _train_claimed(config, out, claimed, callbacks, find_lr, data, cluster):
    set_seed(config.fit.seed)
    with distribution_scope(config.fit.distribute, cluster) as used:
        result, finish = _train(config, out, claimed, callbacks, find_lr, used, data, cluster)
        if cluster.process_count == 1:
            finish(result.model)
            return result
        # Reading a multi-process model's values is a step every process takes together.
        state = _host_state(result.model)
    if cluster.is_chief:
        # The results are written by the chief alone, from a copy in this process only.
        finish(_local_copy(state, config))
    wait_for_all(cluster, "process 0 wrote the run directory")
    return result


def _host_state(model):
    """The model's weights and optimizer variables as NumPy arrays."""
    import keras

    optimizer = model.optimizer.variables if model.optimizer is not None else []
    return {"weights": model.get_weights(),
            "optimizer": [keras.ops.convert_to_numpy(v) for v in optimizer]}


def _local_copy(state, config):
    """The recipe's model, built outside any distribution, holding `_host_state`'s values."""
    local = build_model(config)
    local.set_weights(state["weights"])
    if state["optimizer"]:
        local.optimizer.build(local.trainable_variables)
        for variable, value in zip(local.optimizer.variables, state["optimizer"]):
            variable.assign(value)
    return local


def _train(config, out, claimed, callbacks, find_lr, distribution, data, cluster):
    """Fit and score; returns `(RunResult, finish)`, `finish(model)` writing the results."""
    from cookbook.data.pipeline import Batches, reader_threads

    spec = config.spec
    fit = config.fit
    try:
        data, preprocessor = prepare_data(config, out if cluster.is_chief else None, data)
        x, x_test = preprocessor(data.x_train), preprocessor(data.x_test)
        train_idx, val_idx = _validation_split(data.y_train, config)
        model = build_model(config)
        check_inputs(model, x, origin=f"training data ({data.source})")
        check_labels(model, spec.task, data.y_train, origin=f"{data.source} (training split)")
        check_labels(model, spec.task, data.y_test, origin=f"{data.source} (test split)")
        if preprocessor.kind == "tabular":
            adapt(model, x[train_idx])
        test_idx = np.arange(len(x_test))
        if distribution["engine"] == "keras.distribution.DataParallel" or cluster.strategy:
            train_idx, val_idx, test_idx = _whole_replica_batches(
                distribution, fit.batch_size, train=train_idx, val=val_idx, test=test_idx)
    except Exception:
        run_dir.release(out, claimed)  # nothing was trained: nothing may trip the retry
        raise

    workers = reader_threads(x)
    # Each process reads its slice of every batch.
    share = {"process_index": cluster.process_index, "process_count": cluster.process_count}
    train = Batches(x, data.y_train, batch_size=fit.batch_size, indices=train_idx, shuffle=True,
                    seed=fit.seed, workers=workers, **share)
    val = None if val_idx is None else Batches(x, data.y_train, batch_size=fit.batch_size,
                                               indices=val_idx, workers=workers, **share)
    # Evaluated at the training batch size: a larger batch of large images costs memory.
    test = Batches(x_test, data.y_test, batch_size=fit.batch_size, indices=test_idx,
                   workers=workers, **share)
    feed = None
    if cluster.strategy is not None:
        from cookbook.cluster_tf import prepare_model, worker_feed

        feed = worker_feed(cluster.strategy)
        prepare_model(model, train[0])
    lr_finder = None
    if find_lr and not os.path.isdir(run_dir.backup_dir(out)):
        from cookbook.callbacks import find_lr as run_lr_finder

        lr_finder = run_lr_finder(model, train, None)
        if lr_finder.suggestion:
            model.optimizer.learning_rate = lr_finder.suggestion
        save_figure(lr_finder.plot(), os.path.join(out, run_dir.LR_FINDER_FILE))
    fitted = fit_model(
        model, train, val, fit, out, callbacks=callbacks, per_batch=find_lr,
        # Keras' multi-step loop fails to build under tf.distribute's mirrored strategies.
        one_step_reason=(distribution["engine"] if distribution["engine"] and
                         "Mirrored" in distribution["engine"] else None),
        cluster=cluster, feed=feed)

    with lost_peers_as_errors(cluster, out):  # every process scores its slice of each batch
        scores = model.evaluate(test if feed is None else feed(test, repeat=False), verbose=0,
                                return_dict=True)
    history = ((cluster.is_chief and run_dir.read_history(os.path.join(out, run_dir.HISTORY_FILE)))
               or fitted.history)
    sizes = {"train": len(train_idx), "validation": 0 if val is None else val.num_examples,
             "test": test.num_examples}
    metrics = run_metrics(config=config, spec=spec, data=data, fitted=fitted, scores=scores,
                          history=history, split_sizes=sizes, distribution=distribution,
                          lr_finder=lr_finder)

    def finish(trained):
        if not cluster.is_chief:
            return
        local_test = test if cluster.process_count == 1 else Batches(
            x_test, data.y_test, batch_size=fit.batch_size, indices=test_idx, workers=workers)
        write_results(out, config=config, spec=spec, model=trained, metrics=metrics,
                      history=history, test=local_test, raw_x_test=data.x_test,
                      class_names=data.class_names, lr_finder=lr_finder is not None)

    return RunResult(out, metrics, model, history), finish


def _classes_from_folder(config, spec):
    """A folder of class folders sets the number of classes: `model.num_classes` for recipes
    that take it; binary recipes need exactly two."""
    from cookbook.data import dataset_kind
    from cookbook.data.class_folders import folder_class_names

    if spec.task != "classification" or dataset_kind(spec.dataset) == "tabular":
        return
    names = folder_class_names(config.data.source, dataset_kind(spec.dataset))
    if names is None:
        return
    if "num_classes" in spec.hyperparameters():
        config.model["num_classes"] = len(names)
    elif len(names) != 2:
        raise DataError(f"{config.data.source} has {len(names)} class folders "
                        f"({', '.join(names)}); {config.recipe} is a binary classifier: give it "
                        "exactly 2")


def build_model(config):
    """The recipe's compiled model for `config`: its `[model]` hyper-parameters, built with the
    `fit.precision` dtype policy and set up for `fit.jit_compile` (`fit.steps_per_execution`
    is chosen just before training, `cookbook.compilation.choose_steps_per_execution`)."""
    spec = config.spec
    fit = config.fit
    options = {"dtype": fit.precision} if fit.precision != "float32" else {}
    model = spec.fn(**config.model, **options)
    return set_jit_compile(model, fit.jit_compile)


def _validation_split(y, config):
    """`(train_indices, validation_indices)` of the training split (validation None if off)."""
    fraction = config.data.validation_fraction
    if not fraction:
        return np.arange(len(y)), None
    if not 0 < fraction < 1:
        raise DataError(f"data.validation_fraction must be in [0, 1), got {fraction}")
    # At least one example of each class; regression targets are not classes.
    classes = len(np.unique(y)) if np.asarray(y).dtype.kind in "biu" else 1
    n_val = max(int(round(len(y) * fraction)), classes)
    train_idx, _, val_idx, _ = seeded_split(np.arange(len(y)), y, n_val, config.fit.seed,
                                            origin="the validation split of the training data")
    return train_idx, val_idx


def _whole_replica_batches(distribution, batch_size, **splits):
    """Each split cut to a multiple of the devices: JAX shards every batch evenly over them,
    the last partial one included, and TensorFlow's workers each take an equal slice of it
    (a worker's loss is the mean of its own slice). The examples left out are counted in
    `distribution`."""
    replicas = distribution["replicas"]
    if batch_size % replicas:
        raise DataError(f"fit.batch_size {batch_size} must be a multiple of the "
                        f"{replicas} devices for data_parallel on {distribution['engine']}")
    distribution["dropped"] = {}
    kept = []
    for name, idx in splits.items():
        if idx is not None:
            distribution["dropped"][name] = len(idx) % replicas
            idx = idx[:len(idx) - len(idx) % replicas]
        kept.append(idx)
    return kept
