"""Fit a recipe on its data and write a run directory.

A run directory holds:

- `config.toml`: the resolved configuration (`cookbook run <dir>/config.toml` repeats it);
- `history.csv`: loss and metrics per epoch;
- `metrics.json`: test metrics under `"test"`, fit time, samples per second, data source and sizes;
- `model.keras`: the trained model (Keras format, loads with `safe_mode=True`);
- `learning_curves.png`, and for classifiers `confusion_matrix.png` (image recipes also
  `predictions.png` and `mistakes.png`), with `--find-lr` `lr_finder.png`;
- `report.md`: config, metrics and plots on one page (text recipes: the most confidently wrong
  reviews);
- `examples.json`: a few raw test inputs (the export checks the SavedModel on them);
- `vocabulary.txt` for text recipes.

A run that is killed resumes from its last finished epoch when started again with the same
`out` (`keras.callbacks.BackupAndRestore`); a finished run is never overwritten.
"""

import csv
import dataclasses
import json
import os
import shutil

import numpy as np

from cookbook import atomic, config as config_lib
from cookbook.callbacks import DeviceReport, EarlyStopping, EpochBackup, NaNGuard, Progress
from cookbook.compilation import (check_steps_per_execution, choose_steps_per_execution,
                                  set_jit_compile)
from cookbook.data import load_dataset, seeded_split
from cookbook.distribute import check_mode, distribution_scope
from cookbook.devices import list_devices
from cookbook.errors import ConfigError, DataError, RunDirError, TrainingError
from cookbook.precision import check_precision
from cookbook.registry import get_recipe
from cookbook import report
from cookbook.report import save_figure
from cookbook.seeding import set_seed

CONFIG_FILE = "config.toml"
HISTORY_FILE = "history.csv"
METRICS_FILE = "metrics.json"
MODEL_FILE = "model.keras"
EXAMPLES_FILE = "examples.json"
CURVES_FILE = "learning_curves.png"
LR_FINDER_FILE = "lr_finder.png"
BACKUP_DIR = "backup"


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


def check_inputs(model, x, origin="data"):
    """Fail with expected vs got when `x` does not fit the model's input."""
    expected = tuple(model.input_shape)
    name = model.inputs[0].name if model.inputs else "input"
    shape = "(N, " + ", ".join("any" if d is None else str(d) for d in expected[1:]) + ")"
    x = np.asarray(x) if not hasattr(x, "shape") else x
    if x.ndim != len(expected) or any(
            e is not None and e != g for e, g in zip(expected[1:], x.shape[1:])):
        raise DataError(f"{origin}: {model.name} expects input '{name}' of shape {shape}, "
                        f"got {tuple(x.shape)}")
    if x.dtype.kind not in "biuf":
        raise DataError(f"{origin}: {model.name} expects numbers for input '{name}', got dtype "
                        f"{x.dtype}" + (" (text must be tokenized first)"
                                        if x.dtype.kind in "OSU" else ""))


def prepare_data(config, directory):
    """Load the recipe's data and its preprocessor, fitted on the training split.

    The preprocessor's state (the vocabulary of text recipes) and a few raw test examples are
    saved in `directory`.

    Returns:
        `(data, preprocessor)`: the `Dataset` as loaded (raw inputs) and the recipe's fitted
        preprocessor; `preprocessor(data.x_train)` gives the model's inputs.
    """
    spec = get_recipe(config.recipe)
    data = load_dataset(spec.dataset, config.data.source, seed=config.fit.seed,
                        label_column=config.data.label_column)
    preprocessor = spec.preprocessor(config.model).fit(data.x_train)
    preprocessor.save(directory)
    atomic.write_text(os.path.join(directory, EXAMPLES_FILE), json.dumps(
        {"x": _examples(preprocessor(data.x_test), data.x_test, preprocessor.kind)}))
    return data, preprocessor


def _examples(x, raw, kind, count=4):
    """The first `count` test inputs, as JSON: texts as they are, pixels and features as lists."""
    if kind == "text":
        return [str(t) for t in raw[:count]]
    return np.asarray(x[np.arange(min(count, len(x)))]).tolist()


def train(recipe, *, out, overrides=(), callbacks=(), verbose=None, find_lr=False):
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

    Returns:
        A `RunResult`.

    Seeds Python, NumPy and the backend with `fit.seed` (`keras.utils.set_random_seed`).

    Example:

    ```python
    result = cookbook.train("mnist_dense", out="runs/mnist", overrides={"data.source": "sample"})
    result.metrics["test"]["accuracy"]
    ```
    """
    import keras

    config = recipe if isinstance(recipe, config_lib.RunConfig) else config_lib.resolve(recipe)
    items = overrides.items() if isinstance(overrides, dict) else map(
        config_lib.parse_override, overrides)
    for key, value in items:
        config_lib.set_value(config, key, value)
    if verbose is not None:
        config.fit.verbose = verbose

    check_mode(config.fit.distribute, keras.backend.backend())
    check_steps_per_execution(config.fit.steps_per_execution, keras.backend.backend())
    check_precision(config.fit.precision, list_devices())
    spec = get_recipe(config.recipe)
    if config.fit.precision != "float32" and not spec.takes("dtype"):
        raise ConfigError(f"recipe {config.recipe} takes no dtype= argument, so it cannot be "
                          f"built for fit.precision {config.fit.precision!r}; use float32")
    _classes_from_folder(config, spec)
    claimed = _claim_run_dir(out, config)
    set_seed(config.fit.seed)
    with distribution_scope(config.fit.distribute) as used:
        return _train(config, out, claimed, callbacks, find_lr, used)


def _train(config, out, claimed, callbacks, find_lr, distribution):
    import keras

    from cookbook.data.pipeline import Batches, reader_threads

    spec = get_recipe(config.recipe)
    fit = config.fit
    try:
        data, preprocessor = prepare_data(config, out)
        x, x_test = preprocessor(data.x_train), preprocessor(data.x_test)
        train_idx, val_idx = _validation_split(data.y_train, config)
        model = build_model(config)
        check_inputs(model, x, origin=f"training data ({data.source})")
        _check_labels(model, spec.task, data)
        if preprocessor.kind == "tabular":
            adapt(model, x[train_idx])
        test_idx = np.arange(len(x_test))
        if distribution["engine"] == "keras.distribution.DataParallel":
            train_idx, val_idx, test_idx = _whole_replica_batches(
                distribution, fit.batch_size, train=train_idx, val=val_idx, test=test_idx)
    except Exception:
        # Nothing was trained: leave nothing behind that would trip the retry.
        if claimed == "new":
            shutil.rmtree(out, ignore_errors=True)
        elif claimed == "fresh":
            _remove_before_first_epoch(out)
        raise

    workers = reader_threads(x)
    train = Batches(x, data.y_train, batch_size=fit.batch_size, indices=train_idx, shuffle=True,
                    seed=fit.seed, workers=workers)
    val = None if val_idx is None else Batches(x, data.y_train, batch_size=fit.batch_size,
                                               indices=val_idx, workers=workers)
    # Evaluated at the training batch size: a larger batch of large images costs memory.
    test = Batches(x_test, data.y_test, batch_size=fit.batch_size, indices=test_idx,
                   workers=workers)
    lr_finder = None
    if find_lr and not os.path.isdir(os.path.join(out, BACKUP_DIR)):
        from cookbook.callbacks import find_lr as run_lr_finder

        lr_finder = run_lr_finder(model, train, None)
        if lr_finder.suggestion:
            model.optimizer.learning_rate = lr_finder.suggestion
        save_figure(lr_finder.plot(), os.path.join(out, LR_FINDER_FILE))
    first_x, first_y = train[0]
    steps_per_execution = choose_steps_per_execution(
        model, first_x, first_y, batch_size=fit.batch_size, steps_per_epoch=len(train),
        last_batch_size=train.last_batch_size, setting=fit.steps_per_execution,
        per_batch_callbacks=find_lr or any(_needs_every_batch(cb) for cb in callbacks),
        # Keras' multi-step loop fails to build under tf.distribute.MirroredStrategy.
        one_step_reason=("tf.distribute.MirroredStrategy" if distribution["engine"] and
                         "Mirrored" in distribution["engine"] else None))
    cbs, guard, device_report = fit_callbacks(out, fit, train.num_examples, val is not None)
    backup, stopper = cbs[0], next((cb for cb in cbs if isinstance(cb, EarlyStopping)), None)
    train.set_epoch(EpochBackup.saved_epoch(backup.backup_dir))  # a resumed run's next order
    try:
        keras_history = model.fit(train, validation_data=val, epochs=fit.epochs, shuffle=False,
                                  verbose=0, callbacks=cbs + list(callbacks))
    except (RuntimeError, ValueError) as e:
        # Some backends fail inside the step on NaN values (torch's binary cross-entropy
        # rejects NaN probabilities) before NaNGuard sees the loss.
        if all(np.isfinite(w).all() for w in model.get_weights()):
            raise
        guard.message = guard.diverged_message(f"non-finite weights ({type(e).__name__}: "
                                               f"{str(e).splitlines()[0]})")
    if guard.message:
        raise TrainingError(f"{config.recipe}: {guard.message}; {_kept_after_divergence(out)}")

    scores = model.evaluate(test, verbose=0, return_dict=True)
    history = read_history(os.path.join(out, HISTORY_FILE)) or keras_history.history
    device = device_report.summary()
    metrics = {
        "recipe": config.recipe,
        "test": {k: float(v) for k, v in scores.items()},
        # Every part of a resumed run counts.
        "fit_seconds": round(device["fit_seconds"] + backup.previous_seconds, 3),
        "parts": backup.parts,
        "train_seconds": device["train_seconds"],
        # Steady training throughput: compilation and end-of-epoch work left out.
        "samples_per_second": device["samples_per_second"],
        "steps_per_execution": steps_per_execution,
        "epochs": len(next(iter(history.values()), [])),
        "early_stopping": stopper.summary() if stopper is not None else None,
        "data": {"dataset": spec.dataset, "source": data.source, "train": len(train_idx),
                 "validation": 0 if val is None else val.num_examples,
                 "test": test.num_examples,
                 "class_names": list(data.class_names)},
        "distribute": distribution,
        "precision": fit.precision,
        "device": device,
        "backend": keras.backend.backend(),
        "keras_version": keras.__version__,
    }
    if lr_finder is not None:
        metrics["lr_finder"] = {"suggested": lr_finder.suggestion,
                                "configured": config.model.get("learning_rate")}
    with atomic.atomic_path(os.path.join(out, MODEL_FILE)) as tmp:
        model.save(tmp)
    from cookbook.plotting import plot_history

    save_figure(plot_history(history, config.recipe), os.path.join(out, CURVES_FILE))
    plots, mistakes = report.write_run_plots(out, model, spec.task, test, data.x_test,
                                             data.class_names)
    plots = [CURVES_FILE] + plots + ([LR_FINDER_FILE] if lr_finder is not None else [])
    report.write_report(out, config, metrics, plots, mistakes)
    atomic.write_text(os.path.join(out, METRICS_FILE), json.dumps(metrics, indent=2) + "\n")
    return RunResult(out, metrics, model, history)


def fit_callbacks(out, fit, samples_per_epoch, validation=True):
    """The callbacks `train` fits with: `(callbacks, nan_guard, device_report)`.

    None of them reads anything after every batch, so Keras keeps dispatching steps
    asynchronously (`Progress` replaces Keras' bar, which reads the loss every batch; pass
    `verbose=0` to `fit`).
    """
    import keras

    guard = NaNGuard()
    device_report = DeviceReport(fit.batch_size, samples_per_epoch=samples_per_epoch,
                                 verbose=fit.verbose)
    cbs = [
        EpochBackup(os.path.join(out, BACKUP_DIR)),
        keras.callbacks.CSVLogger(os.path.join(out, HISTORY_FILE), append=True),
        guard,
        device_report,
        Progress(fit.verbose),
    ]
    if validation and fit.early_stopping_patience:
        cbs.append(EarlyStopping(fit.early_stopping_patience, verbose=fit.verbose))
    if validation and fit.reduce_lr_patience:
        cbs.append(keras.callbacks.ReduceLROnPlateau(factor=0.5, patience=fit.reduce_lr_patience,
                                                     verbose=0))
    return cbs, guard, device_report


def _check_labels(model, task, data):
    """Class ids must fit the model's output (1 unit: 2 classes), checked before training."""
    from cookbook.data.checks import check_labels

    if task != "classification":
        return
    units = model.output_shape[-1]
    classes = 2 if units == 1 else units
    for y, split in ((data.y_train, "training"), (data.y_test, "test")):
        check_labels(y, classes, f"{data.source} ({split} split, for a model of {classes} "
                                 "classes)")


def _kept_after_divergence(out):
    """Where the last good epoch's weights are after a NaN stop, in words."""
    backup_dir = os.path.join(out, BACKUP_DIR)
    epoch = EpochBackup.saved_epoch(backup_dir)
    if not epoch:
        return ("no epoch finished with a finite loss, so no weights were kept; train again "
                f"with other settings (the same --out {out} is accepted: nothing is kept to "
                "resume)")
    return (f"the weights of epoch {epoch}, the last good one, are kept in "
            f"{EpochBackup.weights_path(backup_dir)} (model.load_weights); train again with "
            "other settings and another --out")


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


def _needs_every_batch(callback):
    """Whether a user's callback reads every batch (then one step per call)."""
    import keras

    return not (getattr(callback, "async_safe", False)
                or type(callback).on_train_batch_end is keras.callbacks.Callback.on_train_batch_end)


def build_model(config):
    """The recipe's compiled model for `config`: its `[model]` hyper-parameters, built with the
    `fit.precision` dtype policy and set up for `fit.jit_compile` (`fit.steps_per_execution`
    is chosen just before training, `cookbook.compilation.choose_steps_per_execution`)."""
    spec = get_recipe(config.recipe)
    fit = config.fit
    options = {"dtype": fit.precision} if fit.precision != "float32" else {}
    model = spec.fn(**config.model, **options)
    return set_jit_compile(model, fit.jit_compile)


# Every file a run writes directly in its directory.
RUN_FILES = (CONFIG_FILE, HISTORY_FILE, METRICS_FILE, MODEL_FILE, EXAMPLES_FILE, CURVES_FILE,
             LR_FINDER_FILE, "vocabulary.txt", report.REPORT_FILE, report.CONFUSION_FILE,
             report.PREDICTIONS_FILE, report.MISTAKES_FILE)

# What a run writes before its first epoch is backed up. An unfinished run holding only these
# has nothing to resume, so it may be started again, with other settings too.
BEFORE_FIRST_EPOCH = (CONFIG_FILE, HISTORY_FILE, EXAMPLES_FILE, LR_FINDER_FILE, "vocabulary.txt")


def _claim_run_dir(out, config):
    """Create `out`, or accept it for resuming the same config; never touch a finished run.

    Returns `"new"` when `out` was created, `"fresh"` when it was empty or held only what a run
    writes before its first epoch (cleared now), `"resume"` for the same config with epochs to
    resume.
    """
    import tomli_w

    if os.path.exists(out) and not os.path.isdir(out):
        raise RunDirError(f"--out {out} is a file, not a folder; choose another --out")
    if os.path.exists(os.path.join(out, METRICS_FILE)):
        raise RunDirError(f"{out} already holds a finished run ({METRICS_FILE}); choose another "
                          "--out, or delete it to train again")
    wanted = tomli_w.dumps(config.to_dict())
    path = os.path.join(out, CONFIG_FILE)
    try:
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                if f.read() == wanted:
                    # Files a killed process was writing when it stopped.
                    atomic.remove_leftovers(out, RUN_FILES)
                    return "resume"
            epochs = EpochBackup.saved_epoch(os.path.join(out, BACKUP_DIR))
            if os.path.isdir(os.path.join(out, BACKUP_DIR)):
                raise RunDirError(
                    f"{out} holds an unfinished run of {epochs} epoch(s) with another "
                    f"configuration ({path}); resume it with the same settings, or choose "
                    "another --out")
        if os.path.isdir(out) and set(os.listdir(out)) - set(BEFORE_FIRST_EPOCH):
            raise RunDirError(f"{out} exists and is not a run directory; choose another --out")
        state = "fresh" if os.path.isdir(out) else "new"
        _remove_before_first_epoch(out)
        os.makedirs(out, exist_ok=True)
        atomic.write_text(path, wanted)
    except OSError as e:
        raise RunDirError(f"cannot write the run directory {out} ({e.strerror or e}); choose an "
                          "--out you can write to") from None
    return state


def _remove_before_first_epoch(out):
    """Remove what a run wrote into `out` before its first epoch (a start that failed)."""
    for name in BEFORE_FIRST_EPOCH:
        if os.path.isfile(os.path.join(out, name)):
            os.remove(os.path.join(out, name))


def _validation_split(y, config):
    """`(train_indices, validation_indices)` of the training split (validation None if off)."""
    fraction = config.data.validation_fraction
    if not fraction:
        return np.arange(len(y)), None
    if not 0 < fraction < 1:
        raise DataError(f"data.validation_fraction must be in [0, 1), got {fraction}")
    n_val = max(int(round(len(y) * fraction)), len(np.unique(y)))
    train_idx, _, val_idx, _ = seeded_split(np.arange(len(y)), y, n_val, config.fit.seed,
                                            origin="the validation split of the training data")
    return train_idx, val_idx


def _whole_replica_batches(distribution, batch_size, **splits):
    """Each split cut to a multiple of the devices: JAX shards every batch evenly over them,
    the last partial one included. The examples left out are counted in `distribution`."""
    replicas = distribution["replicas"]
    if batch_size % replicas:
        raise DataError(f"fit.batch_size {batch_size} must be a multiple of the "
                        f"{replicas} devices for data_parallel on JAX")
    distribution["dropped"] = {}
    kept = []
    for name, idx in splits.items():
        if idx is not None:
            distribution["dropped"][name] = len(idx) % replicas
            idx = idx[:len(idx) - len(idx) % replicas]
        kept.append(idx)
    return kept


def read_history(path):
    """`history.csv` as `{column: [values]}`, one value per epoch (a resumed epoch counts once)."""
    if not os.path.exists(path):
        return {}
    rows = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            # Keras' CSVLogger writes "NA" in val_* columns when there is no validation split.
            epoch = int(row.pop("epoch"))
            rows[epoch] = {k: float(v) for k, v in row.items() if v not in ("NA", "")}
    epochs = sorted(rows)
    keys = [k for k in (rows[epochs[0]] if epochs else []) if all(k in rows[e] for e in epochs)]
    return {k: [rows[e][k] for e in epochs] for k in keys}


