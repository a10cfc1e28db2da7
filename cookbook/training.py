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
from cookbook.callbacks import DeviceReport, EpochBackup, NaNGuard, Progress
from cookbook.compilation import (check_steps_per_execution, choose_steps_per_execution,
                                  set_jit_compile)
from cookbook.data import dataset_kind, load_dataset, seeded_split
from cookbook.distribute import check_mode, distribution_scope
from cookbook.devices import list_devices
from cookbook.errors import ConfigError, DataError, RunDirError, TrainingError
from cookbook.precision import check_precision
from cookbook.registry import get_recipe
from cookbook import report
from cookbook.report import save_figure

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
    """Load the recipe's data; text becomes token ids (the vocabulary is saved in `directory`).

    Returns:
        `(data, raw_x_test)`: the `Dataset` ready for the model, and the test inputs as they
        were before tokenization.
    """
    spec = get_recipe(config.recipe)
    data = load_dataset(spec.dataset, config.data.source, seed=config.fit.seed)
    examples = data.x_test[:4]
    atomic.write_text(os.path.join(directory, EXAMPLES_FILE), json.dumps(
        {"x": [x if isinstance(x, str) else np.asarray(x).tolist() for x in examples]}))
    raw_x_test = data.x_test
    if dataset_kind(spec.dataset) == "text":
        from cookbook.text import Tokenizer

        tokenizer = Tokenizer.for_model(config.model)
        tokenizer.fit(data.x_train)
        tokenizer.save(directory)
        data.x_train = tokenizer.transform(data.x_train)
        data.x_test = tokenizer.transform(data.x_test)
    return data, raw_x_test


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
    created = _claim_run_dir(out, config)
    keras.utils.set_random_seed(config.fit.seed)
    with distribution_scope(config.fit.distribute) as used:
        return _train(config, out, created, callbacks, find_lr, used)


def _train(config, out, created, callbacks, find_lr, distribution):
    import keras

    spec = get_recipe(config.recipe)
    try:
        data, raw_x_test = prepare_data(config, out)
        x_train, y_train, x_val, y_val = _validation_split(data, config)
        model = build_model(config)
        check_inputs(model, x_train, origin=f"training data ({data.source})")
        adapt(model, x_train)
    except Exception:
        if created:  # nothing was trained: leave no run directory behind to trip a retry
            shutil.rmtree(out, ignore_errors=True)
        raise

    fit = config.fit
    if distribution["engine"] == "keras.distribution.DataParallel":
        # JAX shards every batch evenly over the devices, the last partial one included.
        replicas = distribution["replicas"]
        if fit.batch_size % replicas:
            raise DataError(f"fit.batch_size {fit.batch_size} must be a multiple of the "
                            f"{replicas} devices for data_parallel on JAX")
        distribution["dropped"] = {}
        for split in ("train", "val", "test"):
            x, y = {"train": (x_train, y_train), "val": (x_val, y_val),
                    "test": (data.x_test, data.y_test)}[split]
            if x is None:
                continue
            keep = len(x) - len(x) % replicas
            distribution["dropped"][split] = len(x) - keep
            if split == "train":
                x_train, y_train = x[:keep], y[:keep]
            elif split == "val":
                x_val, y_val = x[:keep], y[:keep]
            else:
                data.x_test, data.y_test, raw_x_test = x[:keep], y[:keep], raw_x_test[:keep]
    lr_finder = None
    if find_lr and not os.path.isdir(os.path.join(out, BACKUP_DIR)):
        from cookbook.callbacks import find_lr as run_lr_finder

        lr_finder = run_lr_finder(model, x_train, y_train, batch_size=fit.batch_size)
        if lr_finder.suggestion:
            model.optimizer.learning_rate = lr_finder.suggestion
        save_figure(lr_finder.plot(), os.path.join(out, LR_FINDER_FILE))
    steps_per_execution = choose_steps_per_execution(
        model, x_train, y_train, batch_size=fit.batch_size,
        steps_per_epoch=-(-len(x_train) // fit.batch_size), setting=fit.steps_per_execution,
        per_batch_callbacks=find_lr or any(_needs_every_batch(cb) for cb in callbacks),
        # Keras' multi-step loop fails to build under tf.distribute.MirroredStrategy.
        one_step_reason=("tf.distribute.MirroredStrategy" if distribution["engine"] and
                         "Mirrored" in distribution["engine"] else None))
    cbs, guard, device_report = fit_callbacks(out, fit, len(x_train), x_val is not None)
    try:
        keras_history = model.fit(
            x_train, y_train,
            validation_data=(x_val, y_val) if x_val is not None else None,
            epochs=fit.epochs, batch_size=fit.batch_size, verbose=0,
            callbacks=cbs + list(callbacks),
        )
    except (RuntimeError, ValueError) as e:
        # Some backends fail inside the step on NaN values (torch's binary cross-entropy
        # rejects NaN probabilities) before NaNGuard sees the loss.
        if all(np.isfinite(w).all() for w in model.get_weights()):
            raise
        guard.message = guard.diverged_message(f"non-finite weights ({type(e).__name__}: "
                                               f"{str(e).splitlines()[0]})")
    if guard.message:
        raise TrainingError(f"{config.recipe}: {guard.message} (run directory {out} keeps the "
                            "config and history; no model was saved)")

    test = model.evaluate(data.x_test, data.y_test, batch_size=max(fit.batch_size, 256),
                          verbose=0, return_dict=True)
    history = read_history(os.path.join(out, HISTORY_FILE)) or keras_history.history
    device = device_report.summary()
    metrics = {
        "recipe": config.recipe,
        "test": {k: float(v) for k, v in test.items()},
        "fit_seconds": device["fit_seconds"],
        "train_seconds": device["train_seconds"],
        # Steady training throughput: compilation and end-of-epoch work left out.
        "samples_per_second": device["samples_per_second"],
        "steps_per_execution": steps_per_execution,
        "epochs": len(next(iter(history.values()), [])),
        "data": {"dataset": spec.dataset, "source": data.source, "train": len(x_train),
                 "validation": 0 if x_val is None else len(x_val), "test": len(data.x_test),
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
    plots, mistakes = report.write_run_plots(out, model, spec.task, raw_x_test, data.x_test,
                                             data.y_test, data.class_names)
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
        cbs.append(keras.callbacks.EarlyStopping(patience=fit.early_stopping_patience,
                                                 restore_best_weights=True))
    if validation and fit.reduce_lr_patience:
        cbs.append(keras.callbacks.ReduceLROnPlateau(factor=0.5, patience=fit.reduce_lr_patience,
                                                     verbose=0))
    return cbs, guard, device_report


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


def _claim_run_dir(out, config):
    """Create `out`, or accept it for resuming the same config; never touch a finished run.

    Returns True when `out` was created by this call.
    """
    import tomli_w

    if os.path.exists(os.path.join(out, METRICS_FILE)):
        raise RunDirError(f"{out} already holds a finished run ({METRICS_FILE}); choose another "
                          "--out, or delete it to train again")
    wanted = tomli_w.dumps(config.to_dict())
    path = os.path.join(out, CONFIG_FILE)
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            if f.read() != wanted:
                raise RunDirError(f"{out} holds an unfinished run with another configuration "
                                  f"({path}); resume it with the same settings, or choose "
                                  "another --out")
        return False
    if os.path.isdir(out) and os.listdir(out):
        raise RunDirError(f"{out} exists and is not a run directory; choose another --out")
    created = not os.path.isdir(out)
    os.makedirs(out, exist_ok=True)
    atomic.write_text(path, wanted)
    return created


def _validation_split(data, config):
    fraction = config.data.validation_fraction
    if not fraction:
        return data.x_train, data.y_train, None, None
    if not 0 < fraction < 1:
        raise DataError(f"data.validation_fraction must be in [0, 1), got {fraction}")
    n_val = max(int(round(len(data.x_train) * fraction)), len(np.unique(data.y_train)))
    return seeded_split(data.x_train, data.y_train, n_val, config.fit.seed)


def read_history(path):
    """`history.csv` as `{column: [values]}`, one value per epoch (a resumed epoch counts once)."""
    if not os.path.exists(path):
        return {}
    rows = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            rows[int(row.pop("epoch"))] = {k: float(v) for k, v in row.items()}
    epochs = sorted(rows)
    keys = rows[epochs[0]].keys() if epochs else []
    return {k: [rows[e][k] for e in epochs] for k in keys}


