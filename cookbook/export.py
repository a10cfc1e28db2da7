"""Export a finished run as a SavedModel in TF Serving's layout: `<out>/<recipe>/<version>/`.

The SavedModel has one `serving_default` signature with a named input (`image`, `features`, or
`review` for text, which takes raw strings: the vocabulary is baked in) and named outputs:

- classifiers with several classes: `probabilities`, `class_id`, `class_name`;
- binary classifiers: `probability` (of class 1), `class_id` (probability >= 0.5), `class_name`;
- regression: `prediction`.

After writing, the SavedModel is loaded back with TensorFlow and its outputs compared with the
Keras model's on the run's saved examples. Versions are never overwritten without `force`, and
the export is written to a temporary folder and renamed, so a failed export leaves nothing.

This module needs TensorFlow and the TensorFlow backend.
"""

import dataclasses
import os
import shutil
import tempfile

import numpy as np

from cookbook.errors import RunDirError
from cookbook.run_dir import RunDir

PARITY_TOLERANCE = 1e-4


@dataclasses.dataclass
class ExportResult:
    """Where the SavedModel went and how closely it matches the Keras model."""

    path: str
    version: int
    input_name: str
    max_abs_diff: float


def _tf():
    try:
        import tensorflow as tf
    except ImportError:  # pragma: no cover - a declared dependency
        raise RunDirError("exporting a SavedModel needs TensorFlow: pip install tensorflow") \
            from None
    return tf


def next_version(base):
    """1 + the largest numbered version folder in `base` (1 when there is none)."""
    if not os.path.isdir(base):
        return 1
    versions = [int(d) for d in os.listdir(base) if d.isdigit()]
    return max(versions, default=0) + 1


def export(run, out, *, version=None, force=False):
    """Export the run's model for TF Serving.

    Args:
        run: a finished run directory.
        out: the model base folder; the SavedModel goes to `out/<recipe>/<version>/`.
        version: version number; by default the next free one.
        force: replace an existing `version` (otherwise that is an error).

    Returns:
        An `ExportResult`.

    Example:

    ```python
    result = export("runs/mnist", "exports/")
    result.path, result.max_abs_diff       # ('exports/mnist_dense/1', 1.2e-07)
    ```
    """
    import keras

    if keras.backend.backend() != "tensorflow":
        raise RunDirError("export writes a TensorFlow SavedModel and needs the TensorFlow "
                          "backend: run it with KERAS_BACKEND=tensorflow")
    tf = _tf()
    run_dir = RunDir(run).check()
    recipe = run_dir.config().recipe
    base = os.path.join(out, recipe)
    if version is None:
        version = next_version(base)
    target = os.path.join(base, str(version))
    if os.path.exists(target) and not force:
        raise RunDirError(f"{target} already exists; export to the next version "
                          f"({next_version(base)}) by leaving out --version, or pass --force to "
                          "replace it")
    model = run_dir.load_model()
    tokenizer = run_dir.tokenizer()
    class_names = run_dir.metrics()["data"]["class_names"]
    examples = run_dir.examples()

    os.makedirs(base, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=f".{version}.tmp-", dir=base)
    try:
        input_name = _write_saved_model(tf, keras, model, tokenizer, class_names, tmp)
        diff = _parity(tf, model, tokenizer, tmp, input_name, examples)
        if diff > PARITY_TOLERANCE:
            raise RunDirError(f"the exported SavedModel differs from the Keras model by {diff:.3g} "
                              f"(tolerance {PARITY_TOLERANCE}); nothing was written")
        if os.path.exists(target):  # force: swap in the new version, then drop the old one
            old = tempfile.mkdtemp(prefix=f".{version}.old-", dir=base)
            os.replace(target, os.path.join(old, "v"))
            os.replace(tmp, target)
            shutil.rmtree(old)
        else:
            os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            shutil.rmtree(tmp)
    return ExportResult(target, version, input_name, diff)


def _write_saved_model(tf, keras, model, tokenizer, class_names, path):
    names = tf.constant(class_names or [""])
    binary = model.output_shape[-1] == 1

    def outputs(probs):
        if not class_names:  # regression
            return {"prediction": probs[:, 0]}
        if binary:
            p = probs[:, 0]
            ids = tf.cast(p >= 0.5, tf.int64)
            return {"probability": p, "class_id": ids, "class_name": tf.gather(names, ids)}
        ids = tf.argmax(probs, axis=-1)
        return {"probabilities": probs, "class_id": ids, "class_name": tf.gather(names, ids)}

    archive = keras.export.ExportArchive()
    archive.track(model)
    if tokenizer is not None:
        vectorize = tokenizer.layer()
        vectorize.build(None)  # the lookup table exists with the vocabulary; build marks it so
        archive.track(vectorize)
        input_name = "review"
        spec = tf.TensorSpec([None], tf.string, name=input_name)

        def serve(review):
            return outputs(model(vectorize(review), training=False))
    else:
        input_name = model.inputs[0].name
        spec = tf.TensorSpec((None,) + tuple(model.input_shape[1:]), tf.float32, name=input_name)

        def serve(x):
            return outputs(model(x, training=False))
    serve.__name__ = f"serve_{input_name}"
    archive.add_endpoint("serving_default", serve, input_signature=[spec])
    archive.write_out(path, verbose=False)
    return input_name


def _parity(tf, model, tokenizer, path, input_name, examples):
    """Largest absolute difference between the SavedModel and the Keras model on `examples`."""
    signature = tf.saved_model.load(path).signatures["serving_default"]
    if tokenizer is not None:
        served = signature(**{input_name: tf.constant(examples)})
        expected = model.predict(tokenizer.transform(examples), verbose=0)
    else:
        x = np.asarray(examples, dtype="float32")
        served = signature(**{input_name: tf.constant(x)})
        expected = model.predict(x, verbose=0)
    key = next(k for k in ("prediction", "probability", "probabilities") if k in served)
    got = served[key].numpy().reshape(expected.shape)
    return float(np.max(np.abs(got - expected)))
