"""Predict with a finished run on new inputs: image files, texts, or rows of features.

Each input gives one record (a dict, one JSON line on the command line) with the outputs the
exported SavedModel serves (`cookbook.export`):

- classifiers with several classes: `class_name`, `class_id`, `probabilities`;
- binary classifiers: `class_name`, `class_id` (probability >= 0.5), `probability` (of class 1);
- regression: `prediction`.

Every record starts with `input`: the image path, `"FILE:LINE"` for a line of `file`, the first
60 characters of a text, or `"features[I]"` for row I of `features`. An input that cannot be
read (a file that is not an image, a CSV row with a wrong cell, a text with no words) gives
`{"input": ..., "error": reason}` instead, and the others are still predicted, in the order
given. Inputs go through the run's own preprocessing (`RunDir.preprocessor()`) and the model a
batch at a time, so a long list of photos is never decoded all at once.

Example:

```python
cookbook.predict("runs/mnist", paths=["digit.png"])
# [{'input': 'digit.png', 'class_name': '7', 'class_id': 7, 'probabilities': [...]}]
```

Only the light standard library is imported here: `import cookbook` stays free of Keras.
"""

import os

from cookbook.errors import DataError
from cookbook.predict_items import (TEXT_LABEL_CHARS, as_list, feature_items, file_items,
                                    file_type, text_item)

IMAGE_READERS = 8

_ACCEPTS = {
    "image": "image files (PATH arguments; paths= in Python)",
    "text": "texts (--text TEXT, or --file with a .txt of one text per line or a .csv with a "
            "'review' column; texts= or file= in Python)",
    "tabular": "rows of features (--file with a .csv whose header names the feature columns; "
               "features= or file= in Python)",
}
_GIVEN = {"paths": "image paths", "texts": "texts", "features": "rows of features",
          "txt": "a .txt file of texts", "csv": "a .csv file"}
_ALLOWED = {"image": {"paths"}, "text": {"texts", "txt", "csv"},
            "tabular": {"features", "csv"}}


def predict(run_dir, paths=None, texts=None, features=None, file=None, *,
            batch_size=None, exported=None):
    """Predict with a finished run on new inputs, one record per input, in the order given.

    Give the inputs the run's recipe takes: `paths` for image recipes; `texts` and/or `file`
    (a `.txt` of one text per line, or a `.csv` with a `review` column) for text recipes;
    `features` and/or `file` (a `.csv` whose header names the feature columns; the run's
    `data.label_column`, if there, is left out) for tabular recipes. Inputs of several
    arguments come in the order paths, texts, features, file.

    Args:
        run_dir: a finished run directory written by `cookbook.train` / `cookbook run`.
        paths: image files (any format Pillow reads); each is converted and resized to the
            model's input as in training (e.g. grey 28x28 for MNIST).
        texts: strings (text recipes).
        features: an array-like of rows of raw feature values (tabular recipes), e.g. a 2-D
            NumPy array, a list of lists, or a pandas DataFrame (its label column is dropped).
        file: a `.txt` or `.csv` file (plain or `.gz`) of inputs; see above.
        batch_size: inputs decoded and predicted at a time (default: the run's
            `fit.batch_size`).
        exported: an ONNX (`.onnx`) or LiteRT (`.tflite`) file `cookbook export --format`
            wrote from this run: the answers come from it, through its runtime, instead of
            the run's Keras model (the inputs are still read by the run's preprocessing).

    Returns:
        A list of dicts, one per input: `input` (the path, `"FILE:LINE"`, the first 60
        characters of a text, or `"features[I]"`), then either the outputs (`class_name`,
        `class_id` and `probabilities` or `probability` for classifiers, `prediction` for
        regression) or `error`, the reason that input could not be read.

    Raises:
        RunDirError: `run_dir` is missing or not a finished run.
        DataError: no inputs, inputs of a kind the recipe does not take, or a `file` that
            cannot be read at all (missing, or a CSV without the columns the run needs).

    Example:

    ```python
    records = cookbook.predict("runs/imdb", texts=["A fine film.", "Dull and slow."])
    [(r["class_name"], r["probability"]) for r in records]
    # [('positive', 0.93...), ('negative', 0.08...)]
    cookbook.predict("runs/cancer", file="patients.csv")   # one record per row
    ```
    """
    return list(iter_predict(run_dir, paths=paths, texts=texts, features=features, file=file,
                             batch_size=batch_size, exported=exported))


def iter_predict(run_dir, paths=None, texts=None, features=None, file=None, *,
                 batch_size=None, exported=None):
    """Like `predict`, but yields the records a batch at a time (what `cookbook predict`
    prints as they come).

    The run and the inputs are checked before this returns, so a missing run or inputs of
    the wrong kind raise here, not at the first record.
    """
    from cookbook.run_dir import RunDir

    if batch_size is not None and batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    run = RunDir(os.fspath(run_dir)).check()
    config = run.config()
    # The run's training batch size by default: a larger batch of large photos costs memory.
    batch_size = batch_size or config.fit.batch_size
    preprocessor = run.preprocessor()
    kind = _kind(preprocessor, run)
    paths, texts = as_list(paths), as_list(texts)

    given = [name for name, value in (("paths", paths), ("texts", texts),
                                      ("features", features)) if value is not None]
    if file is not None:
        given.append(file_type(file))
    wrong = [g for g in given if g not in _ALLOWED[kind]]
    if wrong:
        raise DataError(f"{run.path} is a {config.recipe} run, which predicts from "
                        f"{_ACCEPTS[kind]}, not from {' or '.join(_GIVEN[w] for w in wrong)}")

    items = []  # (input, raw value, error): raw is a path, a text or a row of floats
    items += [(os.fspath(p), os.fspath(p), None) for p in paths or ()]
    items += [text_item(str(t)[:TEXT_LABEL_CHARS], t) for t in texts or ()]
    if features is not None:
        items += feature_items(features, preprocessor.num_features, config.data.label_column)
    if file is not None:
        items += file_items(os.fspath(file), kind, preprocessor, config.data.label_column)
    if not items:
        where = f" ({os.fspath(file)} holds none)" if file is not None else ""
        raise DataError(f"no inputs to predict{where}: {config.recipe} predicts from "
                        f"{_ACCEPTS[kind]}")
    runtime = None
    if exported is not None:
        from cookbook.export_portable import Runtime

        runtime = Runtime(os.fspath(exported))
    return _records(run, preprocessor, kind, items, batch_size, runtime)


def _kind(preprocessor, run):
    kind = getattr(preprocessor, "kind", None)
    if kind is None:  # a preprocessor of a user's recipe that does not say
        from cookbook.data import dataset_kind

        kind = dataset_kind(run.recipe().dataset)
    return kind


# ---------------------------------------------------------------------------------------------
# Decoding and predicting a batch at a time


def _records(run, preprocessor, kind, items, batch_size, runtime=None):
    import numpy as np

    from cookbook.answers import answer, output_key
    from cookbook.model_inputs import check_inputs

    model = run.load_model() if runtime is None else None
    class_names = [str(c) for c in run.metrics().get("data", {}).get("class_names", [])]
    task = run.recipe().task  # what the outputs mean comes from the recipe
    for start in range(0, len(items), batch_size):
        chunk = [list(item) for item in items[start:start + batch_size]]
        good = [item for item in chunk if item[2] is None]
        if good:
            x = _model_inputs(preprocessor, kind, good)
            if len(x) and runtime is not None:  # the exported file's own answers
                served = runtime(x)
                outputs = np.asarray(served[output_key(served)], np.float64).reshape(len(x),
                                                                                      -1)
                ids = ([int(i) for i in served["class_id"]] if "class_id" in served
                       else [None] * len(outputs))
            elif len(x):
                check_inputs(model, x, origin=good[0][0])
                outputs = np.asarray(model.predict(x, batch_size=batch_size, verbose=0),
                                     dtype=np.float64).reshape(len(x), -1)
                ids = _class_ids(outputs) if task != "regression" else [None] * len(outputs)
            if len(x):
                for item, output, class_id in zip((i for i in good if i[2] is None), outputs,
                                                  ids):
                    item[1] = (output, class_id)
        for label, result, error in chunk:
            if error is not None:
                yield {"input": label, "error": error}
            else:
                yield {"input": label, **answer(*result, task, class_names)}


def _model_inputs(preprocessor, kind, items):
    """The model's inputs for `items` (each `[input, raw, error]`); an image that fails to
    decode gets its error set and is left out."""
    import numpy as np

    if kind == "image":
        return _decode_images(preprocessor, items)
    raw = [item[1] for item in items]
    x = preprocessor(raw if kind == "text" else np.stack(raw))
    if not isinstance(x, np.ndarray):  # a lazy source: a bag of words
        x = np.asarray(x[np.arange(len(x))])
    if kind == "text":  # the SavedModel refuses these as well (`cookbook.text.has_words`)
        import keras

        from cookbook.text import NO_WORDS, has_words

        words = keras.ops.convert_to_numpy(has_words(x)).astype(bool)
        for item, ok in zip(items, words):
            if not ok:
                item[2] = NO_WORDS
        x = x[words]
    return x


def _decode_images(preprocessor, items):
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np

    from cookbook.data.images import ImageReadError

    files = preprocessor.files([item[1] for item in items])

    def read(i):
        try:
            return files.read(i), None
        except ImageReadError as e:
            return None, str(e).removeprefix(f"{files.paths[i]}: ")

    with ThreadPoolExecutor(min(IMAGE_READERS, len(items))) as pool:
        results = list(pool.map(read, range(len(items))))
    images = []
    for item, (image, error) in zip(items, results):
        if error is None:
            images.append(image)
        else:
            item[2] = error
    if not images:
        return np.zeros((0,) + files.shape[1:], np.uint8)
    return np.stack(images)


def _class_ids(outputs):
    """The class answered for each row of a classifier's outputs (`cookbook.answers`)."""
    import keras

    from cookbook.answers import class_ids

    return [int(i) for i in keras.ops.convert_to_numpy(class_ids(outputs))]

