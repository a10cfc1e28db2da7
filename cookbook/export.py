"""Export a finished run as a SavedModel in TF Serving's layout: `<out>/<recipe>/<version>/`.

The SavedModel has one `serving_default` signature with a named input (`image`, `features`, or
`review` for text, which takes raw strings: the vocabulary is baked in) and named outputs:

- classifiers with several classes: `probabilities`, `class_id`, `class_name`;
- binary classifiers: `probability` (of class 1), `class_id` (probability >= 0.5), `class_name`;
- regression: `prediction`.

After writing, the SavedModel is loaded back with TensorFlow and its outputs compared with the
Keras model's on the run's saved examples. Versions are never overwritten without `force`, and
the export is written to a temporary folder and renamed, so a failed export leaves nothing and a
partial version is never visible under `<out>/<recipe>/<version>/`.

The signature checks the shape of its input at run time (`tf.ensure_shape`): the number of
features of a tabular model and the channels of an image must match, or the call fails (a
SavedModel signature does not check this by itself). Images of any height and width are taken,
as `cookbook predict` takes image files of any size: one whose size differs from the model's
(28x28 for MNIST, 32x32 for CIFAR-10) is resized to it by the rule training and `predict` use
(`cookbook.data.images.RESAMPLING`); cats_vs_dogs resizes photos of any size itself.

The versioned folders (`cookbook.export_versions`) keep a version from ever being half-written
or lost; the SavedModel is written by `cookbook.saved_model`, ONNX and LiteRT files by
`cookbook.export_portable`.

This module needs TensorFlow. On the JAX and PyTorch backends the export is written by a child
process on the TensorFlow backend and checked against the model on the caller's backend
(`cookbook.export_child`).
"""

import dataclasses
import importlib.util
import os
import shutil
import sys

from cookbook import export_child, export_versions as versions, run_lock, saved_model
from cookbook.errors import (ConfigError, CookbookError, ExportError, MissingDependencyError,
                             RunDirError)
from cookbook.run_dir import VOCABULARY_FILE, RunDir
from cookbook.serving import max_abs_diff

PARITY_TOLERANCE = 1e-4
MISSING_TENSORFLOW = ("exporting a SavedModel needs TensorFlow, which is not installed: "
                      "pip install \"cookbook[tensorflow]\" (training does not need it)")
FORMATS = ("saved_model", "onnx", "litert")
LABELS = {"saved_model": "SavedModel", "onnx": "ONNX", "litert": "LiteRT"}


@dataclasses.dataclass
class ExportResult:
    """Where the export went and how closely it matches the Keras model.

    `path` is the version folder; `format` one of `FORMATS`; `note` says what a text recipe's
    ONNX or LiteRT file takes (token ids, not strings), else "".
    """

    path: str
    version: int
    input_name: str
    max_abs_diff: float
    format: str = "saved_model"
    note: str = ""


def _tf():
    try:
        import tensorflow as tf
    except ImportError:
        raise MissingDependencyError(MISSING_TENSORFLOW) from None
    return tf


def export(run, out, *, version=None, force=False, reference=None, format="saved_model"):
    """Export the run's model: a SavedModel for TF Serving, or an ONNX or LiteRT file.

    Args:
        run: a finished run directory.
        out: the model base folder; the export goes to `out/<recipe>/<version>/` (the
            SavedModel's files, `model.onnx` or `model.tflite`).
        version: version number; by default the next free one.
        force: replace an existing `version` (otherwise that is an error).
        reference: `(backend, outputs)`: the model's outputs on the run's examples on the
            backend that asked for this export (JAX, PyTorch); the SavedModel must match them
            too, before anything is moved into place.
        format: `"saved_model"`, `"onnx"` or `"litert"` (`cookbook.export_portable`); each is
            checked by its own runtime (TensorFlow, onnxruntime, ai-edge-litert).

    Returns:
        An `ExportResult`.

    Raises:
        RunDirError: the run is missing, unfinished or its model does not load; `out` is not a
            folder we can write to; the version exists.
        ExportError: the SavedModel does not answer as the Keras model does.
        MissingDependencyError: TensorFlow, or the format's converter or runtime, is not
            installed.

    Example:

    ```python
    result = export("runs/mnist", "exports/")
    result.path, result.max_abs_diff       # ('exports/mnist_dense/1', 1.2e-07)
    ```
    """
    import keras

    if version is not None and version < 0:
        raise ConfigError(f"--version {version} is negative; pass 0 or more, or leave it out "
                          "for the next free version")
    if format not in FORMATS:
        raise ConfigError(f"--format {format!r} is not an export format; use one of "
                          f"{', '.join(FORMATS)}")
    if format != "saved_model":
        from cookbook import export_portable

        export_portable.require(format)  # before the slow part
    if keras.backend.backend() != "tensorflow":
        if importlib.util.find_spec("tensorflow") is None:
            raise MissingDependencyError(MISSING_TENSORFLOW)
        return ExportResult(**export_child.export_from_other_backend(run, out, version, force,
                                                                     format))
    tf = _tf()
    run_dir = RunDir(run).check()
    recipe = run_dir.config().recipe
    base = os.path.join(out, recipe)
    versions.check_no_file_in_the_way(base)  # before the slow part
    versions.remove_stale(base)  # first: a version a killed --force swapped out is put back
    if version is None:
        version = versions.next_version(base)
    target = os.path.join(base, str(version))
    if os.path.exists(target) and not force:
        raise versions.version_exists(target, base)
    model = run_dir.load_model()
    tokenizer = run_dir.tokenizer()
    class_names = run_dir.metrics()["data"]["class_names"]
    task = run_dir.recipe().task
    examples = run_dir.examples()

    tmp = versions.make_temporary(base, version)
    lock = os.path.join(base, f".{version}.lock")
    try:
        # One export per version at a time (a second one, with --force too, stops at once).
        run_lock.hold_file(lock, f"{target} is being exported", "export another --version")
        if format == "saved_model":
            input_name = saved_model.write_saved_model(tf, keras, model, tokenizer, task,
                                                       class_names, tmp)
            diff, served = saved_model.parity(tf, model, tokenizer, tmp, input_name, examples)
        else:
            input_name = export_portable.write(format, tf, keras, model, tokenizer, task,
                                               class_names, tmp)
            diff, served = export_portable.parity(format, tmp, model, tokenizer, examples)
        label = LABELS[format]
        if diff > PARITY_TOLERANCE:
            raise ExportError(f"the exported {label} differs from the Keras model by {diff:.3g} "
                              f"(tolerance {PARITY_TOLERANCE}); nothing was written")
        if reference is not None:  # checked before a --force swaps the old version out
            backend, outputs = reference
            diff = max(diff, max_abs_diff(served, outputs))
            if diff > PARITY_TOLERANCE:
                raise ExportError(f"the exported {label} differs from the {backend} model by "
                                  f"{diff:.3g} (tolerance {PARITY_TOLERANCE}); nothing was "
                                  "written")
        # mkdtemp's folder is owner-only; a model server may run as another user
        versions.follow_umask(tmp)
        versions.move_into_place(tmp, target, base, version, force)
    except OSError as e:
        raise RunDirError(versions.cannot_write(base, e)) from e
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        run_lock.let_go_file(lock)
    note = ""
    if tokenizer is not None and format != "saved_model":
        note = (f"takes the tokenizer's output, not strings: {VOCABULARY_FILE} and "
                f"{export_portable.TOKENIZER_FILE} beside it say how a text becomes it")
    return ExportResult(target, version, input_name, diff, format, note)


def _child(argv):
    """On the TensorFlow backend, for `cookbook.export_child`: the export, answered as one JSON
    line on the standard output."""
    run, out, options = export_child.child_arguments(argv)
    try:
        result = export(run, out, **options)
    except CookbookError as e:
        print(export_child.answer_line(error=e))
        return 2
    print(export_child.answer_line(result))
    return 0


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1:]))
