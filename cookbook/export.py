"""Export a finished run as a SavedModel in TF Serving's layout: `<out>/<recipe>/<version>/`.

The SavedModel has one `serving_default` signature with a named input (`image`, `features`, or
`review` for text, which takes raw strings: the vocabulary is baked in) and named outputs:

- classifiers with several classes: `probabilities`, `class_id`, `class_name`;
- binary classifiers: `probability` (of class 1), `class_id` (probability >= 0.5), `class_name`;
- regression: `prediction`.

After writing, the SavedModel is loaded back with TensorFlow and its outputs compared with the
Keras model's on the run's saved examples. Versions are never overwritten without `force`, and
the export is written to a temporary folder and renamed, so a failed export leaves nothing.

This module needs TensorFlow. On the JAX and PyTorch backends the SavedModel is written by a
child process on the TensorFlow backend and checked against the model on the caller's backend.
"""

import dataclasses
import os
import shutil
import sys
import tempfile

import numpy as np

from cookbook.errors import RunDirError
from cookbook.run_dir import RunDir

PARITY_TOLERANCE = 1e-4
MISSING_TENSORFLOW = ("exporting a SavedModel needs TensorFlow, which is not installed: "
                      "pip install \"cookbook[tensorflow]\" (training does not need it)")


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
    except ImportError:
        raise RunDirError(MISSING_TENSORFLOW) from None
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
        return _export_from_other_backend(run, out, version, force)
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
        _follow_umask(tmp)  # mkdtemp's folder is owner-only; a model server may be another user
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


def _follow_umask(root):
    """Give `root` and everything in it the permissions the user's umask gives new files."""
    from cookbook.atomic import umask

    mask = umask()
    for folder, _, files in os.walk(root):
        os.chmod(folder, 0o777 & ~mask)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o666 & ~mask)


def _export_from_other_backend(run, out, version, force):
    """Export in a child process on the TensorFlow backend, then check the SavedModel's outputs
    against the model on this process's backend (JAX, PyTorch).

    `model.export(format="tf_saved_model")` does not work from every backend (on PyTorch,
    torch.export fails on the dynamic batch size); `model.keras` is backend-independent, so the
    child reloads it under TensorFlow and writes the SavedModel there.
    """
    import json
    import subprocess
    import sys

    import importlib.util

    run_dir = RunDir(run).check()
    if importlib.util.find_spec("tensorflow") is None:
        raise RunDirError(MISSING_TENSORFLOW)
    with tempfile.TemporaryDirectory() as scratch:
        served_path = os.path.join(scratch, "served.npy")
        args = [sys.executable, "-m", "cookbook.export", run, out, str(version or ""),
                "1" if force else "", served_path]
        env = {**os.environ, "KERAS_BACKEND": "tensorflow"}
        proc = subprocess.run(args, env=env, capture_output=True, text=True)
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
        if proc.returncode or not lines:
            error = [ln for ln in proc.stderr.splitlines() if ln.startswith("cookbook: error:")]
            raise RunDirError(error[-1][len("cookbook: error: "):] if error else
                              f"export on the TensorFlow backend failed:\n{proc.stderr[-2000:]}")
        result = ExportResult(**json.loads(lines[-1]))
        served = np.load(served_path)
    model, tokenizer = run_dir.load_model(), run_dir.tokenizer()
    examples = run_dir.examples()
    x = tokenizer.transform(examples) if tokenizer else np.asarray(examples, "float32")
    expected = model.predict(x, verbose=0)
    result.max_abs_diff = max_abs_diff(served, expected)
    if result.max_abs_diff > PARITY_TOLERANCE:
        shutil.rmtree(result.path)
        raise RunDirError(f"the exported SavedModel differs from the {keras_backend()} model by "
                          f"{result.max_abs_diff:.3g} (tolerance {PARITY_TOLERANCE}); nothing "
                          "was kept")
    return result


def keras_backend():
    import keras

    return keras.backend.backend()


def _child(argv):
    """`python -m cookbook.export RUN OUT VERSION FORCE SERVED.npy` on the TensorFlow backend."""
    import json

    run, out, version, force, served_path = argv
    try:
        result = export(run, out, version=int(version) if version else None, force=bool(force))
    except RunDirError as e:
        print(f"cookbook: error: {e}", file=sys.stderr)
        return 2
    tf = _tf()
    run_dir = RunDir(run)
    signature = tf.saved_model.load(result.path).signatures["serving_default"]
    examples = run_dir.examples()
    x = tf.constant(examples if run_dir.tokenizer() else np.asarray(examples, "float32"))
    served = signature(**{result.input_name: x})
    key = next(k for k in ("prediction", "probability", "probabilities") if k in served)
    np.save(served_path, served[key].numpy())
    print(json.dumps(dataclasses.asdict(result)))
    return 0


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
    return max_abs_diff(served[key].numpy(), expected)


def max_abs_diff(served, expected):
    """Largest absolute difference between SavedModel outputs and Keras predictions."""
    expected = np.asarray(expected)
    return float(np.max(np.abs(np.asarray(served).reshape(expected.shape) - expected)))


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1:]))
