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

Temporary folders live next to the versions: `.<version>.tmp-<host>-<pid>-XXXXXXXX` while a
SavedModel is written, `.<version>.old-<host>-<pid>-XXXXXXXX` for the instant `force` swaps a
version out. An export that is killed leaves its folder behind; the next export to the same
`<out>/<recipe>/` removes such a folder when its writer is gone:

- its host is this machine and its process id is not running any more; or
- nothing in it has changed for an hour (`STALE_AFTER_S`): folders of other machines sharing
  the folder, of a process id that has been reused, and of older versions of cookbook (named
  without host and pid).

A stale `.old-` folder whose version is missing (an export killed in the middle of a `force`
swap) is put back as that version first, so the previous version is never lost.

This module needs TensorFlow. On the JAX and PyTorch backends the SavedModel is written by a
child process on the TensorFlow backend and checked against the model on the caller's backend.
"""

import dataclasses
import errno
import os
import re
import shutil
import socket
import sys
import tempfile
import time

import numpy as np

from cookbook.errors import (ConfigError, CookbookError, ExportError, MissingDependencyError,
                             RunDirError)
from cookbook import run_lock
from cookbook.answers import output_key
from cookbook.run_dir import VOCABULARY_FILE, RunDir
from cookbook.serving import (image_size, input_spec, max_abs_diff, serving_outputs,
                              to_image_size)
from cookbook.text import NO_WORDS, has_words

PARITY_TOLERANCE = 1e-4
STALE_AFTER_S = 3600  # a temporary folder untouched this long is an abandoned export's
# `.<version>.<tmp|old>-<host>-<pid>-<mkdtemp's 8 characters>`; older cookbooks wrote no host-pid.
TEMPORARY_NAME = re.compile(r"^\.(?P<version>\d+)\.(?P<kind>tmp|old)-"
                            r"(?:(?P<host>[A-Za-z0-9_]+)-(?P<pid>\d+)-)?[a-z0-9_]{8}$")
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


def next_version(base):
    """1 + the largest numbered version folder in `base` (1 when there is none)."""
    if not os.path.isdir(base):
        return 1
    versions = [int(d) for d in os.listdir(base) if d.isdigit()]
    return max(versions, default=0) + 1


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
        return _export_from_other_backend(run, out, version, force, format)
    tf = _tf()
    run_dir = RunDir(run).check()
    recipe = run_dir.config().recipe
    base = os.path.join(out, recipe)
    _check_no_file_in_the_way(base)  # before the slow part
    _remove_stale(base)  # first: a version that a killed --force swapped out is put back
    if version is None:
        version = next_version(base)
    target = os.path.join(base, str(version))
    if os.path.exists(target) and not force:
        raise _version_exists(target, base)
    model = run_dir.load_model()
    tokenizer = run_dir.tokenizer()
    class_names = run_dir.metrics()["data"]["class_names"]
    task = run_dir.recipe().task
    examples = run_dir.examples()

    tmp = _make_temporary(base, version)
    lock = os.path.join(base, f".{version}.lock")
    try:
        # One export per version at a time (a second one, with --force too, stops at once).
        run_lock.hold_file(lock, f"{target} is being exported", "export another --version")
        if format == "saved_model":
            input_name = _write_saved_model(tf, keras, model, tokenizer, task, class_names, tmp)
            diff, served = _parity(tf, model, tokenizer, tmp, input_name, examples)
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
        _follow_umask(tmp)  # mkdtemp's folder is owner-only; a model server may be another user
        _move_into_place(tmp, target, base, version, force)
    except OSError as e:
        raise RunDirError(_cannot_write(base, e)) from e
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        run_lock.let_go_file(lock)
    note = ""
    if tokenizer is not None and format != "saved_model":
        note = (f"takes the tokenizer's output, not strings: {VOCABULARY_FILE} and "
                f"{export_portable.TOKENIZER_FILE} beside it say how a text becomes it")
    return ExportResult(target, version, input_name, diff, format, note)


def _version_exists(target, base):
    return RunDirError(f"{target} already exists; export to the next version "
                       f"({next_version(base)}) by leaving out --version, or pass --force to "
                       "replace it")


def _make_temporary(base, version):
    """Create `base` if needed and make this export's temporary folder in it.

    Args:
        base: the `<out>/<recipe>` folder.
        version: the version being written (it names the folder).

    Returns:
        The temporary folder's path.
    """
    try:
        os.makedirs(base, exist_ok=True)
        return tempfile.mkdtemp(prefix=_temporary_prefix(version, "tmp"), dir=base)
    except OSError as e:
        raise RunDirError(_cannot_write(base, e)) from e


def _remove_stale(base):
    """`remove_stale_temporaries`, its errors as one line."""
    try:
        remove_stale_temporaries(base)
    except OSError as e:
        raise RunDirError(_cannot_write(base, e)) from e


def _move_into_place(tmp, target, base, version, force):
    """Rename the finished SavedModel `tmp` to `target`; with `force`, swap out the old version.

    Args:
        tmp: the finished SavedModel folder.
        target: `<out>/<recipe>/<version>`.
        base: `<out>/<recipe>`.
        version: the version number.
        force: whether an existing `target` may be replaced.
    """
    if not os.path.exists(target):
        try:
            os.replace(tmp, target)
        except OSError as e:
            if e.errno in (errno.ENOTEMPTY, errno.EEXIST) and os.path.isdir(target):
                raise RunDirError(f"{target} was written by another export meanwhile; export "
                                  "again for the next version") from e
            raise
        return
    if not force:  # another export wrote it since we looked
        raise _version_exists(target, base)
    old = tempfile.mkdtemp(prefix=_temporary_prefix(version, "old"), dir=base)
    try:
        os.replace(target, os.path.join(old, "v"))
        try:
            os.replace(tmp, target)
        except BaseException:
            os.replace(os.path.join(old, "v"), target)  # put the old version back
            raise
    finally:
        if os.path.isdir(target):  # otherwise the old version waits in `old` to be put back
            shutil.rmtree(old, ignore_errors=True)


def _check_no_file_in_the_way(base):
    """Fail when `base` or a folder above it is an existing file, not a folder."""
    path = _file_in_the_way_of(base)
    if path:
        raise RunDirError(_file_in_the_way(base, path))


def _file_in_the_way_of(base):
    """The nearest existing part of the path `base` when it is not a folder, else None."""
    path = os.path.normpath(base)
    while not os.path.lexists(path) and os.path.dirname(path) not in ("", path):
        path = os.path.dirname(path)
    return path if os.path.lexists(path) and not os.path.isdir(path) else None


def _file_in_the_way(base, path):
    return (f"cannot export to {base}: {path} is a file, not a folder; pass --out a folder "
            "(it is created if missing), or move that file away")


def _cannot_write(base, error):
    """One line for an `OSError` raised while writing under `base`."""
    if isinstance(error, (NotADirectoryError, FileExistsError)):
        return _file_in_the_way(base, _file_in_the_way_of(base) or error.filename or base)
    if isinstance(error, PermissionError):
        return (f"cannot write to {base}: permission denied; pass --out a folder you can "
                "write to, or fix its permissions")
    reason = error.strerror or str(error).splitlines()[0]
    return f"cannot write to {base}: {reason}; fix that, or pass --out another folder"


def _host():
    """This machine's name, reduced to letters, digits and `_` (it goes into folder names)."""
    return re.sub(r"[^A-Za-z0-9]", "_", socket.gethostname())[:64] or "host"


def _temporary_prefix(version, kind):
    """`.<version>.<kind>-<host>-<pid>-`: mkdtemp adds 8 random characters."""
    return f".{version}.{kind}-{_host()}-{os.getpid()}-"


def remove_stale_temporaries(base, now=None):
    """Remove the temporary folders that killed exports left in `base` (see the module's
    docstring for when one is stale); those of exports still running stay.

    Args:
        base: an `<out>/<recipe>` folder.
        now: the time to compare modification times with (default: now).

    Returns:
        The names of the folders removed.
    """
    now = time.time() if now is None else now
    removed = []
    for name in sorted(os.listdir(base)) if os.path.isdir(base) else []:
        match = TEMPORARY_NAME.match(name)
        path = os.path.join(base, name)
        if not match or os.path.islink(path) or not os.path.isdir(path):
            continue
        if not _is_stale(path, match, now):
            continue
        if match["kind"] == "old":
            _put_back(os.path.join(path, "v"), os.path.join(base, match["version"]))
        shutil.rmtree(path, ignore_errors=True)  # another export may be removing it too
        removed.append(name)
    return removed


def _is_stale(path, match, now):
    """Whether the writer of the temporary folder `path` is gone."""
    if match["pid"] and match["host"] == _host() and not _pid_alive(int(match["pid"])):
        return True
    return now - _last_change(path) > STALE_AFTER_S


def _pid_alive(pid):
    """Whether a process `pid` runs on this machine (True when that cannot be told)."""
    if os.name == "nt":  # os.kill would terminate it there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):  # another user's process; a pid out of range
        return True
    return True


def _last_change(path):
    """The newest modification time of the folder `path` and of the entries directly in it."""
    try:
        times = [os.lstat(path).st_mtime]
        times += [entry.stat(follow_symlinks=False).st_mtime for entry in os.scandir(path)]
    except OSError:  # being removed meanwhile
        return time.time()
    return max(times)


def _put_back(old, target):
    """Move the version a killed `force` export had swapped out back to `target`, if missing."""
    if os.path.isdir(old) and not os.path.exists(target):
        try:
            os.replace(old, target)
        except OSError:
            pass


def _follow_umask(root):
    """Give `root` and everything in it the permissions the user's umask gives new files."""
    from cookbook.atomic import umask

    mask = umask()
    for folder, _, files in os.walk(root):
        os.chmod(folder, 0o777 & ~mask)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o666 & ~mask)


def _export_from_other_backend(run, out, version, force, format="saved_model"):
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
        raise MissingDependencyError(MISSING_TENSORFLOW)
    # The outputs on this backend, which the child checks the SavedModel against before it
    # moves anything into place (a --force export never loses the old version to a mismatch).
    model, tokenizer = run_dir.load_model(), run_dir.tokenizer()
    examples = run_dir.examples()
    x = tokenizer.transform(examples) if tokenizer else np.asarray(examples, "float32")
    expected = model.predict(x, verbose=0)
    with tempfile.TemporaryDirectory() as scratch:
        expected_path = os.path.join(scratch, "expected.npy")
        np.save(expected_path, expected)
        args = [sys.executable, "-m", "cookbook.export", run, out, str(version or ""),
                "1" if force else "", keras_backend(), expected_path, format]
        env = {**os.environ, "KERAS_BACKEND": "tensorflow"}
        proc = subprocess.run(args, env=env, capture_output=True, text=True)
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
        if proc.returncode or not lines:
            raise _child_error(proc.stderr, run, out)
    return ExportResult(**json.loads(lines[-1]))


def _child_error(stderr, run, out):
    """The child's cookbook error as the same type here, or an `ExportError` for a failure
    without one."""
    from cookbook import errors

    lines = stderr.splitlines()
    message = [ln[len("cookbook: error: "):] for ln in lines if ln.startswith("cookbook: error: ")]
    kind = [ln[len("cookbook: error type: "):] for ln in lines
            if ln.startswith("cookbook: error type: ")]
    if not message:
        return ExportError(_child_failure(stderr, run, out))
    cls = getattr(errors, kind[-1], None) if kind else None
    cls = cls if isinstance(cls, type) and issubclass(cls, CookbookError) else ExportError
    return cls(message[-1])


def _child_failure(stderr, run, out):
    """One line for a child export that failed without a cookbook error: its last line."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    last = lines[-1] if lines else "no error message"
    return (f"export on the TensorFlow backend failed: {last}; see the whole error with "
            f"`KERAS_BACKEND=tensorflow cookbook export {run} --out {out}`")


def keras_backend():
    import keras

    return keras.backend.backend()


def _child(argv):
    """`python -m cookbook.export RUN OUT VERSION FORCE BACKEND EXPECTED.npy FORMAT` on the
    TensorFlow backend: the export, checked also against `EXPECTED` (the outputs on `BACKEND`)."""
    import json

    run, out, version, force, backend, expected_path, format = argv
    try:
        result = export(run, out, version=int(version) if version else None, force=bool(force),
                        reference=(backend, np.load(expected_path)), format=format)
    except CookbookError as e:
        print(f"cookbook: error: {e}", file=sys.stderr)
        print(f"cookbook: error type: {type(e).__name__}", file=sys.stderr)
        return 2
    print(json.dumps(dataclasses.asdict(result)))
    return 0


def _write_saved_model(tf, keras, model, tokenizer, task, class_names, path):
    """Write `model` (and the text `tokenizer`, if any) as a SavedModel with the
    `serving_default` signature the module's docstring describes; returns the input's name."""

    def outputs(probs):
        return serving_outputs(tf, probs, task, class_names)

    archive = keras.export.ExportArchive()
    archive.track(model)
    if tokenizer is not None:
        vectorize = tokenizer.layer()
        vectorize.build(None)  # the lookup table exists with the vocabulary; build marks it so
        archive.track(vectorize)
        input_name = "review"
        spec = tf.TensorSpec([None], tf.string, name=input_name)

        def serve(review):
            review = tf.ensure_shape(review, spec.shape)
            tokens = vectorize(review)
            # One answer for the same input: `cookbook predict` refuses such a text too.
            tf.debugging.assert_equal(has_words(tokens), True, message=f"a review with {NO_WORDS}")
            return outputs(model(tokens, training=False))
    else:
        input_name = model.inputs[0].name
        spec = input_spec(tf, model, input_name)
        size = image_size(model)

        def serve(x):
            # A signature does not check its input's shape itself: a tabular model would take
            # (N, 15, 2) for (N, 30). EnsureShape fails the call instead.
            x = tf.ensure_shape(x, spec.shape)
            if size:
                x = to_image_size(tf, x, size)
            return outputs(model(x, training=False))
    serve.__name__ = f"serve_{input_name}"
    archive.add_endpoint("serving_default", serve, input_signature=[spec])
    archive.write_out(path, verbose=False)
    return input_name


def _parity(tf, model, tokenizer, path, input_name, examples):
    """`(largest absolute difference, served outputs)`: the SavedModel against the Keras model
    on `examples`."""
    signature = tf.saved_model.load(path).signatures["serving_default"]
    if tokenizer is not None:
        served = signature(**{input_name: tf.constant(examples)})
        expected = model.predict(tokenizer.transform(examples), verbose=0)
    else:
        x = np.asarray(examples, dtype="float32")
        served = signature(**{input_name: tf.constant(x)})
        expected = model.predict(x, verbose=0)
    key = output_key(served)
    return max_abs_diff(served[key].numpy(), expected), served[key].numpy()


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1:]))
