"""The steps every notebook in `notebooks/` takes the same way, so that each one is about its task.

- `load_data`: the recipe's dataset, loaded once and described in a line;
- `train`: `cookbook.train` with `LivePlot` on the data the notebook loaded, in a run directory
  that is never overwritten (`choose_run_dir`; `unused_dir` for a plain `cookbook.train`);
- `predict_test_split`: the trained model's inputs and outputs on the test split;
- `image_at`, `plot_images`, `plot_class_balance`, `print_reviews`, `plot_lengths`,
  `plot_augmentation`, `describe_features`, `plot_feature_scales`: the looks at the data and at
  what the model sees that several notebooks share;
- `plot_confusion_matrix`, `print_mistakes`: a classifier's confusions on the test split, and
  the texts it gets wrong most confidently;
- `plot_attention`: the words a Transformer's last block attended to most;
- `print_settings`: the recipe's hyper-parameters and fit settings, defaults beside this run's;
- `predict_file`: `cookbook.predict` on a file of a few test inputs;
- `serve`: export the run and call the SavedModel the way TF Serving would.

Figures are returned (a notebook shows the last one of a cell); Keras is imported when a function
needs it.

Example:

```python
from cookbook import notebook_helpers as nb

data = nb.load_data("mnist_dense", "sample")
result = nb.train("mnist_dense", data, "runs/mnist", epochs=3)
nb.serve(result, data.x_test[:2])["class_name"]
```
"""

import os
import tempfile

import numpy as np

from cookbook import config as config_lib
from cookbook.data import load_dataset
from cookbook.registry import get_recipe
from cookbook.run_dir import (CONFIG_FILE, HISTORY_FILE, METRICS_FILE, RunDir, read_history,
                              trains_the_same)

SEED = config_lib.FitConfig().seed  # the splits of the default `fit.seed`: those the run trains on


def load_data(recipe, source):
    """The `Splits` of the recipe's dataset from `source` (`"auto"`, a named source, a path).

    Load it once and hand it to `train`, which trains on it instead of loading it again.
    """
    from cookbook.console import start_backend

    start_backend(with_tensorflow=True)  # the frameworks' start-up lines stay out of the notebook
    data = load_dataset(get_recipe(recipe).dataset, source, seed=SEED)
    classes = ", ".join(map(str, data.class_names)) or "none (regression)"
    print(f"{data.name} from {data.source}: {len(data.x_train)} train, {len(data.x_test)} test; "
          f"classes: {classes}")
    return data


def train(recipe, data, run_dir, *, epochs=None, model=None):
    """Train `recipe` on `data` (from `load_data`) with live learning curves, or reuse a run.

    `run_dir` is used as `cookbook.train` would, and never emptied: when it holds a finished
    run with the same settings, that run is loaded instead of training again; when it holds
    anything else, the run goes to the first free `run_dir-2`, `run_dir-3`, ...
    (`choose_run_dir`). The folder used is `result.out`.

    Args:
        recipe: the recipe's name.
        data: the splits the notebook loaded; the run trains on them as they are.
        run_dir: the run directory.
        epochs: `fit.epochs`, or None for the recipe's own.
        model: hyper-parameters to override, e.g. `{"learning_rate": 0.001}`.

    Returns:
        A `cookbook.training.RunResult`: `out`, `metrics`, `model` (trained), `history`.
    """
    import cookbook
    from cookbook.callbacks import LivePlot

    overrides = {"data.source": data.source, "fit.verbose": 0,
                 **{f"model.{k}": v for k, v in (model or {}).items()}}
    if epochs is not None:
        overrides["fit.epochs"] = epochs
    out, state = choose_run_dir(run_dir, recipe, overrides)
    if state == "finished":
        print(f"{out} already holds a finished run with these settings: it is reused. "
              "Set RUN_DIR to a new folder to train again.")
        return _finished_run(out)
    if out != run_dir:
        print(f"{run_dir} holds another run or other files, left as they are; this run goes "
              f"to {out}.")
    elif state == "unfinished":
        print(f"{out} holds an unfinished run with these settings: it resumes.")
    return cookbook.train(recipe, out=out, overrides=overrides, callbacks=[LivePlot()],
                          data=data)


def choose_run_dir(run_dir, recipe, overrides):
    """`(folder, state)`: where a run of `recipe` with `overrides` goes without touching
    anything a user has.

    `state` is `"free"` (nothing there yet), `"unfinished"` (a killed run with the same
    settings, which `cookbook.train` resumes) or `"finished"` (a finished run with the same
    settings). A folder holding anything else is skipped for `run_dir-2`, `run_dir-3`, ...
    """
    wanted = config_lib.configure(recipe, overrides).to_dict()
    for candidate in _candidates(run_dir):
        state = _holds(candidate, wanted)
        if state != "other":
            return candidate, state


def unused_dir(run_dir):
    """`run_dir` if nothing is there yet, else the first of `run_dir-2`, `run_dir-3`, ... that
    is free: `cookbook.train` never overwrites a finished run."""
    for candidate in _candidates(run_dir):
        if _holds(candidate, None) == "free":
            if candidate != run_dir:
                print(f"{run_dir} is taken and left as it is; this run goes to {candidate}.")
            return candidate


def _candidates(run_dir):
    yield run_dir
    number = 2
    while True:
        yield f"{run_dir}-{number}"
        number += 1


def _holds(path, wanted):
    if not os.path.exists(path) or (os.path.isdir(path) and not os.listdir(path)):
        return "free"
    if wanted is None or not os.path.isfile(os.path.join(path, CONFIG_FILE)):
        return "other"
    try:
        same = trains_the_same(RunDir(path).config().to_dict(), wanted)
    except Exception:  # a config.toml this version cannot read is someone else's run
        return "other"
    if not same:
        return "other"
    return "finished" if os.path.exists(os.path.join(path, METRICS_FILE)) else "unfinished"


def _finished_run(out):
    """A finished run as `train` returns it, its learning curves shown."""
    from cookbook.callbacks.live_plot import in_notebook
    from cookbook.plotting import plot_history
    from cookbook.training import RunResult

    run = RunDir(out).check()
    history = read_history(os.path.join(out, HISTORY_FILE))
    if in_notebook():
        from IPython.display import display

        display(plot_history(history))
    return RunResult(out, run.metrics(), run.load_model(), history)


def predict_test_split(result, data):
    """`(x_test, outputs)`: the test inputs as the model takes them (the run's own
    preprocessing) and the trained model's outputs, read a batch at a time.

    Outputs are class probabilities for classifiers, one value per example for regression.
    """
    from cookbook.data.pipeline import Batches, reader_threads

    run = RunDir(result.out)
    x_test = run.preprocessor()(data.x_test)
    outputs = result.model.predict(
        Batches(x_test, batch_size=run.config().fit.batch_size, workers=reader_threads(x_test)),
        verbose=0)
    if run.recipe().task == "regression":
        outputs = outputs[:, 0]
    return x_test, outputs


def image_at(images, i):
    """Image `i` as it is: photos in a folder are read at their own size."""
    from cookbook.data.image_files import ImageFiles

    if isinstance(images, ImageFiles) and images.size is None:
        return images.read(i)
    return np.asarray(images[i])


def plot_images(images, labels, class_names, count=8, sizes=False):
    """The first `count` images with their class (and with `sizes`, their height x width)."""
    from matplotlib.figure import Figure

    cols = min(count, 8)
    rows = int(np.ceil(count / cols))
    fig = Figure(figsize=(1.6 * cols, 1.9 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax in axes:
        ax.axis("off")
    for ax, i in zip(axes, range(min(count, len(labels)))):
        image = image_at(images, i)
        ax.imshow(image.squeeze(), cmap="gray" if image.squeeze().ndim == 2 else None,
                  vmin=0, vmax=255)
        size = f"\n{image.shape[0]}x{image.shape[1]}" if sizes else ""
        ax.set_title(f"{class_names[labels[i]]}{size}", fontsize=8)
    return fig


def plot_class_balance(data):
    """Examples per class in the training and test splits."""
    from matplotlib.figure import Figure

    n = len(data.class_names)
    fig = Figure(figsize=(max(4.0, 0.6 * n + 2), 2.8), layout="constrained")
    ax = fig.subplots()
    for offset, (split, y) in zip((-0.2, 0.2), (("train", data.y_train),
                                                ("test", data.y_test))):
        counts = np.bincount(np.asarray(y, int), minlength=n)
        ax.bar(np.arange(n) + offset, counts, width=0.4, label=split)
    ax.set_xticks(range(n), data.class_names, rotation=45 if n > 2 else 0,
                  ha="right" if n > 2 else "center")
    ax.set_ylabel("examples")
    ax.set_title("examples per class")
    fig.legend(loc="outside right upper")
    return fig


def plot_confusion_matrix(data, probs):
    """The test split's confusion matrix (`plotting.plot_confusion_matrix`) from the model's
    probabilities."""
    from cookbook import plotting

    return plotting.plot_confusion_matrix(data.y_test, plotting.predicted_classes(probs)[0],
                                          data.class_names)


def print_reviews(data, width=600):
    """The first training review of each class, cut to about `width` characters."""
    import textwrap

    for label, name in enumerate(data.class_names):
        members = np.flatnonzero(np.asarray(data.y_train) == label)
        if len(members):
            text = textwrap.shorten(str(data.x_train[members[0]]), width, placeholder=" [...]")
            print(textwrap.fill(f"{name.upper()}: {text}", 100), end="\n\n")


def print_mistakes(texts, y_true, probs, class_names, count=4):
    """The texts predicted wrong with the highest confidence (`plotting.confident_mistakes`)."""
    import textwrap

    from cookbook.plotting import confident_mistakes

    for m in confident_mistakes(texts, y_true, probs, class_names, count=count):
        print(textwrap.fill(f"{m['true']}, called {m['predicted']} ({m['confidence']:.2f}): "
                            f"{m['text']}", 100), end="\n\n")


def plot_attention(result, data, x_test, probs):
    """For two test reviews of each class, the words the model's last Transformer block attended
    to most (`report.attended_words`): the review's start and its words printed, then a figure.

    Args:
        result: the trained run.
        data: the loaded splits.
        x_test, probs: `predict_test_split(result, data)`.
    """
    import textwrap

    from cookbook import plotting
    from cookbook.report import attended_words

    rows = attended_words(result.model, x_test, data.x_test, data.y_test, probs,
                          data.class_names)
    for row in rows:
        words = ", ".join(f"{w} {100 * v:.0f}%" for w, v in row["words"])
        print(textwrap.fill(f"{row['true']}, called {row['predicted']} "
                            f"({row['confidence']:.2f}): {row['text']}", 100))
        print(textwrap.fill(f"  attended to: {words}", 100), end="\n\n")
    return plotting.plot_attention(rows)


def plot_lengths(texts):
    """How many words the texts have, as the tokenizer splits them."""
    from matplotlib.figure import Figure

    from cookbook.text import words

    lengths = np.array([len(words(t)) for t in texts])
    fig = Figure(figsize=(6, 2.8), layout="constrained")
    ax = fig.subplots()
    ax.hist(lengths, bins=50)
    ax.set_xlabel("words per text")
    ax.set_ylabel("texts")
    ax.set_title(f"median {int(np.median(lengths))} words, longest {lengths.max()}")
    return fig


def plot_augmentation(model, images, copies=4):
    """Each image as the model's `augment` layer sees it, then `copies` random training draws.

    The layers before `augment` (scaling, resizing) run first; the layer is called with
    `training=True`, as `fit` calls it. Prediction and the export skip it.
    """
    import keras
    from matplotlib.figure import Figure

    augment = model.get_layer("augment")
    before = keras.Model(model.input, augment.input)(np.asarray(images, "float32"))
    columns = [before] + [augment(before, training=True) for _ in range(copies)]
    columns = [np.clip(keras.ops.convert_to_numpy(c), 0, 1) for c in columns]
    rows = len(images)
    fig = Figure(figsize=(1.6 * (copies + 1), 1.7 * rows), layout="constrained")
    axes = fig.subplots(rows, copies + 1, squeeze=False)
    for r in range(rows):
        for c, batch in enumerate(columns):
            image = batch[r].squeeze()
            axes[r, c].imshow(image, cmap="gray" if image.ndim == 2 else None, vmin=0, vmax=1)
            axes[r, c].axis("off")
            if r == 0:
                axes[r, c].set_title("input" if c == 0 else f"training draw {c}", fontsize=8)
    return fig


def describe_features(x, names, columns=None):
    """A table of each chosen feature's range: min, median, max and standard deviation."""
    columns = range(len(names)) if columns is None else columns
    x = np.asarray(x, dtype="float64")
    lines = [f"{'feature':24} {'min':>10} {'median':>10} {'max':>10} {'std':>10}"]
    for j in columns:
        col = x[:, j]
        lines.append(f"{names[j]:24} {col.min():10.4g} {np.median(col):10.4g} "
                     f"{col.max():10.4g} {col.std():10.4g}")
    print("\n".join(lines))


def plot_feature_scales(raw, normalized, names, columns, log=False):
    """Box plots of the chosen features, raw and as the model's `Normalization` gives them
    (`log`: the raw values on a symmetric log scale, for features of very different sizes)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 3.8), layout="constrained")
    for ax, values, title in zip(fig.subplots(1, 2), (raw, normalized),
                                 ("raw (what a client sends)",
                                  "after the model's normalize layer")):
        values = np.asarray(values)[:, columns]
        ax.boxplot(values)
        ax.set_xticks(range(1, len(columns) + 1), [names[j] for j in columns], rotation=45,
                      ha="right", fontsize=8)
        ax.set_title(title)
        if log and title.startswith("raw"):
            ax.set_title(f"{title}, log scale")
            ax.set_yscale("symlog", linthresh=0.01)
            if values.min() >= 0:
                ax.set_ylim(bottom=0)
    return fig


def print_settings(result):
    """The recipe's hyper-parameters and fit settings: default, and this run's where it differs.
    """
    run = RunDir(result.out)
    config, spec = run.config(), run.recipe()
    rows = [(f"model.{k}", v, config.model.get(k, v)) for k, v in spec.hyperparameters().items()]
    defaults = config_lib.default_config(config.recipe).fit
    rows += [(f"fit.{k}", getattr(defaults, k), getattr(config.fit, k))
             for k in ("epochs", "batch_size", "early_stopping_patience", "reduce_lr_patience")]
    print(f"{'setting':30} {'default':22} this run")
    for key, default, used in rows:
        shown = "" if _same(default, used) else str(used)
        print(f"{key:30} {str(_plain(default)):22} {shown}")


def _plain(value):
    return list(value) if isinstance(value, tuple) else value


def _same(a, b):
    return _plain(a) == _plain(b)


def predict_file(result, x, count=2, names=None):
    """`cookbook.predict` on a file holding the first `count` inputs of `x` (raw test inputs):
    PNG images, a text file of one review a line, or a CSV of feature rows with `names` (or
    `feature_0`, `feature_1`, ...) as its header."""
    import cookbook

    run = RunDir(result.out)
    preprocessor = run.preprocessor()
    with tempfile.TemporaryDirectory() as folder:
        if preprocessor.kind == "image":
            from PIL import Image

            pixels = preprocessor(x)[np.arange(count)]
            paths = [os.path.join(folder, f"example_{i}.png") for i in range(count)]
            for image, path in zip(pixels, paths):
                Image.fromarray(np.asarray(image, np.uint8).squeeze()).save(path)
            return cookbook.predict(result.out, paths=paths)
        if preprocessor.kind == "text":
            path = os.path.join(folder, "reviews.txt")
            with open(path, "w", encoding="utf-8", newline="\n") as f:
                f.writelines(" ".join(str(t).split()) + "\n" for t in x[:count])
        else:
            path = os.path.join(folder, "rows.csv")
            header = ",".join(names or [f"feature_{j}" for j in range(preprocessor.num_features)])
            np.savetxt(path, np.asarray(x[:count], "float64"), delimiter=",", header=header,
                       comments="", fmt="%.8g")
        return cookbook.predict(result.out, file=path)


def serve(result, inputs):
    """Export the run next to it (`<run>/exports/<recipe>/<version>`) and call the SavedModel
    the way TF Serving would, on `inputs` as a client sends them.

    Returns:
        `{output name: numpy array}`, e.g. `class_name` and `probability`.
    """
    import tensorflow as tf

    from cookbook.export import export

    exported = export(result.out, os.path.join(result.out, "exports"))
    print(f"exported to {exported.path}; largest difference from the Keras model "
          f"{exported.max_abs_diff:.2g}")
    signature = tf.saved_model.load(exported.path).signatures["serving_default"]
    if RunDir(result.out).preprocessor().kind == "text":
        inputs = np.array([str(t) for t in inputs], dtype=object)
    else:
        inputs = np.asarray(inputs, dtype="float32")
    outputs = signature(**{exported.input_name: tf.constant(inputs)})
    return {key: value.numpy() for key, value in outputs.items()}
